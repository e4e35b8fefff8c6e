"""Every myMdC resource the client knows, declared once.

The 132 ``*_api`` methods of 4.2.1, its 24 module classes and the modern
managers are all derived from this table. Conventions that need no words
here: verbs ``C``/``R``/``U``/``D`` give ``create_<module>_api(<module>)``,
``get_<module>_by_id_api(<module>_id)``, ``update_<module>_api(<module>_id,
<module>)`` and ``delete_<module>_api(<module>_id)``; a paged finder takes
``page=1, page_size=100`` after its filters; ``std`` statics are the module
class's ``get_by_id``, ``delete_by_id``, ``create_from_dict`` and
``update_from_dict`` with their usual argument names.
"""

from __future__ import annotations

from ..normalise import CREATE, DELETE, GET, UPDATE
from .spec import Endpoint, Find, Resource, Static, given

PAGE = "page=1, page_size=100"


def std(module: str, *names: str) -> tuple[Static, ...]:
    """The usual statics of a module class, named by ``names``."""
    kinds = {
        "get_by_id": Static("get_by_id", f"get_{module}_by_id_api"),
        "delete_by_id": Static("delete_by_id", f"delete_{module}_api"),
        "create_from_dict": Static("create_from_dict", "", module, kind="create"),
        "update_from_dict": Static("update_from_dict", "", f"{module}_id, {module}", kind="update"),
    }
    return tuple(kinds[n] for n in names)


def named_type(path: str, module: str, cls: str, *, listing: bool = False) -> Resource:
    """The look-up tables with name, identifier, flag and description.

    ``listing`` adds 4.2.1's unfiltered ``get_all_<path>_api`` and ``get_all``.
    """
    every = f"get_all_{path}_api"
    return Resource(
        path, module, cls, "name, identifier, flg_available, description=''",
        finders=(Find(f"get_all_{path}_by_name_api", "name"),) + ((Find(every),) if listing else ()),
        statics=std(module, "get_by_id") + (
            Static("get_all_by_name", f"get_all_{path}_by_name_api"),
            Static("get_by_name", "get_all_by_name", "name", kind="first"),
        ) + ((Static("get_all", every),) if listing else ()),
        required=("name", "identifier"),
    )


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "dark_runs", "dark_run", "DarkRun",
        "proposal_id, detector_id, detector_identifier, detector_type_id, pdu_physical_names, "
        "runs_info, operation_mode_id, operation_mode_name, flg_status, pdu_karabo_das, "
        "operation_mode_identifier, size, report_url, input_path, output_path, calcat_feedback, "
        "description=''",
        finders=(Find("get_all_dark_runs_by_proposal_id_api", "proposal_id"),
                 Find("get_all_dark_runs_by_detector_id_api", "detector_id")),
        statics=std("dark_run", "get_by_id") + (
            Static("get_all_dark_runs_by_proposal_id", "get_all_dark_runs_by_proposal_id_api"),
            Static("get_all_dark_runs_by_detector_id", "get_all_dark_runs_by_detector_id_api"),
        ),
        required=("proposal_id", "detector_id"),
        writable=("full_calcat_report_url",),
    ),
    Resource(
        "data_files", "data_file", "DataFile", "data_group_id, files",
        finders=(Find("search_data_files_api", "run_number, proposal_number",
                      sub="search_data_files", paged=False),
                 Find("get_all_data_files_by_data_group_id_api", "data_group_id")),
        statics=std("data_file", "create_from_dict", "delete_by_id", "update_from_dict", "get_by_id") + (
            Static("get_all_by_data_group_id", "get_all_data_files_by_data_group_id_api",
                   f"data_grp_id, {PAGE}"),
            Static("search_data_files", "search_data_files_api"),
        ),
        required=("data_group_id", "files"),
    ),
    Resource(
        "data_groups", "data_group", "DataGroup",
        "name, language, data_group_type_id, experiment_id, user_id, prefix_path, flg_available, "
        "flg_writing, flg_public, format, data_passport, removed_at, description='', "
        "runs_data_groups_attributes=None",
        finders=(Find("get_all_data_groups_by_name_api", "name"),
                 Find("get_all_data_groups_by_experiment_id_api", "experiment_id")),
        statics=(
            Static("create_from_dict", "", "data_grp", kind="create"),
            *std("data_group", "delete_by_id"),
            Static("update_from_dict", "", "data_group_id, data_grp", kind="update"),
            *std("data_group", "get_by_id"),
            Static("get_all_by_name", "get_all_data_groups_by_name_api"),
            Static("get_all_by_experiment_id", "get_all_data_groups_by_experiment_id_api"),
        ),
        required=("data_group_type_id", "experiment_id", "prefix_path"),
        writable=("doi",),
    ),
    Resource(
        "data_groups_repositories", "data_group_repository", "DataGroupRepository",
        "data_group_id, repository_id, flg_available, id=None",
        finders=(Find("get_all_by_data_group_id_api", "data_group_id"),
                 Find("get_all_by_data_group_id_and_repository_id_api", "data_group_id, repository_id")),
        statics=(
            Static("set_from_dict", "get_all_by_data_group_id_and_repository_id",
                   "data_group_repository", kind="update_or_create",
                   keys=("data_group_id", "repository_id")),
            *std("data_group_repository", "create_from_dict", "get_by_id"),
            Static("get_all_by_data_group_id", "get_all_by_data_group_id_api"),
            Static("get_all_by_data_group_id_and_repository_id",
                   "get_all_by_data_group_id_and_repository_id_api"),
        ),
        required=("data_group_id", "repository_id"),
    ),
    named_type("data_group_types", "data_group_type", "DataGroupType", listing=True),
    Resource(
        "data_source_groups", "data_source_group", "DataSourceGroup",
        "name, identifier, flg_available, description=''", verbs="",
        finders=(Find("get_data_source_group_by_name_api", "name", paged=False),),
        statics=(Static("get_by_name", "get_data_source_group_by_name_api", "name"),),
        with_client=False,
    ),
    Resource(
        "data_source_group_versions", "data_source_group_version", "DataSourceGroupVersion",
        "name, identifier, flg_available, description=''", verbs="",
        finders=(Find("get_data_source_group_version_api", "data_source_group_id, version_name",
                      paged=False, query=("data_source_group_id", "version_name:name")),),
        extra=(Endpoint("update_data_source_group_version_api", "PUT",
                        "data_source_group_versions/{id}", "id, params",
                        body=given("params"), record="params", action=UPDATE),),
        # 4.2.1 labels the update's result as a read; kept for scripts that match on it.
        statics=(Static("get", "get_data_source_group_version_api"),
                 Static("update", "update_data_source_group_version_api", action=GET)),
        with_client=False,
        constants=(("FLG_STATUS_DEPLOYED", "D"),),
    ),
    named_type("data_types", "data_type", "DataType"),
    Resource(
        "dataset_files", "dataset_file", "DatasetFile",
        "filename, flg_available, flg_immutable, file_creation_at, data_group_id, "
        "data_group_type_id, byte_size, checksum, format, year",
        finders=(Find("search_dataset_files_api", "run_number, proposal_number",
                      sub="search_dataset_files", paged=False),
                 Find("get_all_dataset_files_by_data_group_id_api", "data_group_id")),
        extra=(
            Endpoint("create_bulk_dataset_file_api", "POST", "dataset_files/bulk_create",
                     "dataset_files_list", body=lambda a: {"dataset_files": a["dataset_files_list"]},
                     record="dataset_files_list", action=CREATE, record_kind=list),
            Endpoint("delete_bulk_dataset_file_api_by_data_group_id", "POST",
                     "dataset_files/bulk_delete", "data_group_id, dataset_files_ids",
                     body=lambda a: {"dataset_file": {"ids": a["dataset_files_ids"],
                                                      "data_group_id": a["data_group_id"]}},
                     record="dataset_files_ids", action=DELETE, record_kind=list),
            Endpoint("update_bulk_dataset_file_api", "POST", "dataset_files/bulk_update",
                     "dataset_files_list", body=lambda a: {"dataset_files": a["dataset_files_list"]},
                     record="dataset_files_list", action=UPDATE, record_kind=list),
            Endpoint("check_bulk_dataset_file_api", "POST", "dataset_files/bulk_check",
                     "dataset_files_list", body=lambda a: {"dataset_files": a["dataset_files_list"]},
                     record="dataset_files_list", record_kind=list),
        ),
        statics=std("dataset_file", "create_from_dict", "delete_by_id", "update_from_dict", "get_by_id") + (
            Static("get_all_by_data_group_id", "get_all_dataset_files_by_data_group_id_api",
                   f"data_grp_id, {PAGE}"),
            Static("search_dataset_files", "search_dataset_files_api"),
        ),
        required=("filename", "data_group_id", "checksum"),
    ),
    Resource(
        "experiments", "experiment", "Experiment",
        "name, experiment_type_id, proposal_id, flg_available, publisher, contributor, description=''",
        finders=(Find("get_all_experiments_by_name_and_proposal_id_api", "name, proposal_id"),
                 Find("get_all_experiments_by_proposal_id_api", "proposal_id")),
        statics=std("experiment", "get_by_id") + (
            Static("get_all_by_name_and_proposal_id", "get_all_experiments_by_name_and_proposal_id_api"),
            Static("get_all_by_proposal_id", "get_all_experiments_by_proposal_id_api"),
            Static("get_by_name_and_proposal_id", "get_all_by_name_and_proposal_id",
                   "name, proposal_id", kind="first"),
        ),
        required=("name", "proposal_id", "experiment_type_id"),
    ),
    named_type("experiment_types", "experiment_type", "ExperimentType"),
    Resource(
        "instruments", "instrument", "Instrument",
        "name, identifier, url, facility_id, instrument_type_id, repository_id, topic_id, "
        "flg_available, description=''", verbs="R",
        finders=(Find("get_all_instruments_api"),
                 Find("get_all_instruments_by_identifier_api", "identifier"),
                 Find("get_all_instruments_by_facility_id_api", "facility_id"),
                 Find("get_all_instruments_by_topic_id_api", "topic_id")),
        extra=(Endpoint("get_instrument_active_proposal_api", "GET",
                        "instruments/{instrument_id}/active_proposal", "instrument_id"),),
        statics=std("instrument", "get_by_id") + (
            # 4.2.1 names the topic argument facility_id; kept for keyword callers.
            Static("get_all_by_topic_id", "get_all_instruments_by_topic_id_api", f"facility_id, {PAGE}"),
            Static("get_all_by_facility_id", "get_all_instruments_by_facility_id_api"),
            Static("get_all_from_xfel", "get_all_instruments_by_facility_id_api", PAGE,
                   fixed=(("facility_id", 1),)),
            Static("get_by_identifier", "get_all_instruments_by_identifier_api"),
        ),
    ),
    Resource(
        "instrument_cycles", "instrument_cycle", "InstrumentCycle",
        "identifier, instrument_id, instrument_identifier, begin_at, end_at, start_call_at, "
        "close_call_at, url, flg_available, flg_proposal_system, description=''",
        statics=std("instrument_cycle", "delete_by_id", "get_by_id"),
        required=("identifier", "instrument_id", "url"),
    ),
    Resource(
        "parameters", "parameter", "Parameter",
        "data_source, name, value, minimum, maximum, mean, standard_deviation, data_type_id, "
        "parameter_type_id, unit_id, unit_prefix, flg_available, description='', "
        "data_groups_parameters_attributes=None",
        finders=(Find("get_all_parameters_by_data_source_and_name_api", "data_source, name"),),
        extra=(
            Endpoint("create_bulk_parameter_api", "POST", "parameters/bulk_create", "parameters_list",
                     body=given("parameters_list"), record="parameters_list", action=CREATE,
                     record_kind=(dict, list)),
            Endpoint("delete_bulk_parameter_api_by_data_group_id", "POST", "parameters/bulk_delete",
                     "data_group_id", body=lambda a: {"parameter": {"data_group_id": int(a["data_group_id"])}},
                     action=DELETE),
        ),
        statics=(
            Static("create_multiple_from_dict", "create_bulk_parameter_api", "parameter_list"),
            *std("parameter", "get_by_id"),
            Static("get_all_by_data_source_and_name", "get_all_parameters_by_data_source_and_name_api"),
            *std("parameter", "delete_by_id"),
        ),
        required=("data_source", "name"),
        writable=("runs_parameters_attributes",),
    ),
    named_type("parameter_types", "parameter_type", "ParameterType"),
    Resource(
        "proposals", "proposal", "Proposal",
        "number, title, abstract, url, instrument_id, instrument_cycle_id, principal_investigator_id, "
        "main_proposer_id, begin_at, end_at, release_at, flg_beamtime_status, beamtime_start_at, "
        "beamtime_end_at, flg_proposal_system, flg_available, description=''",
        finders=(Find("get_all_proposals_by_number_api", "number"),),
        extra=(
            Endpoint("get_proposal_by_number_api", "GET", "proposals/by_number/{number}", "number"),
            Endpoint("get_proposal_by_number_daq_info_api", "GET",
                     "proposals/by_number_daq_info/{number}", "number"),
            Endpoint("get_runs_by_proposal_number_api", "GET",
                     "proposals/by_number/{proposal_number}/runs/{run_number?}",
                     f"proposal_number, run_number=None, {PAGE}"),
        ),
        statics=std("proposal", "create_from_dict", "delete_by_id", "get_by_id") + (
            Static("get_all_by_number", "get_all_proposals_by_number_api"),
            Static("get_by_number", "get_proposal_by_number_api"),
            Static("get_by_number_daq_info", "get_proposal_by_number_daq_info_api"),
            Static("get_runs_by_proposal_number", "get_runs_by_proposal_number_api"),
            Static("get_active_proposal_by_instrument", "get_instrument_active_proposal_api"),
        ),
        required=("number", "title", "instrument_id"),
        writable=("instrument_identifier", "local_contact_id"),
    ),
    Resource(
        "proposals_techniques", "proposals_technique", "ProposalTechnique",
        "proposal_id, technique_id", verbs="",
        finders=(Find("get_proposal_technique_by_proposal_id_api", "proposal_id"),
                 Find("get_proposal_technique_by_technique_id_api", "technique_id")),
        statics=(Static("get_all_by_proposal_id", "get_proposal_technique_by_proposal_id_api"),
                 Static("get_all_by_technique_id", "get_proposal_technique_by_technique_id_api")),
    ),
    Resource(
        "reports", "report", "Report", "name, cal_report_path, cal_report_at, run_id, description=''",
        finders=(Find("get_all_reports_api"), Find("get_all_reports_by_run_id_api", "run_id")),
        statics=std("report", "get_by_id") + (Static("get_all_by_run_id", "get_all_reports_by_run_id_api"),),
        required=("name", "run_id"),
    ),
    Resource(
        "repositories", "repository", "Repository",
        "name, identifier, img_url, mount_point, transfer_agent_identifier, "
        "transfer_agent_server_url, flg_context, flg_available, description=''",
        finders=(Find("get_all_repositories_api"),
                 Find("get_all_repositories_by_name_api", "name"),
                 Find("get_all_repositories_by_identifier_api", "identifier", paged=False)),
        statics=std("repository", "get_by_id") + (
            Static("get_all_by_name", "get_all_repositories_by_name_api"),
            Static("get_all_by_identifier", "get_all_repositories_by_identifier_api"),
            Static("get_by_name", "get_all_by_name", "name", kind="first"),
        ),
        required=("name", "identifier"),
    ),
    Resource(
        "runs", "run", "Run",
        "run_number, run_alias, experiment_id, sample_id, begin_at, end_at, first_train, last_train, "
        "flg_available, flg_status, original_format, system_msg, description='', "
        "runs_techniques_attributes=[]",
        finders=(Find("get_all_runs_by_run_number_api", "run_number"),
                 Find("get_all_runs_by_proposal_number_api", "proposal_number", sub="runs_by_proposal"),
                 Find("get_run_by_run_number_and_experiment_id_api", "run_number, experiment_id",
                      paged=False),
                 Find("get_run_all_raw_data_groups_ids_api", "run_number, proposal_number",
                      sub="all_raw_data_groups_ids", paged=False)),
        statics=std("run", "create_from_dict", "update_from_dict", "delete_by_id", "get_by_id") + (
            Static("get_all_by_run_number_and_experiment_id", "get_run_by_run_number_and_experiment_id_api"),
            Static("get_by_run_number_and_experiment_id", "get_all_by_run_number_and_experiment_id",
                   "run_number, experiment_id", kind="first"),
            Static("get_all_raw_data_groups_by_run_number_and_proposal_number",
                   "get_run_all_raw_data_groups_ids_api"),
            Static("get_by_raw_data_groups_run_number_and_proposal_number",
                   "get_all_raw_data_groups_by_run_number_and_proposal_number",
                   "run_number, proposal_number", kind="first"),
            Static("get_all_raw_data_groups", "get_run_all_raw_data_groups_ids_api"),
        ),
        required=("run_number", "experiment_id", "first_train"),
    ),
    Resource(
        "samples", "sample", "Sample",
        "name, url, sample_type_id, proposal_id, flg_proposal_system, proposal_system_id, "
        "flg_available, description=''",
        finders=(Find("get_all_samples_by_proposal_id_api", "proposal_id"),
                 Find("get_all_samples_by_name_and_proposal_id_api", "name, proposal_id")),
        statics=(
            Static("set_by_name_and_proposal_id", "get_by_name_and_proposal_id", "sample_h",
                   kind="find_or_create", keys=("name", "proposal_id")),
            *std("sample", "delete_by_id", "get_by_id"),
            Static("get_all_by_name_and_proposal_id", "get_all_samples_by_name_and_proposal_id_api"),
            Static("get_all_by_proposal_id", "get_all_samples_by_proposal_id_api"),
            Static("get_by_name_and_proposal_id", "get_all_by_name_and_proposal_id",
                   f"name, proposal_id, {PAGE}", kind="first"),
        ),
        required=("name", "proposal_id"),
    ),
    Resource(
        "techniques", "technique", "Technique",
        "identifier, name, url, flg_xfel_available, flg_available, description=''",
        finders=(Find("get_technique_by_identifier_api", "identifier"),
                 Find("get_all_techniques_by_name_api", "name"),
                 Find("get_all_techniques_by_identifier_api", "identifier")),
        statics=(
            Static("set_by_name", "get_by_name", "technique_h", kind="find_or_create", keys=("name",)),
            *std("technique", "delete_by_id", "get_by_id"),
            Static("get_by_name", "get_all_by_name", f"name, {PAGE}", kind="first"),
            Static("get_all_by_name", "get_all_techniques_by_name_api"),
            Static("get_by_identifier", "get_technique_by_identifier_api", kind="first"),
        ),
        required=("identifier", "name"),
    ),
    Resource(
        "units", "unit", "Unit", "name, identifier, symbol, origin, flg_available, description=''",
        finders=(Find("get_all_units_api"),),
        statics=std("unit", "get_by_id") + (Static("get_all", "get_all_units_api"),),
        required=("name", "identifier"),
    ),
    Resource(
        "users", "user", "User", "name, email, uid, first_name, last_name", verbs="R",
        extra=(Endpoint("get_current_user", "GET", "me"),),
        statics=std("user", "get_by_id"),
    ),
)

#: Every endpoint by its 4.2.1 method name.
ENDPOINTS: dict[str, Endpoint] = {
    name: endpoint for resource in RESOURCES for name, endpoint in resource.endpoints.items()
}
BY_PATH: dict[str, Resource] = {r.path: r for r in RESOURCES}
