"""The myMdC resources, declared as data (see MYMDC_SERVER.md §3 and §4).

Adding a resource is adding a :class:`~.schema.Resource` to :data:`RESOURCES`;
the routes, the table, the generic handlers and the validations follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .fields import BOOL, DATETIME, INT, JSON, TEXT, utc_now
from .rules import (
    Format,
    Immutable,
    Inclusion,
    Length,
    Numericality,
    Presence,
    Rule,
    Unique,
)
from .schema import CASCADE, RESTRICT, Field, Nested, Resource

if TYPE_CHECKING:
    from .store import Store


def _int_format(template: str, name: str) -> Any:
    def compute(store: Store, row: Mapping[str, Any]) -> Any:
        value = row.get(name)
        return template.format(value) if isinstance(value, int) else None

    return compute


def _instrument_identifier(store: Store, row: Mapping[str, Any]) -> Any:
    return store.value("SELECT identifier FROM instruments WHERE id = ?", row.get("instrument_id"))


def _prepare_run(store: Store, record: dict[str, Any], old: Mapping[str, Any] | None) -> None:
    # Run numbers are unique per proposal; keep the proposal of the experiment at hand.
    experiment = record.get("experiment_id")
    record["proposal_id"] = (
        store.value("SELECT proposal_id FROM experiments WHERE id = ?", experiment)
        if isinstance(experiment, int) else None
    )


def _prepare_experiment(store: Store, record: dict[str, Any], old: Mapping[str, Any] | None) -> None:
    proposal = record.get("proposal_id")
    if old is None and isinstance(proposal, int):
        last = store.value(
            "SELECT MAX(experiment_number) FROM experiments WHERE proposal_id = ?", proposal
        )
        record["experiment_number"] = (last or 0) + 1


def _prepare_proposal(store: Store, record: dict[str, Any], old: Mapping[str, Any] | None) -> None:
    number = record.get("number")
    if old is not None or not isinstance(number, int):
        return
    instrument = store.value("SELECT identifier FROM instruments WHERE id = ?", record.get("instrument_id"))
    cycle = store.value("SELECT identifier FROM instrument_cycles WHERE id = ?", record.get("instrument_cycle_id"))
    record["proposal_folder"] = f"p{number:06d}"
    record["def_proposal_path"] = f"/gpfs/exfel/exp/{instrument or ''}/{cycle or ''}/p{number:06d}/raw"
    record["doi"] = f"10.0850/XFEL.EU-DATA-{number:06d}-00"


def _prepare_dsg_version(store: Store, record: dict[str, Any], old: Mapping[str, Any] | None) -> None:
    # Marking a version deployed without a date stamps it now (§10 question 26).
    if record.get("flg_status") == "D" and record.get("last_deployed_at") is None:
        record["last_deployed_at"] = utc_now()


def _named(maximum: int, first: str = "identifier") -> tuple[Rule, ...]:
    """Unique, required name and identifier (uniqueness errors in the server's key order)."""
    second = "name" if first == "identifier" else "identifier"
    return (
        Unique(first), Unique(second), Presence("name"), Presence("identifier"), Length("name", maximum=maximum),
    )


def _type_resource(name: str, key: str) -> Resource:
    """data_group_types, data_types, experiment_types and parameter_types."""
    return Resource(
        name, key,
        fields=(Field("name"), Field("identifier"), Field("flg_available", BOOL), Field("description")),
        filters=("name", "identifier"),
        rules=_named(60),
    )


def _fk(name: str, table: str, *, required: bool = False, cascade: bool = False) -> Field:
    return Field(name, INT, ref=table, required=required, on_delete=CASCADE if cascade else RESTRICT)


USERS = Resource(
    "users", "user",
    fields=tuple(Field(n) for n in ("email", "first_name", "last_name", "name", "nickname", "provider", "uid")),
    verbs="R",
)

INSTRUMENTS = Resource(
    "instruments", "instrument",
    fields=(
        Field("name"), Field("identifier"), Field("url"), Field("facility_id", INT),
        Field("topic_id", INT), Field("instrument_type_id", INT), Field("repository_id", INT),
        Field("flg_available", BOOL), Field("description"), Field("instrument_leader_id", INT),
        Field("deputy_instrument_leader_id", INT), Field("dsg_host"), Field("system_user"),
        Field("flg_online_resource", BOOL), Field("online_script"), Field("doi"),
    ),
    verbs="RL",
    filters=("identifier", "facility_id", "topic_id", "name"),
)

INSTRUMENT_CYCLES = Resource(
    "instrument_cycles", "instrument_cycle",
    fields=(
        Field("identifier", INT), _fk("instrument_id", "instruments", required=True),
        Field("begin_at", DATETIME), Field("end_at", DATETIME), Field("start_call_at", DATETIME),
        Field("close_call_at", DATETIME), Field("url"), Field("flg_proposal_system"),
        Field("flg_available", BOOL), Field("description"),
    ),
    filters=("identifier", "instrument_id", "url"),
    rules=(
        Unique("identifier", ("instrument_id",)), Unique("url"), Unique("instrument_id", ("identifier",)),
        Presence("identifier"), Numericality("identifier"),
    ),
    computed=(("instrument_identifier", _instrument_identifier),),
)

PROPOSALS = Resource(
    "proposals", "proposal",
    fields=(
        Field("number", INT), Field("title"), Field("abstract"), Field("url"),
        _fk("instrument_id", "instruments", required=True), _fk("instrument_cycle_id", "instrument_cycles"),
        _fk("principal_investigator_id", "users"), _fk("main_proposer_id", "users"),
        _fk("local_contact_id", "users"),
        Field("begin_at", DATETIME), Field("end_at", DATETIME), Field("release_at", DATETIME),
        Field("beamtime_start_at", DATETIME), Field("beamtime_end_at", DATETIME),
        Field("flg_beamtime_status"), Field("flg_proposal_system"), Field("flg_available", BOOL),
        Field("description"), Field("proposal_folder", writable=False),
        Field("def_proposal_path", writable=False), Field("doi", writable=False),
        Field("orig_repository_id", INT), Field("last_run", INT), Field("num_delivered_shifts", INT),
        Field("num_preparation_shifts", INT), Field("flg_public", BOOL),
        Field("flg_preferred_data_output"), Field("flg_auto_run_quality", INT),
        Field("flg_cloneable_status"),
    ),
    filters=("number", "instrument_id", "instrument_cycle_id", "flg_beamtime_status"),
    rules=(
        Unique("def_proposal_path"), Unique("number"), Unique("proposal_folder"), Unique("url"),
        Immutable("number"), Immutable("title"), Immutable("begin_at"), Immutable("flg_proposal_system"),
        Immutable("release_at"), Immutable("beamtime_start_at"), Immutable("beamtime_end_at"),
        Presence("number"), Numericality("number"), Presence("title"),
    ),
    computed=(("instrument_identifier", _instrument_identifier),),
    prepare=_prepare_proposal,
)

TECHNIQUES = Resource(
    "techniques", "technique",
    fields=(
        Field("identifier"), Field("name"), Field("url"), Field("flg_xfel_available", BOOL),
        Field("flg_available", BOOL), Field("description"),
    ),
    filters=("name", "identifier"),
    rules=_named(80, first="name"),
)

PROPOSALS_TECHNIQUES = Resource(
    "proposals_techniques", "proposals_technique",
    fields=(
        _fk("proposal_id", "proposals", required=True, cascade=True),
        _fk("technique_id", "techniques", required=True, cascade=True),
    ),
    verbs="RL",
    filters=("proposal_id", "technique_id"),
    rules=(Unique("technique_id", ("proposal_id",)),),
)

EXPERIMENTS = Resource(
    "experiments", "experiment",
    fields=(
        Field("name"), _fk("experiment_type_id", "experiment_types"),
        _fk("proposal_id", "proposals", required=True), Field("flg_available", BOOL),
        Field("publisher"), Field("contributor"), Field("description"),
        Field("experiment_number", INT, writable=False), Field("proposal_last_run", INT),
        Field("experiment_last_run", INT),
    ),
    filters=("name", "proposal_id", "experiment_type_id"),
    rules=(Unique("name", ("proposal_id",)), Presence("name"), Length("name", maximum=60)),
    computed=(
        ("doi", _int_format("xfel.mdc.exp.{}", "id")),
        ("experiment_folder", _int_format("e{:04d}", "experiment_number")),
    ),
    prepare=_prepare_experiment,
)

SAMPLES = Resource(
    "samples", "sample",
    fields=(
        Field("name"), Field("url"), Field("sample_type_id", INT),
        _fk("proposal_id", "proposals", required=True), Field("flg_proposal_system"),
        Field("proposal_system_id"), Field("flg_available", BOOL), Field("description"),
    ),
    filters=("name", "proposal_id", "sample_type_id"),
    rules=(
        Unique("name", ("proposal_id",)),
        Unique("flg_proposal_system", ("proposal_system_id",), allow_blank=True),
        Unique("proposal_id", ("name",)),
        Unique("proposal_system_id", ("flg_proposal_system",), allow_blank=True),
        Presence("name"), Length("name", maximum=127),
    ),
)

RUNS = Resource(
    "runs", "run",
    fields=(
        Field("run_number", INT), Field("run_alias"), _fk("experiment_id", "experiments", required=True),
        _fk("sample_id", "samples"), Field("begin_at", DATETIME), Field("end_at", DATETIME),
        Field("first_train", INT), Field("last_train", INT), Field("flg_available", BOOL),
        Field("flg_status", INT), Field("flg_run_quality", INT), Field("original_format"),
        Field("system_msg"), Field("description"),
        Field("proposal_id", INT, ref="proposals", writable=False, hidden=True),
    ),
    filters=("run_number", "experiment_id", "sample_id", "flg_status"),
    rules=(
        Unique("experiment_id", ("run_number",)),
        Unique("run_number", ("proposal_id",), message="must be unique per proposal"),
        Unique("run_number", ("experiment_id",)),
        Immutable("run_number", also=("run_folder",)),
        Presence("run_number"), Numericality("run_number"),
        Presence("first_train"), Numericality("first_train"),
        Numericality("last_train", allow_nil=True, at_least="first_train"),
    ),
    nested=(Nested("runs_techniques", "run_id", "technique_id", "techniques", render_as="techniques"),),
    computed=(("run_folder", _int_format("r{:04d}", "run_number")),),
    prepare=_prepare_run,
)

REPOSITORIES = Resource(
    "repositories", "repository",
    fields=(
        Field("name"), Field("identifier"), Field("img_url"), Field("mount_point"),
        Field("transfer_agent_identifier"), Field("transfer_agent_server_url"), Field("flg_context"),
        Field("flg_available", BOOL), Field("description"),
    ),
    filters=("name", "identifier", "flg_context"),
    rules=(
        Unique("identifier"), Unique("name"),
        Unique("transfer_agent_identifier", allow_blank=True),
        Unique("transfer_agent_server_url", allow_blank=True),
        Presence("name"), Presence("identifier"), Length("name", maximum=60),
    ),
)

DATA_GROUPS = Resource(
    "data_groups", "data_group",
    fields=(
        Field("name"), Field("language"), _fk("data_group_type_id", "data_group_types", required=True),
        _fk("experiment_id", "experiments", required=True), _fk("user_id", "users"),
        Field("prefix_path"), Field("flg_available", BOOL), Field("flg_writing", BOOL),
        Field("flg_public", BOOL), Field("format"), Field("data_passport"),
        Field("removed_at", DATETIME), Field("description"),
    ),
    filters=("name", "experiment_id", "data_group_type_id", "user_id"),
    rules=(
        Immutable("name"), Immutable("data_group_type_id"), Immutable("prefix_path"),
        Presence("prefix_path"), Length("prefix_path", minimum=2), Length("name", maximum=60),
    ),
    nested=(Nested("runs_data_groups", "data_group_id", "run_id", "runs"),),
    computed=(("doi", _int_format("xfel.mdc.dg.{}", "id")),),
)

DATA_GROUPS_REPOSITORIES = Resource(
    "data_groups_repositories", "data_group_repository",
    fields=(
        _fk("data_group_id", "data_groups", required=True, cascade=True),
        _fk("repository_id", "repositories", required=True, cascade=True),
        Field("flg_available", BOOL),
    ),
    filters=("data_group_id", "repository_id", "flg_available"),
    rules=(Unique("data_group_id", ("repository_id",)), Unique("repository_id", ("data_group_id",))),
)

DATA_FILES = Resource(
    "data_files", "data_file",
    fields=(_fk("data_group_id", "data_groups", required=True, cascade=True), Field("files", TEXT)),
    filters=("data_group_id",),
    rules=(Presence("files"), Length("files", minimum=40)),
)

DATASET_FILES = Resource(
    "dataset_files", "dataset_file",
    fields=(
        Field("filename"), Field("flg_available", BOOL), Field("flg_immutable", BOOL),
        Field("file_creation_at", DATETIME), _fk("data_group_id", "data_groups", required=True, cascade=True),
        _fk("data_group_type_id", "data_group_types"), Field("byte_size", INT), Field("checksum"),
        Field("format"), Field("year", INT),
    ),
    filters=("data_group_id", "filename"),
    rules=(
        Presence("checksum"), Length("checksum", exactly=8),
        Format("checksum", r"[0-9a-fA-F]{8}", "Invalid checksum"),
        Inclusion("format", ("hdf5", "tiff")),
    ),
)

PARAMETERS = Resource(
    "parameters", "parameter",
    fields=(
        Field("data_source"), Field("name"), Field("value"), Field("minimum"), Field("maximum"),
        Field("mean"), Field("standard_deviation"), _fk("data_type_id", "data_types"),
        _fk("parameter_type_id", "parameter_types"), _fk("unit_id", "units"), Field("unit_prefix"),
        Field("flg_available", BOOL), Field("description"),
    ),
    filters=("data_source", "name", "data_type_id", "parameter_type_id"),
    rules=(Presence("name"), Length("name", maximum=255)),
    nested=(
        Nested("data_groups_parameters", "parameter_id", "data_group_id", "data_groups"),
        Nested("runs_parameters", "parameter_id", "run_id", "runs"),
    ),
)

REPORTS = Resource(
    "reports", "report",
    fields=(
        Field("name"), Field("cal_report_path"), Field("cal_report_at", DATETIME),
        _fk("run_id", "runs", required=True, cascade=True), Field("description"),
    ),
    filters=("run_id", "name"),
    rules=(
        Unique("name", ("cal_report_path", "run_id")),
        Unique("cal_report_path", ("name", "run_id")),
        Unique("run_id", ("name", "cal_report_path")),
        Presence("name"), Length("name", maximum=128),
        Format("name", r"\S*\.pdf", "cannot contain spaces and must end with .pdf"),
    ),
)

UNITS = Resource(
    "units", "unit",
    fields=(
        Field("name"), Field("identifier"), Field("symbol"), Field("origin"),
        Field("flg_available", BOOL), Field("description"),
    ),
    filters=("name", "identifier", "symbol"),
    rules=_named(60),
)

DARK_RUNS = Resource(
    "dark_runs", "dark_run",
    fields=(
        _fk("proposal_id", "proposals"), Field("detector_id", INT), Field("detector_identifier"),
        Field("detector_type_id", INT), Field("pdu_physical_names", TEXT), Field("runs_info", TEXT),
        Field("operation_mode_id", INT), Field("operation_mode_name"), Field("operation_mode_identifier"),
        Field("flg_status"), Field("pdu_karabo_das", JSON), Field("size"),
        Field("full_calcat_report_url"), Field("report_url"), Field("input_path"),
        Field("output_path"), Field("calcat_feedback"), Field("description"),
    ),
    filters=("proposal_id", "detector_id", "operation_mode_id", "flg_status"),
    rules=(Length("report_url", maximum=250, message="URL length allows only 250 characters"),),
)

DATA_SOURCE_GROUPS = Resource(
    "data_source_groups", "data_source_group",
    fields=(Field("name"), Field("identifier"), Field("flg_available", BOOL), Field("description")),
    verbs="RL",
    filters=("name", "identifier"),
)

DATA_SOURCE_GROUP_VERSIONS = Resource(
    "data_source_group_versions", "data_source_group_version",
    fields=(
        _fk("data_source_group_id", "data_source_groups", required=True, cascade=True), Field("name"),
        Field("flg_status"), Field("last_deployed_at", DATETIME), Field("flg_available", BOOL),
        Field("description"),
    ),
    verbs="RUL",
    filters=("data_source_group_id", "name", "flg_status"),
    rules=(Presence("name"),),
    prepare=_prepare_dsg_version,
)

# Order matters: a table is declared after every table it references.
RESOURCES: tuple[Resource, ...] = (
    USERS,
    _type_resource("data_group_types", "data_group_type"),
    _type_resource("data_types", "data_type"),
    _type_resource("experiment_types", "experiment_type"),
    _type_resource("parameter_types", "parameter_type"),
    UNITS,
    REPOSITORIES,
    TECHNIQUES,
    INSTRUMENTS,
    INSTRUMENT_CYCLES,
    PROPOSALS,
    PROPOSALS_TECHNIQUES,
    EXPERIMENTS,
    SAMPLES,
    RUNS,
    DATA_GROUPS,
    DATA_GROUPS_REPOSITORIES,
    DATA_FILES,
    DATASET_FILES,
    PARAMETERS,
    REPORTS,
    DARK_RUNS,
    DATA_SOURCE_GROUPS,
    DATA_SOURCE_GROUP_VERSIONS,
)

BY_NAME: dict[str, Resource] = {resource.name: resource for resource in RESOURCES}
