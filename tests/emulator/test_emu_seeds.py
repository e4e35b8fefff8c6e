"""The test seed (MYMDC_SERVER.md §5) and the demo seed."""

from __future__ import annotations

import pytest

from emu_helpers import Api


def test_reference_data(api: Api) -> None:
    types = api.ok("GET", "data_group_types/?page=1&page_size=100")
    assert [(t["id"], t["name"], t["identifier"], t["description"], t["flg_available"]) for t in types] == [
        (1, "Raw", "RAW", "", True), (2, "Calibration", "CAL", "", True), (3, "Processed", "PROC", "", True),
        (4, "Reduced", "REDU", "", True), (5, "Simulation", "SIM", "", True), (6, "Unknown", "UNK", "", True),
        (145, "Operation", "OPK_1", "about data group types updated", True),
    ]
    for path in ("data_types/30", "data_types/31", "data_types/70", "experiment_types/1", "parameter_types/1",
                 "units/1", "users/-1", "users/-7", "instrument_cycles/-1", "techniques/-2", "samples/-2"):
        api.ok("GET", path)
    assert len(api.ok("GET", "units/?page=1&page_size=100")) < 100
    assert api.ok("GET", "instrument_cycles/-1")["identifier"] == 200030


def test_instruments(api: Api) -> None:
    inst = api.ok("GET", "instruments/-1")
    assert {k: inst[k] for k in ("name", "identifier", "url", "facility_id", "topic_id", "instrument_type_id",
                                 "repository_id", "flg_available", "description")} == {
        "name": "Functional Tests Instrument (DO NOT CHANGE)", "identifier": "INST_T",
        "url": "https://in.xfel.eu/upex", "facility_id": 3, "topic_id": -1, "instrument_type_id": 1,
        "repository_id": -1, "flg_available": False,
        "description": "instrument used by upex and metadata client library for functional tests."}
    assert [api.ok("GET", f"instruments/{i}")["identifier"] for i in (-2, 1, 2)] == ["INST_U", "SPB", "FXE"]


def test_proposals_experiments_samples(api: Api) -> None:
    zero = api.ok("GET", "proposals//by_number/000000")
    assert (zero["id"], zero["proposal_folder"], zero["title"]) == (-1, "p000000", "Proposal Title 001")
    assert api.ok("GET", "proposals//by_number/900966")["id"] == -3
    experiments = api.ok("GET", "experiments/?proposal_id=-1&page=1&page_size=100")
    assert len(experiments) == 1
    exp = experiments[0]
    assert {k: exp[k] for k in ("id", "proposal_id", "name", "doi", "experiment_number", "experiment_folder",
                                "experiment_type_id", "publisher", "contributor", "flg_available",
                                "description")} == {
        "id": -1, "proposal_id": -1, "name": "TestExperiment DO NOT DELETE!", "doi": "xfel.mdc.exp.-1",
        "experiment_number": 1, "experiment_folder": "e0001", "experiment_type_id": 1, "publisher": "XFEL",
        "contributor": "XFEL", "flg_available": True, "description": ""}
    samples = api.ok("GET", "samples/?proposal_id=-1&page=1&page_size=2")
    assert samples[0]["id"] == -1
    assert {k: samples[0][k] for k in ("name", "url", "sample_type_id", "flg_available", "description")} == {
        "name": "TestSample DO NOT DELETE!", "url": "https://www.google.com", "sample_type_id": 1,
        "flg_available": True, "description": ""}
    assert samples[0]["flg_proposal_system"] in ("", None) and samples[0]["proposal_system_id"] in ("", None)
    assert api.ok("GET", "samples/?proposal_id=-2")
    assert api.get("samples/?proposal_id=-3").content == b"[]"


def test_runs_groups_repositories(api: Api) -> None:
    assert [r["id"] for r in api.ok("GET", "runs/runs_by_proposal?proposal_number=0")] == [-2, -1]  # ascending id
    groups = api.ok("GET", "data_groups/?experiment_id=-1")
    assert [g["id"] for g in groups] == [-1]
    assert api.ok("GET", "data_groups/-2")["experiment_id"] != -1
    assert api.get("data_files/?data_group_id=-2").content == b"[]"
    links = api.ok("GET", "data_groups_repositories/?data_group_id=-1")
    assert [(x["repository_id"], x["flg_available"]) for x in links] == [(-1, True)]
    repo = api.ok("GET", "repositories/-1")
    assert (repo["identifier"], repo["name"], repo["mount_point"]) == \
        ("XFEL_TESTS_REPO", "XFEL Tests Repository", "/webstorage/XFEL")
    assert api.ok("GET", "repositories/11")["identifier"] == "XFEL_GPFS_OFFLINE_RAW_CC"
    tech = api.ok("GET", "techniques/-1")
    assert (tech["name"], tech["identifier"], tech["url"], tech["flg_xfel_available"]) == \
        ("Functional Tests Technique 01 (DO NOT CHANGE)", "TECHNIQUE-TEST-1", "https://in.xfel.eu/TECH1", True)
    assert api.ok("GET", "techniques/?identifier=TECHNIQUE-TEST-1")[-1]["id"] == -1
    assert api.ok("GET", f"techniques/?name={tech['name']}")[-1]["id"] == -1


@pytest.mark.parametrize("path", [
    "proposals/?number=12345", "proposals/?number=-99",
    "instrument_cycles/?identifier=202401&instrument_id=-1", "instrument_cycles/?identifier=201708&instrument_id=-2",
    "instrument_cycles/?url=https%3A%2F%2Fin.xfel.eu%2Fupex%2Finstrument_cycle%2F202403",
    "repositories/?name=new_special_repo_identifier",
    "parameters/?data_source=MID%2FXTD6%2FATT%2FMOTOR%2FBLADE_TOP&name=VelocityLeft",
    "runs/?run_number=125&experiment_id=-1", "runs/?run_number=126&experiment_id=-1", "reports/?run_id=-1",
])
def test_must_not_exist(api: Api, path: str) -> None:
    assert api.get(path).content == b"[]"


def test_forbidden_repository_values_are_free(api: Api) -> None:
    for ident in ("new_special_repo_identifier", "updated_special_repo_identifier"):
        assert api.server.store.count("repositories", transfer_agent_identifier=ident) == 0
    for url in ("https://www.new_example.com:123", "https://www.upd_example.com:12345"):
        assert api.server.store.count("repositories", transfer_agent_server_url=url) == 0


def test_new_ids_start_above_seeds(api: Api) -> None:
    for name, key, body in (
        ("data_group_types", "data_group_type", {"name": "n", "identifier": "i"}),
        ("repositories", "repository", {"name": "n", "identifier": "i"}),
    ):
        assert api.ok("POST", f"{name}/", {key: body}, 201)["id"] == 1000


def test_reset_restores_seed(api: Api, ctl) -> None:
    api.ok("DELETE", "dark_runs/-11", status=204)
    api.ok("POST", "units/", {"unit": {"name": "n", "identifier": "i"}}, 201)
    ctl.post("reset")
    api._token = None
    assert api.ok("GET", "dark_runs/-11")["id"] == -11
    assert api.ok("POST", "units/", {"unit": {"name": "n", "identifier": "i"}}, 201)["id"] == 1000


# demo ------------------------------------------------------------------------------


def test_demo_catalogue(demo: Api) -> None:
    types = demo.ok("GET", "data_group_types/?page=1&page_size=100")
    assert [t["identifier"] for t in types][:3] == ["RAW", "CAL", "PROC"]
    instruments = demo.ok("GET", "instruments/?facility_id=1&page=1&page_size=100")
    assert [i["identifier"] for i in instruments][:2] == ["SPB", "FXE"]
    assert instruments[0]["name"] == "SPB/SFX SASE1"
    active = demo.ok("GET", "instruments/1/active_proposal")
    assert (active["number"], active["flg_beamtime_status"]) == (900101, "R")
    assert demo.get("instruments/2/active_proposal").status_code == 404
    proposal = demo.ok("GET", "proposals//by_number/900101")
    assert demo.ok("GET", "proposals//by_number_daq_info/900101")["id"] == proposal["id"]
    runs = demo.ok("GET", "proposals/by_number/900101/runs?page=1&page_size=100")["runs"]
    assert [r["run_number"] for r in runs] == [1, 2, 3]
    assert runs[0]["num_files"] == 1 and set(runs[0]["repositories"]) == {
        "XFEL_GPFS_OFFLINE_RAW_CC", "XFEL_GPFS_ONLINE_RAW"}
    samples = demo.ok("GET", f"samples/?proposal_id={proposal['id']}&page=1&page_size=100")
    assert len(samples) == 2
    assert len(demo.ok("GET", f"experiments/?proposal_id={proposal['id']}")) == 2
    assert demo.ok("GET", "me")["email"] == demo.server.user_email
    dsg = demo.ok("GET", "data_source_groups/?name=SPB_DET_AGIPD1M-1")[0]
    versions = demo.ok("GET", f"data_source_group_versions/?data_source_group_id={dsg['id']}&name=1.1.0")
    assert versions[0]["flg_status"] == "A"


@pytest.mark.parametrize("run,has_link", [(1, True), (3, False)])
def test_demo_replica_flow(demo: Api, run: int, has_link: bool) -> None:
    repo = demo.ok("GET", "repositories/?identifier=XFEL_GPFS_OFFLINE_RAW_CC")[0]["id"]
    groups = demo.ok("GET", f"runs/all_raw_data_groups_ids?run_number={run}&proposal_number=900101")
    assert len(groups) == 1
    query = f"data_groups_repositories/?data_group_id={groups[0]}&repository_id={repo}&page=1&page_size=100"
    existing = demo.get(query)
    if has_link:
        link = existing.json()[0]
        demo.ok("PUT", f"data_groups_repositories/{link['id']}", {"data_group_repository": {
            "data_group_id": groups[0], "repository_id": repo, "flg_available": "false"}})
    else:
        assert existing.content == b"[]"
        demo.ok("POST", "data_groups_repositories/", {"data_group_repository": {
            "data_group_id": groups[0], "repository_id": repo, "flg_available": "true"}}, 201)
    assert len(demo.ok("GET", query)) == 1


def test_demo_registers_a_run(demo: Api) -> None:
    run = demo.ok("POST", "runs/", {"run": {"run_number": 4, "experiment_id": 1, "sample_id": 1,
                                            "first_train": 1_400_030_000, "flg_status": 1}}, 201)
    assert run["id"] == 1000 and run["run_folder"] == "r0004"
