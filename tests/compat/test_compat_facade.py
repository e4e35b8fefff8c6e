"""The 21 facade methods of ``MetadataClient`` over a mocked server (§6 of MYMDC_SERVER.md)."""

from __future__ import annotations

import copy

import pytest
import responses
from responses import matchers

from compat_helpers import BASE, api_calls, wires

MANDATORY = "The following fields are mandatory: "
RUN_DICT = {"run_number": 126, "begin_at": "2025-05-27T13:52:41.000+02:00", "first_train": 100,
            "runs_techniques_attributes": [{"technique_id": -1}]}
DG_DICT = {"data_group_type_id": 1, "creator_id": -1, "prefix_path": "/gpfs/exfel/exp/p000000/raw"}
TECHNIQUES = [{"id": -1, "runs_techniques_id": 501}]


# -- client-side mandatory-field messages (§6.3) ----------------------------------

def assert_refused(res: dict, message: str) -> None:
    assert res == {"success": False, "info": message, "app_info": {}, "data": {}}


def test_register_run_mandatory_fields(mdc, rsps) -> None:
    assert_refused(mdc.register_run(None, None, {}, {}), MANDATORY + str(
        ["experiment_id", "run.run_number", "run.begin_at", "run.first_train",
         "data_group.data_group_type_id", "data_group.creator_id", "data_group.prefix_path"]))
    assert len(rsps.calls) == 0  # no token, no request


def test_register_run_data_mandatory_fields(mdc, rsps) -> None:
    assert_refused(mdc.register_run_data(None, None, None, None, {}, []),
                   "The following fields are mandatory: ['experiment_id', 'run_id', 'data_group_id', "
                   "'data_group_files']")
    files = [{"filename": "a.h5"}, {"relative_path": "r0001/"}, {"sequence": 1}]
    assert_refused(mdc.register_run_data(None, None, None, None, {"language": "pt"}, files),
                   "The following fields are mandatory: ['experiment_id', 'run_id', 'data_group_id', "
                   "'data_group.data_group_type_id', 'data_group.creator_id', "
                   "'data_group_files[0].relative_path', 'data_group_files[1].filename', "
                   "'data_group_files[2].filename', 'data_group_files[2].relative_path']")
    assert len(rsps.calls) == 0


def test_close_run_mandatory_fields(mdc, rsps) -> None:
    assert_refused(mdc.close_run(-1, -1, 77, 88, ""),
                   "The following fields are mandatory: ['run must be a Hash', 'run.end_at', 'run.last_train']")
    assert_refused(mdc.close_run(-1, -1, 77, 88, {"first_train": 100}),
                   "The following fields are mandatory: ['run.end_at', 'run.last_train']")
    assert len(rsps.calls) == 0


def test_get_proposal_info_instrument_mismatch(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}proposals/by_number_daq_info/900061",
             json={"id": -2, "number": 900061, "instrument_identifier": "SPB"}, status=200)
    res = mdc.get_proposal_info(900061, ["SA1", "SA2", "SA3"])
    assert (res["success"], res["info"], res["app_info"], res["data"]) == (
        False, "Error getting proposal",
        "The proposal doesn't match this DAQ instance configured list of allowed instruments!", {})
    ok = mdc.get_proposal_info(900061, ["SPB", "FXE"])
    assert (ok["success"], ok["info"], ok["data"]["id"]) == (True, "Got proposal successfully", -2)
    assert [w[1] for w in wires(rsps)] == ["proposals/by_number_daq_info/900061"] * 2


# -- register_run (§6.2) ----------------------------------------------------------

def expected_run_body(sample_id: str, techniques) -> dict:
    return {"run": {"run_number": 126, "run_alias": "", "experiment_id": "-1", "sample_id": sample_id,
                    "begin_at": RUN_DICT["begin_at"], "end_at": "", "first_train": 100, "last_train": "",
                    "flg_available": "true", "flg_status": "1", "original_format": "", "system_msg": "",
                    "description": "", "runs_techniques_attributes": techniques}}


EXPECTED_DG_BODY = {"data_group": {
    "name": "", "language": "en", "doi": None, "data_group_type_id": 1, "experiment_id": -1,
    "user_id": -1, "prefix_path": DG_DICT["prefix_path"], "flg_available": "true", "flg_writing": "false",
    "flg_public": "false", "format": "", "data_passport": "", "removed_at": "", "description": "",
    "runs_data_groups_attributes": [{"run_id": 77}]}}


def test_register_run_sends_the_4_2_1_bodies(mdc, rsps) -> None:
    rsps.add(responses.POST, f"{BASE}runs/", json={"id": 77, "techniques": TECHNIQUES}, status=201)
    rsps.add(responses.POST, f"{BASE}data_groups/", json={"id": 88}, status=201)
    run_dict, dg_dict = copy.deepcopy(RUN_DICT), copy.deepcopy(DG_DICT)
    res = mdc.register_run(-1, -1, run_dict, dg_dict)
    assert res == {"success": True, "info": "Run registered successfully", "app_info": {}, "data": {
        "experiment_id": "-1", "sample_id": "-1", "run_id": "77", "techniques": str(TECHNIQUES),
        "data_group_id": "88"}}
    assert wires(rsps) == [("POST", "runs/", {}, expected_run_body("-1", [{"technique_id": -1}])),
                           ("POST", "data_groups/", {}, EXPECTED_DG_BODY)]
    assert (run_dict, dg_dict) == (RUN_DICT, DG_DICT)


def test_register_run_defaults_without_sample_and_techniques(mdc, rsps) -> None:
    rsps.add(responses.POST, f"{BASE}runs/", json={"id": 77, "techniques": []}, status=201)
    rsps.add(responses.POST, f"{BASE}data_groups/", json={"id": 88}, status=201)
    run_dict = {k: v for k, v in RUN_DICT.items() if k != "runs_techniques_attributes"}
    run_dict["run_alias"] = "my alias"
    mdc.register_run(-1, None, run_dict, dict(DG_DICT, language="de"))
    run_body, dg_body = (w[3] for w in wires(rsps))
    assert run_body == {"run": {**expected_run_body("", "")["run"], "run_alias": "my alias"}}
    assert dg_body["data_group"]["language"] == "de"


def test_register_run_stops_when_the_run_is_refused(mdc, rsps) -> None:
    errors = {"first_train": ["can't be blank", "is not a number"]}
    rsps.add(responses.POST, f"{BASE}runs/", json={"info": errors}, status=422)
    res = mdc.register_run(-1, -1, RUN_DICT, DG_DICT)
    assert (res["success"], res["info"], res["app_info"]) == (False, "Error creating run", errors)
    assert [w[1] for w in wires(rsps)] == ["runs/"]


def test_register_run_deletes_the_run_when_the_data_group_fails(mdc, rsps) -> None:
    errors = {"prefix_path": ["can't be blank"]}
    rsps.add(responses.POST, f"{BASE}runs/", json={"id": 77, "techniques": []}, status=201)
    rsps.add(responses.POST, f"{BASE}data_groups/", json={"info": errors}, status=422)
    rsps.add(responses.DELETE, f"{BASE}runs/77", status=204)
    res = mdc.register_run(-1, -1, RUN_DICT, DG_DICT)
    assert (res["success"], res["app_info"]) == (False, errors)
    assert res["info"].startswith("Error creating data_group")
    assert "77" in res["info"] and "deleted" in res["info"] and "could not" not in res["info"]
    assert [(w[0], w[1]) for w in wires(rsps)] == [("POST", "runs/"), ("POST", "data_groups/"),
                                                   ("DELETE", "runs/77")]


def test_register_run_reports_a_run_it_could_not_delete(mdc, rsps) -> None:
    rsps.add(responses.POST, f"{BASE}runs/", json={"id": 77, "techniques": []}, status=201)
    rsps.add(responses.POST, f"{BASE}data_groups/", json={"info": {"name": ["bad"]}}, status=422)
    rsps.add(responses.DELETE, f"{BASE}runs/77", json={"info": "Forbidden"}, status=403)
    res = mdc.register_run(-1, -1, RUN_DICT, DG_DICT)
    assert res["success"] is False
    assert "77" in res["info"] and "could not be deleted" in res["info"]
    assert res["data"] == {"run_id": "77"}


# -- register_run_data, close_run -------------------------------------------------

def test_register_run_data(mdc, rsps) -> None:
    rsps.add(responses.PUT, f"{BASE}data_groups/88", json={"id": 88}, status=200)
    rsps.add(responses.POST, f"{BASE}data_files/", json={"id": 99}, status=201)
    files = [{"filename": "s0000.h5", "sequence": 11, "relative_path": "r0001/"}]
    res = mdc.register_run_data(-1, -1, 77, 88, {"data_group_type_id": 1, "creator_id": -1}, files)
    assert res == {"success": True, "info": "Run data registered successfully", "app_info": {}, "data": {
        "experiment_id": "-1", "sample_id": "-1", "run_id": "77", "data_group_id": "88", "data_file_id": "99"}}
    assert wires(rsps) == [
        ("PUT", "data_groups/88", {}, {"data_group_type_id": 1, "creator_id": -1}),
        ("POST", "data_files/", {}, {"data_file": {
            "data_group_id": 88, "files": "[{'filename':'s0000.h5','sequence':11,'relative_path':'r0001/'}]"}}),
    ]


def test_close_run_with_an_empty_dict(mdc, rsps) -> None:
    rsps.add(responses.PUT, f"{BASE}runs/77", json={"id": 77, "techniques": TECHNIQUES}, status=200)
    run_dict: dict = {}
    res = mdc.close_run(-1, -1, 77, 88, run_dict)
    assert run_dict == {}
    assert res == {"success": True, "info": "Run closed successfully", "app_info": {}, "data": {
        "experiment_id": "-1", "sample_id": "-1", "run_id": "77", "techniques": str(TECHNIQUES)}}
    assert wires(rsps) == [("PUT", "runs/77", {},
                            {"run_id": 77, "experiment_id": -1, "sample_id": -1, "flg_status": 2})]


def test_close_run_sends_the_dict_unwrapped_and_leaves_it_unchanged(mdc, rsps) -> None:
    rsps.add(responses.PUT, f"{BASE}runs/77", json={"id": 77, "techniques": TECHNIQUES}, status=200)
    run_dict = {"end_at": "2025-05-27T14:00:00+02:00", "last_train": 127, "flg_available": 1, "flg_status": 1,
                "runs_techniques_attributes": [{"technique_id": -2}]}
    before = copy.deepcopy(run_dict)
    assert mdc.close_run(-1, -1, 77, 88, run_dict)["success"] is True
    assert run_dict == before
    assert wires(rsps)[0][3] == {**before, "run_id": 77, "experiment_id": -1, "sample_id": -1}


def test_close_run_failure_is_reported(mdc, rsps) -> None:
    errors = {"run_number": ["cannot be updated"]}
    rsps.add(responses.PUT, f"{BASE}runs/77", json={"info": errors}, status=422)
    res = mdc.close_run(-1, -1, 77, 88, {"end_at": "x", "last_train": -1, "run_number": 1234})
    assert (res["success"], res["info"], res["app_info"]) == (False, "Error updating run", errors)


def test_register_run_data_and_results_without_files(mdc, rsps) -> None:
    rsps.add(responses.POST, f"{BASE}runs/", json={"id": 77, "techniques": []}, status=201)
    rsps.add(responses.POST, f"{BASE}data_groups/", json={"id": 88}, status=201)
    rsps.add(responses.PUT, f"{BASE}runs/77", json={"id": 77, "techniques": []}, status=200)
    run_dict = {**RUN_DICT, "end_at": "2025-05-27T14:00:00+02:00", "last_train": 200}
    res = mdc.register_run_data_and_results(-1, -1, run_dict, dict(DG_DICT), [])
    assert (res["success"], res["info"]) == (True, "Run closed successfully")
    assert (res["data"]["run_id"], res["data"]["data_group_id"], res["data"]["data_file_id"]) == ("77", "88", None)
    assert [(w[0], w[1]) for w in wires(rsps)] == [("POST", "runs/"), ("POST", "data_groups/"),
                                                   ("PUT", "runs/77")]


# -- replicas ---------------------------------------------------------------------

def mock_replica_lookups(rsps, existing: dict) -> None:
    """Repository 11 by identifier; RAW data groups 88 and 89; dgr rows as given per data group."""
    rsps.add(responses.GET, f"{BASE}repositories/", json=[{"id": 11}], status=200,
             match=[matchers.query_param_matcher({"identifier": "XFEL_GPFS_OFFLINE_RAW_CC"})])
    rsps.add(responses.GET, f"{BASE}runs/all_raw_data_groups_ids", json=[88, 89], status=200,
             match=[matchers.query_param_matcher({"run_number": "126", "proposal_number": "0"})])
    for group, rows in existing.items():
        query = {"data_group_id": str(group), "repository_id": "11", "page": "1", "page_size": "100"}
        if rows:
            rsps.add(responses.GET, f"{BASE}data_groups_repositories/", json=rows, status=200,
                     match=[matchers.query_param_matcher(query)])
        else:
            rsps.add(responses.GET, f"{BASE}data_groups_repositories/", body="[]", status=200,
                     match=[matchers.query_param_matcher(query)])


@pytest.mark.parametrize(("method", "flag", "verb"), [
    ("register_run_replica", "true", "registered"), ("unregister_run_replica", "false", "unregistered")])
def test_replica_call_sequence(mdc, rsps, method, flag, verb) -> None:
    mock_replica_lookups(rsps, {88: [], 89: [{"id": 5, "data_group_id": 89, "repository_id": 11}]})
    rsps.add(responses.POST, f"{BASE}data_groups_repositories/", json={"id": 6}, status=201)
    rsps.add(responses.PUT, f"{BASE}data_groups_repositories/5", json={"id": 5}, status=200)
    res = getattr(mdc, method)(0, 126, "XFEL_GPFS_OFFLINE_RAW_CC")
    assert res == {"success": True, "info": f"Run replica {verb} successfully", "app_info": {}, "data": [
        {"data_group_id": "88", "repository_id": "11", "flg_available": flag},
        {"data_group_id": "89", "repository_id": "11", "flg_available": flag}]}
    assert [(w[0], w[1], w[3]) for w in wires(rsps)] == [
        ("GET", "repositories/", None),
        ("GET", "runs/all_raw_data_groups_ids", None),
        ("GET", "data_groups_repositories/", None),
        ("POST", "data_groups_repositories/",
         {"data_group_repository": {"data_group_id": 88, "repository_id": 11, "flg_available": flag}}),
        ("GET", "data_groups_repositories/", None),
        ("PUT", "data_groups_repositories/5",
         {"data_group_repository": {"data_group_id": 89, "repository_id": 11, "flg_available": flag}}),
    ]


def test_get_run_register_repositories_only_reads(mdc, rsps) -> None:
    mock_replica_lookups(rsps, {88: [], 89: [{"id": 5, "data_group_id": 89, "repository_id": 11,
                                              "flg_available": True}]})
    res = mdc.get_run_register_repositories(0, 126, "XFEL_GPFS_OFFLINE_RAW_CC")
    assert res["success"] is True
    assert res["data"] == [{"data_group_id": "89", "repository_id": "11", "flg_available": "true"}]
    assert {w[0] for w in wires(rsps)} == {"GET"}
    assert len(api_calls(rsps)) == 4


def test_replica_stops_when_the_repository_is_unknown(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}repositories/", body="[]", status=200)
    res = mdc.register_run_replica(0, 126, "NOPE")
    assert (res["success"], res["info"]) == (False, "Error getting repository")
    assert len(api_calls(rsps)) == 1


def test_replica_with_a_spaced_empty_repository_list(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}repositories/", body="[ ]", status=200)
    res = mdc.unregister_run_replica(0, 126, "NOPE")
    assert (res["success"], res["info"], res["data"]) == (False, "Error getting repository", {})
    assert len(api_calls(rsps)) == 1


# -- look-ups -----------------------------------------------------------------------

LOOKUPS = [
    (lambda c: c.get_all_xfel_instruments(), "instruments/", {"facility_id": "1", "page": "1", "page_size": "100"}),
    (lambda c: c.get_all_data_group_types(2, 10), "data_group_types/", {"page": "2", "page_size": "10"}),
    (lambda c: c.get_active_proposal_by_instrument(3), "instruments/3/active_proposal", {}),
    (lambda c: c.get_repository_by_id(11), "repositories/11", {}),
    (lambda c: c.get_proposal_runs(900061), "proposals/by_number/900061/runs", {"page": "1", "page_size": "100"}),
    (lambda c: c.get_proposal_runs(900061, 5, 2, 1), "proposals/by_number/900061/runs/5",
     {"page": "2", "page_size": "1"}),
    (lambda c: c.get_data_source_group("DSG A"), "data_source_groups/", {"name": "DSG A"}),
    (lambda c: c.get_data_source_group_version(3, "v2"), "data_source_group_versions/",
     {"data_source_group_id": "3", "name": "v2"}),
]


@pytest.mark.parametrize(("call", "path", "query"), LOOKUPS)
def test_single_call_lookups(mdc, rsps, call, path, query) -> None:
    rsps.add(responses.GET, f"{BASE}{path}", json=[{"id": 1}], status=200)
    res = call(mdc)
    assert (res["success"], res["data"]) == (True, [{"id": 1}])
    assert wires(rsps) == [("GET", path, query, None)]


@pytest.mark.parametrize(("method", "path", "module"), [
    ("get_proposal_experiments", "experiments/", "experiment"), ("get_proposal_samples", "samples/", "sample")])
def test_proposal_number_then_proposal_id(mdc, rsps, method, path, module) -> None:
    rsps.add(responses.GET, f"{BASE}proposals/by_number/0", json={"id": -1, "number": 0}, status=200)
    rsps.add(responses.GET, f"{BASE}{path}", json=[{"id": -1}], status=200)
    res = getattr(mdc, method)(0)
    assert (res["success"], res["info"], res["data"]) == (True, f"Got {module} successfully", [{"id": -1}])
    assert [(w[1], w[2]) for w in wires(rsps)] == [
        ("proposals/by_number/0", {}), (path, {"proposal_id": "-1", "page": "1", "page_size": "100"})]


def test_proposal_not_found_stops(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}proposals/by_number/99",
             json={"info": "Proposal number 99 not found"}, status=404)
    res = mdc.get_proposal_samples(99)
    assert (res["success"], res["info"], res["app_info"]) == (
        False, "Error getting proposal", "Proposal number 99 not found")
    assert len(api_calls(rsps)) == 1


def test_search_data_files(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}data_files/search_data_files", json=[{"id": 1}], status=200)
    res = mdc.search_data_files(126, 0)
    assert res == {"success": True, "info": "Search data files return successfully", "app_info": {},
                   "data": [{"id": 1}]}
    assert wires(rsps) == [("GET", "data_files/search_data_files",
                            {"run_number": "126", "proposal_number": "0"}, None)]


def test_update_data_source_group_version(mdc, rsps) -> None:
    rsps.add(responses.PUT, f"{BASE}data_source_group_versions/9", json={"id": 9}, status=200)
    res = mdc.update_data_source_group_version(9, {"flg_status": "D", "last_deployed_at": None})
    assert (res["success"], res["info"]) == (True, "Got data_source_group_version successfully")
    assert wires(rsps) == [("PUT", "data_source_group_versions/9", {},
                            {"flg_status": "D", "last_deployed_at": None})]


# -- data source group versions ----------------------------------------------------

def mock_dsg(rsps, versions) -> None:
    rsps.add(responses.GET, f"{BASE}data_source_groups/", json=[{"id": 3, "name": "G"}], status=200,
             match=[matchers.query_param_matcher({"name": "G"})])
    query = {"data_source_group_id": "3", "name": "v1"}
    if versions:
        rsps.add(responses.GET, f"{BASE}data_source_group_versions/", json=versions, status=200,
                 match=[matchers.query_param_matcher(query)])
    else:
        rsps.add(responses.GET, f"{BASE}data_source_group_versions/", body="[]", status=200,
                 match=[matchers.query_param_matcher(query)])


def test_get_data_source_group_version_by_name(mdc, rsps) -> None:
    mock_dsg(rsps, [{"id": 9, "flg_status": "A"}, {"id": 10}])
    assert mdc.get_data_source_group_version_by_name("G", "v1") == {"id": 9, "flg_status": "A"}


def test_get_data_source_group_version_by_name_is_none_when_missing(mdc, rsps) -> None:
    mock_dsg(rsps, [])
    assert mdc.get_data_source_group_version_by_name("G", "v1") is None
    rsps.replace(responses.GET, f"{BASE}data_source_groups/", body="[]", status=200)
    assert mdc.get_data_source_group_version_by_name("G", "v1") is None


def test_deploy_marks_the_version_deployed(mdc, rsps) -> None:
    mock_dsg(rsps, [{"id": 9, "flg_status": "A"}])
    rsps.add(responses.PUT, f"{BASE}data_source_group_versions/9", json={"id": 9, "flg_status": "D"}, status=200)
    res = mdc.deploy_data_source_group_version("G", "v1")
    assert (res["success"], res["info"]) == (True, "DSG version deployed successfully")
    assert wires(rsps)[-1] == ("PUT", "data_source_group_versions/9", {},
                               {"last_deployed_at": None, "flg_status": "D"})


def test_deploy_of_a_deployed_version_sends_nothing(mdc, rsps) -> None:
    mock_dsg(rsps, [{"id": 9, "flg_status": "D"}])
    res = mdc.deploy_data_source_group_version("G", "v1")
    assert (res["success"], res["info"]) == (True, "DSG version already marked as deployed. Nothing to do.")
    assert {w[0] for w in wires(rsps)} == {"GET"}


def test_deploy_of_an_unknown_version(mdc, rsps) -> None:
    mock_dsg(rsps, [])
    res = mdc.deploy_data_source_group_version("G", "v1")
    assert (res["success"], res["info"]) == (False, "DSG version not found")
    assert {w[0] for w in wires(rsps)} == {"GET"}
