"""Seed data: ``test`` (MYMDC_SERVER.md §5, record for record) and ``demo``.

Rows are given as the API would accept them (datetimes as strings, booleans as
booleans) and go through the same coercion as request values.  Generated
values (proposal folders and paths, experiment numbers, DOIs) are derived as
for new records unless a row states them.  New ids start at 1000.
"""

from __future__ import annotations

from typing import Any, Callable

Rows = list[dict[str, Any]]
Seed = dict[str, Rows]

DEFAULT_CLIENT_ID = "mymdc-emulator-client"
DEFAULT_USER: dict[str, str] = {
    "email": "test@example.org",
    "first_name": "Luis",
    "last_name": "Maia",
    "name": "Luis Maia",
    "nickname": "maial",
    "provider": "ldap",
    "uid": "maial",
}


def _types(ids_names: list[tuple[int, str, str]], description: str = "") -> Rows:
    return [
        {"id": i, "name": name, "identifier": ident, "flg_available": True, "description": description}
        for i, name, ident in ids_names
    ]


_DATA_GROUP_TYPES = [
    (1, "Raw", "RAW"), (2, "Calibration", "CAL"), (3, "Processed", "PROC"),
    (4, "Reduced", "REDU"), (5, "Simulation", "SIM"), (6, "Unknown", "UNK"),
]


def _user(ident: int, user: dict[str, str]) -> dict[str, Any]:
    return {"id": ident, **user}


def test_seed(user: dict[str, str]) -> Seed:
    """The records the metadata_client 4.2.1 integration tests expect (§5)."""
    return {
        "users": [
            _user(-1, user),
            _user(-7, {
                "email": "controls.robot@example.org", "first_name": "Controls", "last_name": "Robot",
                "name": "Controls Robot", "nickname": "ctrlrobot", "provider": "ldap", "uid": "ctrlrobot",
            }),
        ],
        "data_group_types": _types(_DATA_GROUP_TYPES) + [{
            "id": 145, "name": "Operation", "identifier": "OPK_1", "flg_available": True,
            "description": "about data group types updated",
        }],
        "data_types": _types([(30, "Float", "FLOAT"), (31, "Integer", "INTEGER"), (70, "String", "STRING")]),
        "experiment_types": _types([(1, "Default Experiment Type", "DEF_EXP")]),
        "parameter_types": _types([(1, "Run Parameter", "RUN_PARAM")]),
        "units": [{
            "id": 1, "name": "Meter", "identifier": "METER", "symbol": "m", "origin": "SI",
            "flg_available": True, "description": "",
        }],
        "repositories": [
            {
                "id": -1, "name": "XFEL Tests Repository", "identifier": "XFEL_TESTS_REPO", "img_url": "",
                "mount_point": "/webstorage/XFEL", "transfer_agent_identifier": "xfel_tests_repo_agent",
                "transfer_agent_server_url": "https://xfel-tests-repo.example.org:8443", "flg_context": "Local",
                "flg_available": True, "description": "Repository used by the functional tests.",
            },
            {
                "id": 11, "name": "XFEL GPFS Offline Raw CC", "identifier": "XFEL_GPFS_OFFLINE_RAW_CC",
                "img_url": "", "mount_point": "/gpfs/exfel/d/raw", "transfer_agent_identifier": "gpfs_offline_raw_cc",
                "transfer_agent_server_url": "https://gpfs-offline-raw-cc.example.org:8443", "flg_context": "Local",
                "flg_available": True, "description": "Offline GPFS raw data (computing centre).",
            },
        ],
        "techniques": [
            {
                "id": -1, "name": "Functional Tests Technique 01 (DO NOT CHANGE)", "identifier": "TECHNIQUE-TEST-1",
                "url": "https://in.xfel.eu/TECH1", "flg_xfel_available": True, "flg_available": True,
                "description": "Technique used by upex and metadata client library for functional tests.",
            },
            {
                "id": -2, "name": "Functional Tests Technique 02 (DO NOT CHANGE)", "identifier": "TECHNIQUE-TEST-2",
                "url": "https://in.xfel.eu/TECH2", "flg_xfel_available": True, "flg_available": True,
                "description": "Second technique used by the functional tests.",
            },
        ],
        "instruments": [
            {
                "id": -2, "name": "Functional Tests Instrument U (DO NOT CHANGE)", "identifier": "INST_U",
                "url": "https://in.xfel.eu/upex/inst_u", "facility_id": 3, "topic_id": -1, "instrument_type_id": 1,
                "repository_id": -1, "flg_available": True, "description": "Second test instrument.",
            },
            {
                "id": -1, "name": "Functional Tests Instrument (DO NOT CHANGE)", "identifier": "INST_T",
                "url": "https://in.xfel.eu/upex", "facility_id": 3, "topic_id": -1, "instrument_type_id": 1,
                "repository_id": -1, "flg_available": False,
                "description": "instrument used by upex and metadata client library for functional tests.",
            },
            _instrument(1, "SPB/SFX SASE1", "SPB", 1),
            _instrument(2, "FXE SASE1", "FXE", 1),
        ],
        "instrument_cycles": [{
            "id": -1, "identifier": 200030, "instrument_id": 1, "begin_at": "2020-01-01T00:00:00.000+00:00",
            "end_at": "2020-06-30T00:00:00.000+00:00", "start_call_at": "2019-06-01T00:00:00.000+00:00",
            "close_call_at": "2019-09-01T00:00:00.000+00:00",
            "url": "https://in.xfel.eu/upex/instrument_cycle/200030", "flg_proposal_system": "upex",
            "flg_available": True, "description": "Test cycle",
        }],
        "proposals": [
            _proposal(-1, 0, "Proposal Title 001", -1, "N", url="https://in.xfel.eu/upex/proposal/0"),
            _proposal(
                -2, 900061, "DO NOT DELETE - CONTROLS TEST PROPOSAL 900061", 1, "R",
                url="https://www.xfel.eu/cas_robot_framework_test", principal_investigator_id=-7,
                main_proposer_id=-7, flg_proposal_system="L", begin_at="2021-06-02T17:42:00.000+02:00",
                end_at="2021-06-09T17:42:00.000+02:00", release_at="2024-06-09T17:42:00.000+02:00",
                description="Proposal used by the controls (DAQ) tests.", orig_repository_id=-1, last_run=422,
                flg_auto_run_quality=-1, flg_cloneable_status="NC",
            ),
            _proposal(-3, 900966, "DO NOT DELETE - PROPOSAL WITHOUT SAMPLES 900966", 1, "N",
                      url="https://in.xfel.eu/upex/proposal/900966"),
        ],
        "proposals_techniques": [{"id": -1, "proposal_id": -2, "technique_id": -1}],
        "experiments": [
            _experiment(-1, -1, "TestExperiment DO NOT DELETE!"),
            _experiment(-2, -2, "Controls Experiment DO NOT DELETE!"),
        ],
        "samples": [
            _sample(-1, -1, "TestSample DO NOT DELETE!", "https://www.google.com"),
            _sample(-2, -2, "Controls Sample DO NOT DELETE!", ""),
        ],
        "runs": [
            _run(-1, 1, -1, -1, flg_status=2, flg_run_quality=1, first_train=1000, last_train=1999),
            _run(-2, 2, -1, -1, flg_status=1, flg_run_quality=-1, first_train=2000, last_train=2999),
        ],
        "data_groups": [
            _data_group(-1, -1, "TestDataGroup DO NOT DELETE!", "/webstorage/XFEL/raw/p000000/r0001"),
            _data_group(-2, -2, "Controls DataGroup DO NOT DELETE!", "/gpfs/exfel/exp/SPB/200030/p900061/raw"),
        ],
        "runs_data_groups": [{"id": -1, "run_id": -1, "data_group_id": -1}],
        "data_groups_repositories": [{"id": -1, "data_group_id": -1, "repository_id": -1, "flg_available": True}],
        "data_files": [{
            "id": -1, "data_group_id": -1,
            "files": "[{'filename':'RAW-R0001-DA01-S00000.h5','relative_path':'r0001/'}]",
        }],
        "dark_runs": [
            _dark_run(-12, 12, '["TEST_DAQ_DA_02 (Q1M2)", "TEST_DAQ_DA_03 (Q1M3)"]', "[2]",
                      "Operation Mode 2 - DO NOT DELETE!", "desc default2"),
            _dark_run(-11, 11, '["PDU-3_DO_NOT_DELETE", "PDU-2_DO_NOT_DELETE"]', "[1]",
                      "Operation Mode 1 - DO NOT DELETE!", "desc default1"),
        ],
        "data_source_groups": [{
            "id": -1, "name": "SPB_DET_AGIPD1M-1", "identifier": "SPB_DET_AGIPD1M-1", "flg_available": True,
            "description": "Test data source group",
        }],
        "data_source_group_versions": [
            {"id": -1, "data_source_group_id": -1, "name": "1.0.0", "flg_status": "D",
             "last_deployed_at": "2024-01-15T10:00:00.000+00:00", "flg_available": True, "description": ""},
            {"id": -2, "data_source_group_id": -1, "name": "1.1.0", "flg_status": "A",
             "last_deployed_at": None, "flg_available": True, "description": ""},
        ],
    }


def _instrument(ident: int, name: str, identifier: str, facility: int, topic: int = 1) -> dict[str, Any]:
    return {
        "id": ident, "name": name, "identifier": identifier,
        "url": f"https://www.xfel.eu/facility/instruments/{identifier.lower()}",
        "facility_id": facility, "topic_id": topic, "instrument_type_id": 1, "repository_id": None,
        "flg_available": True, "description": f"{name} instrument", "dsg_host": f"exflong-{identifier.lower()}",
        "system_user": f"{identifier.lower()}op", "flg_online_resource": True,
    }


def _proposal(ident: int, number: int, title: str, instrument: int, status: str, **extra: Any) -> dict[str, Any]:
    row = {
        "id": ident, "number": number, "title": title, "abstract": "", "url": "", "instrument_id": instrument,
        "instrument_cycle_id": -1, "principal_investigator_id": -1, "main_proposer_id": -1,
        "local_contact_id": None, "begin_at": "2021-01-01T00:00:00.000+00:00",
        "end_at": "2021-12-31T00:00:00.000+00:00", "flg_beamtime_status": status, "flg_proposal_system": "U",
        "flg_available": True, "description": "", "flg_public": False, "flg_preferred_data_output": "R",
    }
    row.update(extra)
    return row


def _experiment(ident: int, proposal: int, name: str, type_id: int = 1, number: int | None = None) -> dict[str, Any]:
    row = {
        "id": ident, "name": name, "experiment_type_id": type_id, "proposal_id": proposal,
        "flg_available": True, "publisher": "XFEL", "contributor": "XFEL", "description": "",
        "proposal_last_run": 0, "experiment_last_run": 0,
    }
    if number is not None:
        row["experiment_number"] = number
    return row


def _sample(ident: int, proposal: int, name: str, url: str, type_id: int = 1) -> dict[str, Any]:
    return {
        "id": ident, "name": name, "url": url, "sample_type_id": type_id, "proposal_id": proposal,
        "flg_proposal_system": "", "proposal_system_id": None, "flg_available": True, "description": "",
    }


def _run(ident: int, number: int, experiment: int, sample: int, **extra: Any) -> dict[str, Any]:
    row = {
        "id": ident, "run_number": number, "run_alias": f"Run {number}", "experiment_id": experiment,
        "sample_id": sample, "begin_at": f"2021-06-02T{10 + number % 12:02d}:00:00.000+00:00",
        "end_at": f"2021-06-02T{10 + number % 12:02d}:30:00.000+00:00", "flg_available": True,
        "original_format": "", "system_msg": "", "description": "",
    }
    row.update(extra)
    return row


def _data_group(ident: int, experiment: int, name: str, prefix: str, type_id: int = 1) -> dict[str, Any]:
    return {
        "id": ident, "name": name, "language": "en", "data_group_type_id": type_id, "experiment_id": experiment,
        "user_id": -1 if ident < 0 else 1, "prefix_path": prefix, "flg_available": True, "flg_writing": False,
        "flg_public": False, "format": "", "data_passport": "", "removed_at": None, "description": "",
    }


def _dark_run(ident: int, n: int, pdus: str, runs_info: str, mode: str, description: str) -> dict[str, Any]:
    return {
        "id": ident, "proposal_id": -1, "detector_id": -2, "detector_identifier": f"TEST_DET_CI-{n} - DO NOT DELETE!",
        "detector_type_id": -1, "pdu_physical_names": pdus, "runs_info": runs_info, "operation_mode_id": -1,
        "operation_mode_identifier": f"Operation_identifier-{n}", "operation_mode_name": mode,
        "flg_status": "R", "pdu_karabo_das": [], "size": "", "full_calcat_report_url": None, "report_url": "",
        "input_path": "", "output_path": "", "calcat_feedback": "", "description": description,
    }


# demo ----------------------------------------------------------------------------

DEMO_INSTRUMENTS = [
    (1, "SPB/SFX SASE1", "SPB", 1), (2, "FXE SASE1", "FXE", 1), (3, "MID SASE2", "MID", 2),
    (4, "HED SASE2", "HED", 2), (5, "SQS SASE3", "SQS", 3), (6, "SCS SASE3", "SCS", 3), (7, "SXP SASE3", "SXP", 3),
]


def demo_seed(user: dict[str, str]) -> Seed:
    """A small, realistic catalogue for trying the library (ids in the package docstring)."""
    seed: Seed = {
        "users": [
            _user(1, user),
            _user(2, {
                "email": "ada.lovelace@example.org", "first_name": "Ada", "last_name": "Lovelace",
                "name": "Ada Lovelace", "nickname": "lovelace", "provider": "ldap", "uid": "lovelace",
            }),
        ],
        "data_group_types": _types(_DATA_GROUP_TYPES),
        "data_types": _types([(1, "Float", "FLOAT"), (2, "Integer", "INTEGER"), (3, "String", "STRING")]),
        "experiment_types": _types([(1, "Measurement", "MEAS"), (2, "Calibration", "CALIB")]),
        "parameter_types": _types([(1, "Run Parameter", "RUN_PARAM"), (2, "Calibration Constant", "CAL_CONST")]),
        "units": [
            {"id": 1, "name": "Electronvolt", "identifier": "EV", "symbol": "eV", "origin": "SI derived",
             "flg_available": True, "description": ""},
            {"id": 2, "name": "Meter", "identifier": "METER", "symbol": "m", "origin": "SI",
             "flg_available": True, "description": ""},
        ],
        "repositories": [
            _repository(1, "XFEL GPFS Offline Raw CC", "XFEL_GPFS_OFFLINE_RAW_CC", "/gpfs/exfel/d/raw"),
            _repository(2, "XFEL GPFS Online Raw", "XFEL_GPFS_ONLINE_RAW", "/gpfs/exfel/exp"),
            _repository(3, "XFEL dCache Tape Archive", "XFEL_DCACHE_TAPE", "/pnfs/xfel.eu/exfel/archive",
                        context="Remote"),
        ],
        "techniques": [
            {"id": 1, "name": "Serial Femtosecond Crystallography", "identifier": "SFX",
             "url": "https://www.xfel.eu/techniques/sfx", "flg_xfel_available": True, "flg_available": True,
             "description": ""},
            {"id": 2, "name": "X-ray Emission Spectroscopy", "identifier": "XES",
             "url": "https://www.xfel.eu/techniques/xes", "flg_xfel_available": True, "flg_available": True,
             "description": ""},
        ],
        "instruments": [_instrument(i, name, ident, 1, topic) for i, name, ident, topic in DEMO_INSTRUMENTS],
        "instrument_cycles": [
            {"id": 1, "identifier": 202401, "instrument_id": 1, "begin_at": "2024-01-01T00:00:00.000+00:00",
             "end_at": "2024-06-30T00:00:00.000+00:00", "url": "https://in.xfel.eu/upex/instrument_cycle/spb/202401",
             "flg_proposal_system": "upex", "flg_available": True, "description": "SPB cycle 2024-I"},
            {"id": 2, "identifier": 202401, "instrument_id": 2, "begin_at": "2024-01-01T00:00:00.000+00:00",
             "end_at": "2024-06-30T00:00:00.000+00:00", "url": "https://in.xfel.eu/upex/instrument_cycle/fxe/202401",
             "flg_proposal_system": "upex", "flg_available": True, "description": "FXE cycle 2024-I"},
        ],
        "proposals": [
            _proposal(1, 900101, "Serial crystallography of photoactive yellow protein", 1, "R",
                      instrument_cycle_id=1, principal_investigator_id=2, main_proposer_id=2,
                      url="https://in.xfel.eu/upex/proposal/900101", begin_at="2024-03-04T08:00:00.000+00:00",
                      end_at="2024-03-10T08:00:00.000+00:00", abstract="Time-resolved SFX of PYP."),
            _proposal(2, 900102, "Ultrafast spin-crossover dynamics in iron complexes", 2, "F",
                      instrument_cycle_id=2, principal_investigator_id=2, main_proposer_id=2,
                      url="https://in.xfel.eu/upex/proposal/900102", begin_at="2024-02-05T08:00:00.000+00:00",
                      end_at="2024-02-09T08:00:00.000+00:00", abstract="XES of Fe(II) complexes."),
        ],
        "proposals_techniques": [
            {"id": 1, "proposal_id": 1, "technique_id": 1}, {"id": 2, "proposal_id": 2, "technique_id": 2},
        ],
        "experiments": [
            _experiment(1, 1, "PYP dark and light", number=1),
            _experiment(2, 1, "PYP detector calibration", type_id=2, number=2),
            _experiment(3, 2, "Fe(bpy)3 pump-probe", number=1),
        ],
        "samples": [
            _sample(1, 1, "PYP microcrystals batch A", ""),
            _sample(2, 1, "PYP microcrystals batch B", ""),
            _sample(3, 2, "Fe(bpy)3 in acetonitrile", ""),
        ],
        "runs": [
            _run(1, 1, 1, 1, flg_status=2, flg_run_quality=1, first_train=1_400_000_000, last_train=1_400_003_000),
            _run(2, 2, 1, 2, flg_status=2, flg_run_quality=1, first_train=1_400_010_000, last_train=1_400_013_000),
            _run(3, 3, 2, 1, flg_status=1, flg_run_quality=-1, first_train=1_400_020_000, last_train=1_400_021_000),
            _run(4, 1, 3, 3, flg_status=2, flg_run_quality=1, first_train=1_300_000_000, last_train=1_300_002_000),
        ],
        "data_groups": [
            _data_group(i, exp, f"raw r{run:04d}", f"/gpfs/exfel/exp/{inst}/202401/p{prop:06d}/raw/r{run:04d}")
            for i, exp, run, inst, prop in (
                (1, 1, 1, "SPB", 900101), (2, 1, 2, "SPB", 900101), (3, 2, 3, "SPB", 900101),
                (4, 3, 1, "FXE", 900102),
            )
        ] + [_data_group(5, 1, "proc r0001", "/gpfs/exfel/exp/SPB/202401/p900101/proc/r0001", type_id=3)],
        "runs_data_groups": [
            {"id": i, "run_id": run, "data_group_id": group} for i, run, group in
            ((1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4), (5, 1, 5))
        ],
        "data_groups_repositories": [
            {"id": i, "data_group_id": group, "repository_id": repo, "flg_available": True}
            for i, group, repo in ((1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 2, 2), (5, 3, 2), (6, 4, 1), (7, 5, 1))
        ],
        "data_files": [
            {"id": i, "data_group_id": group,
             "files": f"[{{'filename':'RAW-R{run:04d}-AGIPD00-S00000.h5','relative_path':'r{run:04d}/'}}]"}
            for i, group, run in ((1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 1))
        ],
        "dataset_files": [
            {"id": 1, "filename": "RAW-R0001-AGIPD00-S00000.h5", "flg_available": True, "flg_immutable": True,
             "file_creation_at": "2024-03-04T09:12:00.000+00:00", "data_group_id": 1, "data_group_type_id": 1,
             "byte_size": 10_737_418_240, "checksum": "1a2b3c4d", "format": "hdf5", "year": 2024},
        ],
        "parameters": [
            {"id": 1, "data_source": "SPB_XTD2_ATT/MDL/MAIN", "name": "actualTransmission", "value": "0.25",
             "minimum": "0.25", "maximum": "0.25", "mean": "0.25", "standard_deviation": "0.0",
             "data_type_id": 1, "parameter_type_id": 1, "unit_id": None, "unit_prefix": "",
             "flg_available": True, "description": ""},
        ],
        "runs_parameters": [{"id": 1, "parameter_id": 1, "run_id": 1}],
        "data_source_groups": [
            {"id": 1, "name": "SPB_DET_AGIPD1M-1", "identifier": "SPB_DET_AGIPD1M-1", "flg_available": True,
             "description": "AGIPD 1M at SPB"},
        ],
        "data_source_group_versions": [
            {"id": 1, "data_source_group_id": 1, "name": "1.0.0", "flg_status": "D",
             "last_deployed_at": "2024-01-15T10:00:00.000+00:00", "flg_available": True, "description": ""},
            {"id": 2, "data_source_group_id": 1, "name": "1.1.0", "flg_status": "A", "last_deployed_at": None,
             "flg_available": True, "description": ""},
        ],
    }
    return seed


def _repository(ident: int, name: str, identifier: str, mount: str, context: str = "Local") -> dict[str, Any]:
    return {
        "id": ident, "name": name, "identifier": identifier, "img_url": "", "mount_point": mount,
        "transfer_agent_identifier": identifier.lower(),
        "transfer_agent_server_url": f"https://{identifier.lower().replace('_', '-')}.example.org:8443",
        "flg_context": context, "flg_available": True, "description": name,
    }


SEEDS: dict[str, Callable[[dict[str, str]], Seed]] = {"test": test_seed, "demo": demo_seed}


def seed_data(name: str, user: dict[str, str]) -> Seed:
    """The seed ``name`` ("test" or "demo") with ``user`` as the X-User-Email user."""
    return SEEDS[name](user)
