"""Create, read, list, update and delete for every writable resource, and the
read-only resources (MYMDC_SERVER.md §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from emu_helpers import Api

T1 = "2024-05-01T08:30:00.000+02:00"
T2 = "2024-05-02T08:30:00.000+02:00"

# resource, wrapper key, create body, update body, list query that finds the new record
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("data_group_types", "data_group_type",
     {"name": "DGT new", "identifier": "260527165012", "flg_available": "true", "description": "d"},
     {"name": "DGT upd", "identifier": "260527165013", "flg_available": "false"}, "name=DGT+new"),
    ("data_types", "data_type",
     {"name": "DT new", "identifier": "260527165012", "flg_available": True, "description": ""},
     {"description": "upd"}, "name=DT+new"),
    ("experiment_types", "experiment_type",
     {"name": "ET new", "identifier": "260527165012", "flg_available": True, "description": ""},
     {"flg_available": False}, "name=ET+new"),
    ("parameter_types", "parameter_type",
     {"name": "PT new", "identifier": "260527165012", "flg_available": True, "description": ""},
     {"name": "PT upd"}, "name=PT+new"),
    ("units", "unit",
     {"name": "Unit new", "identifier": "UNIT_NEW", "symbol": "Sym0", "origin": "o", "flg_available": True,
      "description": "", "created_at": T1, "updated_at": T1},
     {"name": "Unit upd", "origin": "p"}, ""),
    ("repositories", "repository",
     {"name": "Repo new", "identifier": "REPO_NEW", "img_url": "", "mount_point": "/m",
      "transfer_agent_identifier": "new_special_repo_identifier",
      "transfer_agent_server_url": "https://www.new_example.com:123", "flg_context": "Local",
      "flg_available": True, "description": ""},
     {"name": "Repo upd", "transfer_agent_identifier": "updated_special_repo_identifier",
      "transfer_agent_server_url": "https://www.upd_example.com:123", "flg_context": "Remote"}, "name=Repo+new"),
    ("techniques", "technique",
     {"name": "Tech new", "identifier": "TECH-NEW", "url": "", "flg_xfel_available": True,
      "flg_available": True, "description": ""},
     {"name": "Tech upd", "url": "https://x"}, "identifier=TECH-NEW"),
    ("instrument_cycles", "instrument_cycle",
     {"identifier": 202405, "instrument_id": -1, "instrument_identifier": "INST_T", "begin_at": T1,
      "end_at": T2, "start_call_at": T1, "close_call_at": T2,
      "url": "https://in.xfel.eu/upex/instrument_cycle/202405", "flg_proposal_system": "upex",
      "flg_available": True, "description": ""},
     {"identifier": 201705, "instrument_id": -2, "instrument_identifier": "INST_U",
      "begin_at": "2024-05-02T08:30:00.000+02:00", "flg_available": False}, "instrument_id=-1"),
    ("proposals", "proposal",
     {"number": 2017, "title": 2017, "abstract": "a", "url": "https://in.xfel.eu/proposal/2017",
      "instrument_id": 1, "instrument_identifier": "SPB", "instrument_cycle_id": -1,
      "principal_investigator_id": -1, "main_proposer_id": -1, "begin_at": T1, "end_at": T2,
      "release_at": T2, "beamtime_start_at": T1, "beamtime_end_at": T2, "flg_beamtime_status": "N",
      "flg_proposal_system": "U", "flg_available": True, "description": ""},
     {"abstract": "b", "url": "https://in.xfel.eu/proposal/2017b", "instrument_id": 2,
      "instrument_identifier": "FXE", "end_at": "2024-06-02T08:30:00.000+02:00", "flg_beamtime_status": "T",
      "flg_available": False, "description": "u", "number": 2017, "title": "2017"}, "number=2017"),
    ("experiments", "experiment",
     {"name": "Exp new", "experiment_type_id": 1, "proposal_id": -1, "flg_available": True,
      "publisher": "p", "contributor": "c", "description": "", "doi": "ignored"},
     {"name": "Exp upd", "doi": "It is not possible to updated doi!"}, "name=Exp+new&proposal_id=-1"),
    ("samples", "sample",
     {"name": "Sample new", "url": "", "sample_type_id": 1, "proposal_id": -1, "flg_proposal_system": "upex",
      "proposal_system_id": "1234567890987654321", "flg_available": True, "description": ""},
     {"sample_type_id": 3, "proposal_system_id": "-123"}, "name=Sample+new&proposal_id=-1"),
    ("runs", "run",
     {"run_number": "125", "run_alias": None, "experiment_id": "-1", "sample_id": "-1", "begin_at": T1,
      "end_at": "", "first_train": "100", "last_train": "", "flg_available": "true", "flg_status": "1",
      "original_format": "", "system_msg": "", "description": "", "runs_techniques_attributes": ""},
     {"first_train": 9223372036854775800, "last_train": 9223372036854775807, "flg_status": -1,
      "run_alias": "Run_Alias_Updated", "end_at": T2}, "run_number=125&experiment_id=-1"),
    ("data_groups", "data_group",
     {"name": "DG new", "language": "en", "doi": None, "data_group_type_id": 1, "experiment_id": -1,
      "user_id": -1, "prefix_path": "/tmp/dg", "flg_available": "true", "flg_writing": "false",
      "flg_public": "false", "format": "", "data_passport": "", "removed_at": "", "description": ""},
     {"language": "es", "format": "hdf5", "flg_available": "false", "doi": "It is not possible to updated doi!",
      "removed_at": T2}, "name=DG+new"),
    ("data_groups_repositories", "data_group_repository",
     {"data_group_id": -1, "repository_id": 11, "flg_available": "true"},
     {"data_group_id": -1, "repository_id": 11, "flg_available": "false"}, "data_group_id=-1&repository_id=11"),
    ("data_files", "data_file",
     {"data_group_id": -2, "files": "[{'filename': 'obj_01.h5', 'relative_path': ''}]"},
     {"files": "[{'filename': 'obj_02.h5', 'relative_path': 'r0002/'}]"}, "data_group_id=-2"),
    ("dataset_files", "dataset_file",
     {"filename": "f.h5", "flg_available": True, "flg_immutable": False, "file_creation_at": T1,
      "data_group_id": -1, "data_group_type_id": 1, "byte_size": 1234, "checksum": "0123abcd",
      "format": "hdf5", "year": 2025},
     {"format": "tiff", "flg_immutable": True, "checksum": "deadbeef", "byte_size": 9876543210},
     "data_group_id=-1"),
    ("parameters", "parameter",
     {"data_source": "MID/XTD6/ATT/MOTOR/BLADE_TOP", "name": "VelocityLeft", "value": "15.6",
      "minimum": "15.0", "maximum": "16.0", "mean": "15.5", "standard_deviation": "0.5", "data_type_id": 30,
      "parameter_type_id": 1, "unit_id": 1, "unit_prefix": "", "flg_available": True, "description": "",
      "data_groups_parameters_attributes": None},
     {"value": "13.6", "standard_deviation": "0.51", "data_type_id": 31, "unit_prefix": "Kilo",
      "data_groups_parameters_attributes": [{"data_group_id": -1}], "runs_parameters_attributes": [{"run_id": -1}]},
     "data_source=MID%2FXTD6%2FATT%2FMOTOR%2FBLADE_TOP&name=VelocityLeft"),
    ("reports", "report",
     {"name": "report.pdf", "cal_report_path": "/gpfs/reports/", "cal_report_at": T1, "run_id": -1,
      "description": ""},
     {"description": "upd", "cal_report_at": T2}, "run_id=-1"),
    ("dark_runs", "dark_run",
     {"proposal_id": -1, "detector_id": -2, "detector_identifier": "DET", "detector_type_id": -1,
      "pdu_physical_names": '["PDU-1"]', "runs_info": "[3]", "operation_mode_id": -1,
      "operation_mode_name": "mode", "operation_mode_identifier": "mode-id", "flg_status": "R",
      "pdu_karabo_das": ["t1", "t2"], "size": "", "full_calcat_report_url": None, "report_url": "",
      "input_path": "", "output_path": "", "calcat_feedback": "", "description": ""},
     {"flg_status": "F", "size": "1,5Gb", "report_url": "https://r", "input_path": "/in",
      "full_calcat_report_url": None, "pdu_karabo_das": ["t1"]}, "proposal_id=-1"),
]

IGNORED = {"doi", "instrument_identifier", "created_at", "updated_at"}


def same(actual: Any, sent: Any, name: str) -> bool:
    """The loose comparisons the 4.2.1 tests use (MYMDC_SERVER.md §0)."""
    if sent is None or sent == "":
        return actual in (None, "")
    if isinstance(actual, bool):
        return actual == (str(sent).lower() in ("true", "1"))
    if name.endswith("_at"):
        return datetime.fromisoformat(actual) == datetime.fromisoformat(sent)
    if isinstance(sent, (list, dict)):
        return actual == sent
    return str(actual) == str(sent)


def assert_fields(record: dict[str, Any], sent: dict[str, Any]) -> None:
    for name, value in sent.items():
        if name in IGNORED or name.endswith("_attributes"):
            continue
        assert same(record[name], value, name), (name, record[name], value)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_crud(api: Api, case: tuple[str, str, dict[str, Any], dict[str, Any], str]) -> None:
    name, key, body, update, query = case
    store = api.server.store
    before = store.count(name)

    created = api.ok("POST", f"{name}/", {key: body}, 201)
    ident = created["id"]
    assert ident >= 1000
    assert_fields(created, body)
    assert api.ok("GET", f"{name}/{ident}") == created

    listed = api.ok("GET", f"{name}/?{query}&page=1&page_size=100")
    assert listed[-1]["id"] == ident
    assert [r["id"] for r in listed] == sorted(r["id"] for r in listed)

    updated = api.ok("PUT", f"{name}/{ident}", {key: update})
    assert_fields(updated, update)
    untouched = {k: v for k, v in body.items() if k not in update}
    assert_fields(updated, untouched)
    assert api.ok("GET", f"{name}/{ident}") == updated

    response = api.delete(f"{name}/{ident}")
    assert response.status_code == 204 and response.content == b""
    for method in ("GET", "DELETE", "PUT"):
        response = api.request(method, f"{name}/{ident}", {key: update} if method == "PUT" else None)
        assert response.status_code == 404
        assert response.json() == {"info": "Resource not found!"}
    assert store.count(name) == before


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES} | {"instruments", "users", "proposals_techniques",
                                                                  "data_source_groups",
                                                                  "data_source_group_versions"}))
@pytest.mark.parametrize("ident", ["-666", "abc", "1.5", "99999999999999999999999", "0x10", "%20"])
def test_unknown_ids_are_not_found(api: Api, name: str, ident: str) -> None:
    response = api.get(f"{name}/{ident}")
    assert response.status_code == 404
    assert response.json() == {"info": "Resource not found!"}


def test_generated_values(api: Api) -> None:
    group = api.ok("POST", "data_groups/", {"data_group": {
        "name": "", "data_group_type_id": 1, "experiment_id": -1, "user_id": -1, "prefix_path": "/p",
        "doi": "mine"}}, 201)
    assert group["doi"] == f"xfel.mdc.dg.{group['id']}"
    assert group["name"] == ""
    experiment = api.ok("POST", "experiments/", {"experiment": {
        "name": "E2", "experiment_type_id": 1, "proposal_id": -1, "doi": "mine"}}, 201)
    assert experiment["doi"] == f"xfel.mdc.exp.{experiment['id']}"
    assert experiment["experiment_number"] == 2 and experiment["experiment_folder"] == "e0002"
    seed = api.ok("GET", "experiments/-1")
    assert (seed["doi"], seed["experiment_number"], seed["experiment_folder"]) == ("xfel.mdc.exp.-1", 1, "e0001")
    proposal = api.ok("POST", "proposals/", {"proposal": {
        "number": 662017, "title": "T", "url": "https://p/662017", "instrument_id": 2, "instrument_cycle_id": -1,
        "proposal_folder": "x", "def_proposal_path": "y", "doi": "z"}}, 201)
    assert proposal["proposal_folder"] == "p662017"
    assert proposal["def_proposal_path"] == "/gpfs/exfel/exp/FXE/200030/p662017/raw"
    assert proposal["doi"] == "10.0850/XFEL.EU-DATA-662017-00"
    assert proposal["instrument_identifier"] == "FXE"
    run = api.ok("POST", "runs/", {"run": {"run_number": 126, "experiment_id": -1, "first_train": 126}}, 201)
    assert run["run_folder"] == "r0126" and run["techniques"] == []


def test_partial_updates_keep_other_fields(api: Api) -> None:
    before = api.ok("GET", "runs/-1")
    after = api.ok("PUT", "runs/-1", {"run": {"description": "changed"}})
    assert after["description"] == "changed"
    assert {k: v for k, v in after.items() if k not in ("description", "updated_at")} == \
        {k: v for k, v in before.items() if k not in ("description", "updated_at")}


@pytest.mark.parametrize("name,key,body", [
    ("data_files", "data_file", {"data_group_id": "-2", "files": "[{'filename':'a.h5','relative_path':'r/'}]  "}),
    ("data_files", "data_file", {"files": "[{'filename':'b.h5','relative_path':'r/'}]    "}),
    ("data_groups", "data_group", {"language": "es", "format": "f", "flg_available": "true"}),
    ("data_groups", "data_group", {"data_group_type_id": 1, "creator_id": -1}),
    ("dataset_files", "dataset_file", {"checksum": "abcdef01"}),
    ("runs", "run", {"first_train": "100", "last_train": "101", "flg_available": "true"}),
    ("data_source_group_versions", "data_source_group_version", {"last_deployed_at": None, "flg_status": "D"}),
])
def test_unwrapped_put(api: Api, name: str, key: str, body: dict[str, Any]) -> None:
    if name == "data_files":
        ident = -1
    elif name == "dataset_files":
        ident = api.ok("POST", "dataset_files/", {"dataset_file": {
            "filename": "x.h5", "data_group_id": -1, "checksum": "00000000", "format": "hdf5"}}, 201)["id"]
    else:
        ident = -1 if name != "data_source_group_versions" else -2
    before = api.ok("GET", f"{name}/{ident}")
    after = api.ok("PUT", f"{name}/{ident}", body)
    assert_fields(after, {k: v for k, v in body.items() if k in before and k != "last_deployed_at"})
    for field in before:
        if field not in body and field not in ("updated_at", "last_deployed_at"):
            assert after[field] == before[field], field
    if name == "data_source_group_versions":
        assert after["last_deployed_at"] is not None and after["flg_status"] == "D"


def test_close_run_unwrapped_with_techniques(api: Api) -> None:
    run = api.ok("POST", "runs/", {"run": {
        "run_number": 126, "experiment_id": "-1", "sample_id": "-1", "first_train": 126, "last_train": "",
        "flg_available": "true", "flg_status": "1", "runs_techniques_attributes": [{"technique_id": -1}]}}, 201)
    assert [t["id"] for t in run["techniques"]] == [-1]
    assert run["techniques"][0]["runs_techniques_id"] >= 1000
    assert run["techniques"][0]["identifier"] == "TECHNIQUE-TEST-1"
    closed = api.ok("PUT", f"runs/{run['id']}", {
        "end_at": "2025-05-27 13:52:41 +0200", "last_train": 127, "flg_available": 1, "flg_status": 1,
        "runs_techniques_attributes": [{"technique_id": -2}], "run_id": run["id"], "experiment_id": -1,
        "sample_id": -1})
    assert [t["id"] for t in closed["techniques"]] == [-1, -2]
    assert closed["last_train"] == 127 and closed["flg_available"] is True
    assert datetime.fromisoformat(closed["end_at"]) == datetime.fromisoformat("2025-05-27T13:52:41+02:00")
    link = closed["techniques"][0]["runs_techniques_id"]
    swapped = api.ok("PUT", f"runs/{run['id']}", {"run": {
        "runs_techniques_attributes": [{"id": link, "_destroy": 1}]}})
    assert [t["id"] for t in swapped["techniques"]] == [-2]
    empties: tuple[Any, ...] = ("", [], None)
    for empty in empties:
        same_run = api.ok("PUT", f"runs/{run['id']}", {"run": {"runs_techniques_attributes": empty,
                                                                "description": "x"}})
        assert [t["id"] for t in same_run["techniques"]] == [-2]
    # the run can be deleted with its links; the data group linked to it survives
    group = api.ok("POST", "data_groups/", {"data_group": {
        "data_group_type_id": 1, "experiment_id": -1, "user_id": -1, "prefix_path": "/x",
        "runs_data_groups_attributes": [{"run_id": run["id"]}]}}, 201)
    api.ok("DELETE", f"runs/{run['id']}", status=204)
    assert api.server.store.count("runs_techniques", run_id=run["id"]) == 0
    assert api.server.store.count("runs_data_groups", data_group_id=group["id"]) == 0
    api.ok("DELETE", f"data_groups/{group['id']}", status=204)


def test_nested_attribute_errors(api: Api) -> None:
    response = api.post("runs/", {"run": {"run_number": 5, "experiment_id": -1, "first_train": 1,
                                          "runs_techniques_attributes": [{"technique_id": -999}]}})
    assert response.status_code == 422
    assert response.json() == {"info": {"runs_techniques.technique": ["must exist"]}}
    response = api.put("runs/-1", {"run": {"runs_techniques_attributes": [{"id": 424242, "_destroy": 1}]}})
    assert response.json() == {"info": {"runs_techniques.id": ["is invalid"]}}
    response = api.put("runs/-1", {"run": {"runs_techniques_attributes": "nope"}})
    assert response.json() == {"info": {"runs_techniques": ["is invalid"]}}
    assert api.server.store.count("runs") == 2


def test_coercions(api: Api) -> None:
    proposal = api.ok("POST", "proposals/", {"proposal": {
        "number": "002018", "title": 2018, "url": "u2018", "instrument_id": "1", "flg_available": "True"}}, 201)
    assert proposal["number"] == 2018 and proposal["title"] == "2018" and proposal["flg_available"] is True
    assert isinstance(proposal["instrument_id"], int)
    assert api.ok("GET", "proposals/?number=0002018")[0]["id"] == proposal["id"]
    sample = api.ok("POST", "samples/", {"sample": {
        "name": "s", "proposal_id": -1, "proposal_system_id": 12345, "flg_available": 0}}, 201)
    assert sample["proposal_system_id"] == "12345" and sample["flg_available"] is False
    dataset = api.ok("POST", "dataset_files/", {"dataset_file": {
        "filename": "x.h5", "data_group_id": -1, "checksum": "ABCDEF01", "format": "hdf5",
        "byte_size": "9876543210", "file_creation_at": "2025-05-27 13:52:41 +0200"}}, 201)
    assert dataset["byte_size"] == 9876543210
    assert datetime.fromisoformat(dataset["file_creation_at"]) == datetime.fromisoformat("2025-05-27T11:52:41+00:00")
    assert dataset["file_creation_at"].endswith("+00:00") and ".000" in dataset["file_creation_at"]
    files = "[{'filename': 'obj_01.h5', 'relative_path': ''}]"
    data_file = api.ok("POST", "data_files/", {"data_file": {"data_group_id": "-2", "files": files}}, 201)
    assert data_file["files"] == files


def test_read_only_resources(api: Api) -> None:
    assert api.ok("GET", "instruments/-1")["identifier"] == "INST_T"
    assert api.ok("GET", "users/-7")["name"] == "Controls Robot"
    for path, status in (("instruments/", 405), ("proposals_techniques/", 405),
                         ("data_source_groups/", 405)):
        response = api.post(path, {"x": {}})
        assert response.status_code == status
        assert response.json()["info"]
        assert "GET" in response.headers["Allow"]
    assert api.delete("instruments/-1").status_code == 405
    assert api.put("instruments/-1", {"instrument": {"name": "x"}}).status_code == 405
    assert api.get("users/").status_code == 404  # no users list route
    assert api.ok("GET", "instruments/-1")["name"] == "Functional Tests Instrument (DO NOT CHANGE)"


def test_proposals_techniques(api: Api) -> None:
    by_proposal = api.ok("GET", "proposals_techniques/?proposal_id=-2&page=1&page_size=100")
    assert by_proposal == [{"id": -1, "proposal_id": -2, "technique_id": -1,
                            "created_at": by_proposal[0]["created_at"], "updated_at": by_proposal[0]["updated_at"]}]
    assert api.ok("GET", "proposals_techniques/?technique_id=-1&page=1&page_size=100") == by_proposal
    assert api.get("proposals_techniques/?technique_id=-2").content == b"[]"


def test_data_source_groups_and_versions(api: Api) -> None:
    groups = api.ok("GET", "data_source_groups/?name=SPB_DET_AGIPD1M-1")
    assert [g["id"] for g in groups] == [-1]
    versions = api.ok("GET", "data_source_group_versions/?data_source_group_id=-1&name=1.1.0")
    assert [(v["id"], v["flg_status"], v["last_deployed_at"]) for v in versions] == [(-2, "A", None)]
    deployed = api.ok("PUT", "data_source_group_versions/-2", {"last_deployed_at": None, "flg_status": "D"})
    assert deployed["flg_status"] == "D" and deployed["last_deployed_at"]
    assert api.get("data_source_groups/?name=unknown").content == b"[]"


def test_restricted_delete(api: Api) -> None:
    response = api.delete("experiments/-1")
    assert response.status_code == 422
    assert response.json() == {"info": {"base": ["Cannot delete record because dependent runs exist"]}}
    assert api.server.store.count("experiments", id=-1) == 1


def test_cascading_delete_of_data_group(api: Api) -> None:
    group = api.ok("POST", "data_groups/", {"data_group": {
        "data_group_type_id": 1, "experiment_id": -1, "user_id": -1, "prefix_path": "/x"}}, 201)
    link = api.ok("POST", "data_groups_repositories/", {"data_group_repository": {
        "data_group_id": group["id"], "repository_id": 11, "flg_available": True}}, 201)
    api.ok("POST", "data_files/", {"data_file": {"data_group_id": group["id"], "files": "x" * 40}}, 201)
    api.ok("DELETE", f"data_groups/{group['id']}", status=204)
    assert api.get(f"data_groups_repositories/{link['id']}").status_code == 404
    assert api.server.store.count("data_files", data_group_id=group["id"]) == 0


def test_foreign_keys_must_exist(api: Api) -> None:
    response = api.post("data_files/", {"data_file": {"data_group_id": -999, "files": "x" * 40}})
    assert response.status_code == 422
    assert response.json() == {"info": {"data_group_id": ["must exist"]}}
    response = api.post("samples/", {"sample": {"name": "s"}})
    assert response.json() == {"info": {"proposal_id": ["must exist"]}}
