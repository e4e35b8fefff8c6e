"""Special endpoints (§3.0 rows 10, 32-36, 49, 53-54, 63-68, 82-83, 95-96),
pagination, ordering and URL shapes."""

from __future__ import annotations

import pytest

from emu_helpers import JSON_TYPE, Api

FILES = "[{'filename':'s0000.h5','sequence':11,'relative_path':'r0126/'}]"


def test_proposal_by_number_double_slash(api: Api) -> None:
    for path in ("proposals//by_number/900061", "proposals/by_number/900061", "proposals///by_number//900061/"):
        proposal = api.ok("GET", path)
        assert (proposal["id"], proposal["number"], proposal["instrument_identifier"]) == (-2, 900061, "SPB")
    assert api.ok("GET", "proposals//by_number/000000")["id"] == -1
    for number in ("12345", "-99", "abc"):
        response = api.get(f"proposals//by_number/{number}")
        assert response.status_code == 404
        assert response.json() == {"info": f"Proposal number {number} not found"}


def test_proposal_daq_info(api: Api) -> None:
    proposal = api.ok("GET", "proposals//by_number_daq_info/900061")
    expected = {
        "id": -2, "number": 900061, "title": "DO NOT DELETE - CONTROLS TEST PROPOSAL 900061", "abstract": "",
        "url": "https://www.xfel.eu/cas_robot_framework_test", "instrument_id": 1, "instrument_identifier": "SPB",
        "instrument_cycle_id": -1, "principal_investigator_id": -7, "main_proposer_id": -7,
        "local_contact_id": None, "flg_beamtime_status": "R", "flg_proposal_system": "L", "flg_available": True,
        "proposal_folder": "p900061", "def_proposal_path": "/gpfs/exfel/exp/SPB/200030/p900061/raw",
        "doi": "10.0850/XFEL.EU-DATA-900061-00",
    }
    assert {k: proposal[k] for k in expected} == expected
    assert proposal["begin_at"] and proposal["end_at"] and isinstance(proposal["description"], str)
    response = api.get("proposals//by_number_daq_info/900966")
    assert response.status_code == 422
    assert response.json() == {"info": "The proposal has no Samples defined yet in myMdC!"}
    assert api.get("proposals//by_number_daq_info/12345").json() == {"info": "Proposal number 12345 not found"}


def test_proposal_runs(api: Api) -> None:
    body = api.ok("GET", "proposals/by_number/0/runs?page=1&page_size=100")
    assert body["proposal"] == {"id": -1, "number": 0, "title": "Proposal Title 001"}
    runs = body["runs"]
    assert [(r["id"], r["run_number"], r["flg_status"], r["flg_run_quality"]) for r in runs] == \
        [(-1, 1, 2, 1), (-2, 2, 1, -1)]
    assert all(isinstance(r["num_files"], int) for r in runs)
    assert runs[0]["repositories"] == {
        "XFEL_TESTS_REPO": {"name": "XFEL Tests Repository", "mount_point": "/webstorage/XFEL", "data_groups": 1}}
    assert runs[1]["repositories"] == {}
    page2 = api.get("proposals/by_number/000000/runs?page=2&page_size=1")
    assert [r["id"] for r in page2.json()["runs"]] == [-2]
    assert (page2.headers["X-Total-Pages"], page2.headers["X-Count-Per-Page"], page2.headers["X-Current-Page"],
            page2.headers["X-Total-Count"]) == ("2", "1", "2", "2")
    one = api.ok("GET", "proposals/by_number/0/runs/2?page=1&page_size=100")
    assert [r["id"] for r in one["runs"]] == [-2]
    assert api.ok("GET", "proposals/by_number/0/runs/99")["runs"] == []
    assert api.ok("GET", "proposals/by_number/0/runs/x")["runs"] == []
    assert api.get("proposals/by_number/-99/runs").json() == {"info": "Proposal number -99 not found"}


def test_proposal_runs_order_by_run_number(api: Api) -> None:
    api.ok("POST", "runs/", {"run": {"run_number": 0, "experiment_id": -1, "first_train": 1}}, 201)
    runs = api.ok("GET", "proposals/by_number/0/runs")["runs"]
    assert [r["run_number"] for r in runs] == [0, 1, 2]


def _register(api: Api, run_number: int = 126) -> tuple[int, int]:
    run = api.ok("POST", "runs/", {"run": {
        "run_number": run_number, "run_alias": "", "experiment_id": "-1", "sample_id": "", "begin_at":
        "2025-05-27T13:00:00.000+02:00", "end_at": "", "first_train": 126, "last_train": "", "flg_available":
        "true", "flg_status": "1", "original_format": "", "system_msg": "", "description": "",
        "runs_techniques_attributes": [{"technique_id": -1}]}}, 201)
    group = api.ok("POST", "data_groups/", {"data_group": {
        "name": "", "language": "en", "doi": None, "data_group_type_id": 1, "experiment_id": -1, "user_id": -1,
        "prefix_path": "/gpfs/raw", "flg_available": "true", "flg_writing": "false", "flg_public": "false",
        "format": "", "data_passport": "", "removed_at": "", "description": "",
        "runs_data_groups_attributes": [{"run_id": run["id"]}]}}, 201)
    return run["id"], group["id"]


def test_run_replica_flow(api: Api) -> None:
    run, group = _register(api)
    api.ok("PUT", f"data_groups/{group}", {"data_group_type_id": 1, "creator_id": -1})
    api.ok("POST", "data_files/", {"data_file": {"data_group_id": group, "files": FILES}}, 201)
    repo = api.ok("GET", "repositories/?identifier=XFEL_GPFS_OFFLINE_RAW_CC")
    assert [r["id"] for r in repo] == [11]
    ids = api.ok("GET", "runs/all_raw_data_groups_ids?run_number=126&proposal_number=000000")
    assert ids == [group]
    query = f"data_groups_repositories/?data_group_id={group}&repository_id=11&page=1&page_size=100"
    assert api.get(query).content == b"[]"
    link = api.ok("POST", "data_groups_repositories/", {"data_group_repository": {
        "data_group_id": group, "repository_id": 11, "flg_available": "true"}}, 201)
    assert [x["id"] for x in api.ok("GET", query)] == [link["id"]]
    off = api.ok("PUT", f"data_groups_repositories/{link['id']}", {"data_group_repository": {
        "data_group_id": group, "repository_id": 11, "flg_available": "false"}})
    assert off["flg_available"] is False
    summary = api.ok("GET", "proposals/by_number/0/runs/126")["runs"][0]
    assert summary["num_files"] == 1
    assert summary["repositories"]["XFEL_GPFS_OFFLINE_RAW_CC"]["data_groups"] == 1
    searched = api.ok("GET", "data_files/search_data_files?run_number=126&proposal_number=0")
    assert [f["files"] for f in searched] == [FILES]
    assert api.ok("GET", "runs/runs_by_proposal?proposal_number=000000&page=1&page_size=10")[-1]["id"] == run
    assert api.ok("GET", "runs/?run_number=126&page=1&page_size=10")[-1]["id"] == run
    assert [r["id"] for r in api.ok("GET", "runs/?run_number=126&experiment_id=-1")] == [run]
    api.ok("DELETE", f"runs/{run}", status=204)
    api.ok("DELETE", f"data_groups/{group}", status=204)


def test_raw_data_group_ids_edge_cases(api: Api) -> None:
    assert api.ok("GET", "runs/all_raw_data_groups_ids?run_number=1&proposal_number=0") == [-1]
    assert api.get("runs/all_raw_data_groups_ids?run_number=77&proposal_number=0").content == b"[]"
    assert api.get("runs/all_raw_data_groups_ids?run_number=1&proposal_number=12345").status_code == 404
    response = api.get("runs/all_raw_data_groups_ids?run_number=1")
    assert response.status_code == 400
    assert response.json() == {"info": "param is missing or the value is empty: proposal_number"}
    # a non-RAW group linked to the run is not listed
    group = api.ok("POST", "data_groups/", {"data_group": {
        "data_group_type_id": 2, "experiment_id": -1, "prefix_path": "/cal",
        "runs_data_groups_attributes": [{"run_id": -1}]}}, 201)
    assert api.ok("GET", "runs/all_raw_data_groups_ids?run_number=1&proposal_number=0") == [-1]
    assert sorted(f["id"] for f in api.ok("GET", "data_files/search_data_files?run_number=1&proposal_number=0")) \
        == [-1]
    api.ok("DELETE", f"data_groups/{group['id']}", status=204)


def test_active_proposal(api: Api) -> None:
    response = api.get("instruments/-2/active_proposal")
    assert response.status_code == 404
    assert response.json() == {"info": "Resource not found!"}
    assert api.ok("GET", "instruments/1/active_proposal")["number"] == 900061
    assert api.get("instruments/-99/active_proposal").json() == {"info": "Resource not found!"}
    # a beamtime running now also counts
    api.ok("POST", "proposals/", {"proposal": {
        "number": 3030, "title": "now", "url": "u3030", "instrument_id": -2, "flg_beamtime_status": "N",
        "beamtime_start_at": "2000-01-01T00:00:00Z", "beamtime_end_at": "2999-01-01T00:00:00Z"}}, 201)
    assert api.ok("GET", "instruments/-2/active_proposal")["number"] == 3030


def test_instrument_filters(api: Api) -> None:
    for query in ("identifier=INST_T", "facility_id=3", "topic_id=-1"):
        assert api.ok("GET", f"instruments/?{query}&page=1&page_size=100")[-1]["id"] == -1
    response = api.get("instruments/?page=1&page_size=1")
    assert response.headers["X-Total-Pages"] == "4" and response.headers["X-Total-Count"] == "4"
    assert [i["identifier"] for i in api.ok("GET", "instruments/?facility_id=1")] == ["SPB", "FXE"]
    assert api.ok("GET", "instruments/-1")["flg_available"] is False


def test_dark_runs(api: Api) -> None:
    runs = api.ok("GET", "dark_runs/?proposal_id=-1&page=1&page_size=100")
    assert [r["id"] for r in runs] == [-12, -11]
    assert runs[0]["detector_identifier"] == "TEST_DET_CI-12 - DO NOT DELETE!"
    assert "'proposal_id': -1" in str(runs) and "'detector_id': -2" in str(runs)
    assert "'operation_mode_id': -1" in str(runs)
    seed = api.ok("GET", "dark_runs/-11")
    assert seed["pdu_physical_names"] == '["PDU-3_DO_NOT_DELETE", "PDU-2_DO_NOT_DELETE"]'
    assert seed["runs_info"] == "[1]"
    assert [r["id"] for r in api.ok("GET", "dark_runs/?detector_id=-2")] == [-12, -11]
    update = {"flg_status": "F", "size": "1,5Gb", "report_url": "https://r", "input_path": "/in",
              "output_path": "/out", "calcat_feedback": "ok", "description": "d", "pdu_karabo_das": ["t1", "t2"],
              "full_calcat_report_url": None}
    changed = api.ok("PUT", "dark_runs/-11", {"dark_run": update})
    assert {k: changed[k] for k in update} == update and changed["runs_info"] == "[1]"


def test_parameters_bulk(api: Api) -> None:
    items = [
        {"data_source": "SRC", "name": f"p{i}", "value": "1.0", "data_type_id": 30, "parameter_type_id": 1,
         "unit_id": 1, "data_groups_parameters_attributes": None}
        for i in range(2)
    ]
    created = api.ok("POST", "parameters/bulk_create", {"parameters": items}, 201)
    assert [p["name"] for p in created] == ["p0", "p1"] and all(p["id"] >= 1000 for p in created)
    bad = api.post("parameters/bulk_create", {"parameters": [items[0], {**items[1], "name": "n" * 300}]})
    assert bad.status_code == 422
    assert bad.json() == {"info": {"parameters[1].name": ["is too long (maximum is 255 characters)"]}}
    assert api.server.store.count("parameters") == 2
    assert api.post("parameters/bulk_create", {"parameter": items}).status_code == 400
    linked = api.ok("POST", "parameters/", {"parameter": {
        "name": "linked", "data_groups_parameters_attributes": [{"data_group_id": -2}]}}, 201)
    response = api.post("parameters/bulk_delete", {"parameter": {"data_group_id": -2}})
    assert response.status_code == 204 and response.content == b""
    assert api.get(f"parameters/{linked['id']}").status_code == 404
    assert api.server.store.count("parameters") == 2


def test_dataset_files_bulk(api: Api) -> None:
    items = [{"filename": f"f{i}.h5", "data_group_id": -1, "checksum": f"{i:08x}", "format": "hdf5",
              "byte_size": 10 + i} for i in range(3)]
    created = api.ok("POST", "dataset_files/bulk_create", {"dataset_files": items}, 201)
    assert [f["filename"] for f in created] == ["f0.h5", "f1.h5", "f2.h5"]
    ids = [f["id"] for f in created]
    updated = api.ok("POST", "dataset_files/bulk_update", {"dataset_files": [
        {"id": ids[0], "format": "tiff"}, {"id": ids[1], "byte_size": 9876543210}]})
    assert (updated[0]["format"], updated[1]["byte_size"]) == ("tiff", 9876543210)
    bad = api.post("dataset_files/bulk_update", {"dataset_files": [{"id": ids[0], "checksum": ""}]})
    assert bad.status_code == 422 and list(bad.json()["info"]) == ["dataset_files[0].checksum"]
    assert api.post("dataset_files/bulk_update", {"dataset_files": [{"id": -999}]}).status_code == 404
    checked = api.ok("POST", "dataset_files/bulk_check", {"dataset_files": [
        {"filename": "f0.h5", "data_group_id": -1}, {"filename": "nope.h5", "data_group_id": -1}]})
    assert [c["exists"] for c in checked] == [True, False]
    run, group = _register(api)
    api.ok("POST", "dataset_files/", {"dataset_file": {
        "filename": "r.h5", "data_group_id": group, "checksum": "00000000", "format": "hdf5"}}, 201)
    found = api.ok("GET", "dataset_files/search_dataset_files?run_number=126&proposal_number=0")
    assert [f["filename"] for f in found] == ["r.h5"]
    deleted = api.ok("POST", "dataset_files/bulk_delete", {"dataset_file": {"ids": ids[:2], "data_group_id": -1}})
    assert deleted == {"info": "2 dataset files deleted"}
    assert api.server.store.count("dataset_files", data_group_id=-1) == 1
    assert api.post("dataset_files/bulk_delete", {"dataset_file": {"ids": ["x"], "data_group_id": -1}}
                    ).status_code == 422


def test_me_and_users(api: Api) -> None:
    me = api.ok("GET", "me")
    assert {k: me[k] for k in ("email", "first_name", "last_name", "name", "nickname", "provider", "uid")} == {
        "email": "test@example.org", "first_name": "Luis", "last_name": "Maia", "name": "Luis Maia",
        "nickname": "maial", "provider": "ldap", "uid": "maial"}
    assert api.ok("GET", f"users/{me['id']}") == me


def test_empty_list_is_two_bytes(api: Api) -> None:
    response = api.get("samples/?proposal_id=-1&page=100&page_size=3")
    assert response.status_code == 200
    assert response.content == b"[]"
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["X-Total-Count"] == "1" and response.headers["X-Current-Page"] == "100"
    assert api.get("samples/?name=nothing&proposal_id=-1&page=1&page_size=100").content == b"[]"


@pytest.mark.parametrize("query,page,size", [
    ("page=1&page_size=100", "1", "100"), ("", "1", "100"), ("page=0&page_size=0", "1", "1"),
    ("page=-5&page_size=-1", "1", "1"), ("page_size=10000", "1", "500"), ("page=x&page_size=y", "1", "100"),
    ("page=2&page_size=3", "2", "3"), ("page=99999999999999999999&page_size=2", "1", "2"),
])
def test_pagination_headers(api: Api, query: str, page: str, size: str) -> None:
    response = api.get(f"data_group_types/?{query}")
    assert response.status_code == 200
    total = 7
    assert response.headers["X-Current-Page"] == page
    assert response.headers["X-Count-Per-Page"] == size
    assert response.headers["X-Total-Count"] == str(total)
    assert response.headers["X-Total-Pages"] == str(-(-total // int(size)))
    start = (int(page) - 1) * int(size)
    assert len(response.json()) == len(range(total)[start:start + int(size)])


def test_zero_results_pages(api: Api) -> None:
    response = api.get("units/?name=none")
    assert response.headers["X-Total-Pages"] == "0" and response.content == b"[]"


def test_ordering(api: Api) -> None:
    types = api.ok("GET", "data_group_types/?page=1&page_size=100")
    assert [t["id"] for t in types] == [1, 2, 3, 4, 5, 6, 145]
    assert (types[0]["identifier"], types[0]["description"], types[6]["name"]) == ("RAW", "", "Operation")
    new = api.ok("POST", "units/", {"unit": {"name": "new unit", "identifier": "NU", "symbol": "Sym0"}}, 201)
    assert api.ok("GET", "units/?page=1&page_size=100")[-1]["id"] == new["id"]
    first = api.ok("POST", "data_groups/", {"data_group": {
        "name": "twin", "data_group_type_id": 1, "experiment_id": -1, "prefix_path": "/t"}}, 201)
    second = api.ok("POST", "data_groups/", {"data_group": {
        "name": "twin", "data_group_type_id": 1, "experiment_id": -1, "prefix_path": "/t"}}, 201)
    groups = api.ok("GET", "data_groups/?experiment_id=-1&page=1&page_size=100")
    assert [g["id"] for g in groups] == [-1, first["id"], second["id"]]
    assert [g["id"] for g in api.ok("GET", "data_groups/?name=twin")] == [first["id"], second["id"]]


@pytest.mark.parametrize("path", [
    "runs/?run_number=1", "runs?run_number=1", "runs//?run_number=1", "/runs/?run_number=1",
])
def test_collection_url_shapes(api: Api, path: str) -> None:
    assert [r["id"] for r in api.ok("GET", path)] == [-1]


def test_member_url_shapes(api: Api) -> None:
    assert api.ok("GET", "runs/-1/")["id"] == -1
    assert api.ok("GET", "runs//-1")["id"] == -1
    assert api.ok("HEAD", "runs/-1") is None
    response = api.request("POST", "runs", {"run": {"run_number": 9, "experiment_id": -1, "first_train": 1}})
    assert response.status_code == 201


@pytest.mark.parametrize("method,path,status", [
    ("GET", "nothing_here/", 404), ("GET", "runs/-1/extra/segments", 404), ("PATCH", "runs/", 405),
    ("DELETE", "runs/", 405), ("POST", "runs/-1", 405), ("PUT", "me", 405), ("OPTIONS", "runs/", 405),
    ("GET", "", 404), ("POST", "proposals/by_number/0", 405),
])
def test_unknown_routes_and_methods_are_json(api: Api, method: str, path: str, status: int) -> None:
    response = api.request(method, path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == JSON_TYPE
    assert isinstance(response.json()["info"], str)


def test_filters_ignore_unknown_parameters_and_blank_values(api: Api) -> None:
    assert len(api.ok("GET", "samples/?proposal_id=-1&color=blue&name=")) == 1
    assert api.get("samples/?proposal_id=abc").content == b"[]"
    assert api.ok("GET", "repositories/?identifier=XFEL_TESTS_REPO")[0]["id"] == -1
    assert api.get("repositories/?identifier=xfel_tests_repo").content == b"[]"
