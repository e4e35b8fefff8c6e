"""4.2.1 module classes over a mocked server: bodies, ids, look-up and set helpers."""

from __future__ import annotations

import inspect

import pytest
import responses
from responses import matchers

from metadata_client.modules import (DataGroup, DataGroupRepository, DataSourceGroupVersion, Instrument,
                                     Proposal, Repository, Run, Sample, Technique, Unit)

from compat_helpers import BASE, api_calls, surface, wire, wires

CLASSES = surface()["classes"]
REPRESENTATIVE = ["Run", "DataGroupRepository", "Sample", "Technique", "Proposal"]
COLLECTION = {"Run": "runs", "DataGroupRepository": "data_groups_repositories", "Sample": "samples",
              "Technique": "techniques", "Proposal": "proposals"}


def build(cls_name: str, client) -> tuple[object, dict]:
    """An instance with distinct values for every field, and the fields it must send."""
    import metadata_client.modules as modules
    cls = getattr(modules, cls_name)
    fields = {}
    for index, (name, default) in enumerate(CLASSES[cls_name]["ctor"][1:]):
        if name == "id":
            continue
        fields[name] = [{"technique_id": -1}] if name.endswith("_attributes") else f"{name}-{index}"
    return cls(client, **fields), fields


@pytest.mark.parametrize("cls_name", REPRESENTATIVE)
def test_instance_create_update_delete(mdc, rsps, cls_name) -> None:
    path = COLLECTION[cls_name]
    module = CLASSES[cls_name]["module_file"]
    obj, fields = build(cls_name, mdc)
    assert obj.id is None
    rsps.add(responses.POST, f"{BASE}{path}/", json={"id": 4711, **fields}, status=201)
    rsps.add(responses.PUT, f"{BASE}{path}/4711", json={"id": 4711, **fields}, status=200)
    rsps.add(responses.DELETE, f"{BASE}{path}/4711", status=204)

    created = obj.create()
    assert created["success"] is True and created["info"] == f"{module} created successfully"
    assert obj.id == 4711
    changed = next(iter(fields))
    setattr(obj, changed, "changed")
    updated = obj.update()
    assert updated["success"] is True and updated["info"] == f"{module} updated successfully"
    deleted = obj.delete()
    assert (deleted["success"], deleted["info"], deleted["data"]) == (True, f"{module} deleted successfully", {})

    (v1, p1, q1, b1), (v2, p2, q2, b2), (v3, p3, q3, b3) = wires(rsps)
    assert (v1, p1, q1) == ("POST", f"{path}/", {})
    assert list(b1) == [module] and b1[module] == fields
    assert (v2, p2, q2) == ("PUT", f"{path}/4711", {})
    assert b2 == {module: {**fields, changed: "changed"}}
    assert (v3, p3, q3, b3) == ("DELETE", f"{path}/4711", {}, None)


def test_failed_create_leaves_the_id_unset(mdc, rsps) -> None:
    obj, _ = build("Run", mdc)
    rsps.add(responses.POST, f"{BASE}runs/", json={"info": {"first_train": ["can't be blank"]}}, status=422)
    res = obj.create()
    assert obj.id is None
    assert (res["success"], res["info"], res["app_info"]) == (
        False, "Error creating run", {"first_train": ["can't be blank"]})


def test_created_with_200_is_a_failure(mdc, rsps) -> None:
    obj, _ = build("Sample", mdc)
    rsps.add(responses.POST, f"{BASE}samples/", json={"id": 3}, status=200)
    res = obj.create()
    assert (res["success"], res["app_info"], obj.id) == (False, "HTTP request status code:200", None)


def test_data_group_repository_with_an_id_updates_that_record(mdc, rsps) -> None:
    dgr = DataGroupRepository(mdc, 3, 11, "true", id=9)
    assert dgr.id == 9
    rsps.add(responses.PUT, f"{BASE}data_groups_repositories/9", json={"id": 9}, status=200)
    assert dgr.update()["success"] is True
    assert wires(rsps) == [("PUT", "data_groups_repositories/9", {},
                            {"data_group_repository": {"data_group_id": 3, "repository_id": 11,
                                                       "flg_available": "true"}})]


@pytest.mark.parametrize(("cls", "path", "module", "id_name"), [
    (Run, "runs", "run", "run_id"), (DataGroup, "data_groups", "data_group", "data_group_id")])
def test_create_from_dict_wraps_and_update_from_dict_does_not(mdc, rsps, cls, path, module, id_name) -> None:
    rsps.add(responses.POST, f"{BASE}{path}/", json={"id": 5}, status=201)
    rsps.add(responses.PUT, f"{BASE}{path}/5", json={"id": 5}, status=200)
    record = {"first_train": "100", "flg_available": "true", "creator_id": -1}
    created = cls.create_from_dict(mdc, dict(record))
    updated = cls.update_from_dict(mdc, 5, dict(record))
    assert created["data"] == {"id": 5} and updated["success"] is True
    assert wires(rsps) == [("POST", f"{path}/", {}, {module: record}), ("PUT", f"{path}/5", {}, record)]
    assert list(inspect.signature(cls.update_from_dict).parameters)[1] == id_name


def test_delete_by_id_and_get_by_id(mdc, rsps) -> None:
    rsps.add(responses.DELETE, f"{BASE}samples/8", json={"info": "Resource not found!"}, status=404)
    rsps.add(responses.GET, f"{BASE}samples/8", json={"id": 8, "name": "s"}, status=200)
    gone = Sample.delete_by_id(mdc, 8)
    assert (gone["success"], gone["info"], gone["app_info"]) == (
        False, "Error deleting sample", "Resource not found!")
    got = Sample.get_by_id(mdc, 8)
    assert (got["success"], got["info"], got["data"]) == (True, "Got sample successfully", {"id": 8, "name": "s"})


# -- "first record" helpers -------------------------------------------------------

FIRSTS = [
    (lambda c: Repository.get_by_name(c, "XFEL GPFS"), "repositories/",
     {"name": "XFEL GPFS", "page": "1", "page_size": "100"}, "repository"),
    (lambda c: Run.get_by_run_number_and_experiment_id(c, 126, -1), "runs/",
     {"run_number": "126", "experiment_id": "-1"}, "run"),
    (lambda c: Sample.get_by_name_and_proposal_id(c, "s1", -1, 2, 5), "samples/",
     {"name": "s1", "proposal_id": "-1", "page": "2", "page_size": "5"}, "sample"),
    (lambda c: Technique.get_by_identifier(c, "PaNET01"), "techniques/",
     {"identifier": "PaNET01", "page": "1", "page_size": "100"}, "technique"),
    (lambda c: Technique.get_by_name(c, "XPCS"), "techniques/",
     {"name": "XPCS", "page": "1", "page_size": "100"}, "technique"),
    (lambda c: Run.get_by_raw_data_groups_run_number_and_proposal_number(c, 126, 900061),
     "runs/all_raw_data_groups_ids", {"run_number": "126", "proposal_number": "900061"}, "run"),
]


@pytest.mark.parametrize(("call", "path", "query", "module"), FIRSTS)
def test_get_by_helpers_keep_the_first_record(mdc, rsps, call, path, query, module) -> None:
    rsps.add(responses.GET, f"{BASE}{path}", json=[{"id": 1}, {"id": 2}], status=200)
    res = call(mdc)
    assert (res["success"], res["info"], res["data"]) == (True, f"Got {module} successfully", {"id": 1})
    assert wires(rsps) == [("GET", path, query, None)]


def test_get_by_helper_on_an_empty_list_fails_like_4_2_1(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}repositories/", body="[]", status=200)
    res = Repository.get_by_name(mdc, "nothing")
    assert (res["success"], res["info"], res["app_info"], res["data"]) == (
        False, "Error getting repository", {}, {})


def test_instrument_statics(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}instruments/", json=[{"id": 1}], status=200)
    Instrument.get_all_from_xfel(mdc)
    Instrument.get_all_by_topic_id(mdc, facility_id=7)
    Instrument.get_by_identifier(mdc, "SPB", 2, 3)
    assert [w[2] for w in wires(rsps)] == [
        {"facility_id": "1", "page": "1", "page_size": "100"},
        {"topic_id": "7", "page": "1", "page_size": "100"},
        {"identifier": "SPB", "page": "2", "page_size": "3"},
    ]


def test_unit_get_all_works(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}units/", json=[{"id": 1}], status=200)
    res = Unit.get_all(mdc, 2, 50)
    assert (res["success"], res["data"]) == (True, [{"id": 1}])
    assert wires(rsps) == [("GET", "units/", {"page": "2", "page_size": "50"}, None)]


def test_proposal_statics(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}proposals/by_number/900061", json={"id": -2}, status=200)
    rsps.add(responses.GET, f"{BASE}proposals/by_number/900061/runs/3", json={"runs": []}, status=200)
    rsps.add(responses.GET, f"{BASE}instruments/2/active_proposal", json={"info": "Resource not found!"},
             status=404)
    assert Proposal.get_by_number(mdc, 900061)["data"] == {"id": -2}
    assert Proposal.get_runs_by_proposal_number(mdc, 900061, 3)["data"] == {"runs": []}
    active = Proposal.get_active_proposal_by_instrument(mdc, 2)
    assert (active["success"], active["info"], active["app_info"]) == (
        False, "Error getting proposal", "Resource not found!")


def test_data_source_group_version_statics(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}data_source_group_versions/", json=[{"id": 9}], status=200)
    rsps.add(responses.PUT, f"{BASE}data_source_group_versions/9", json={"id": 9, "flg_status": "D"}, status=200)
    got = DataSourceGroupVersion.get(mdc, 3, "v1")
    updated = DataSourceGroupVersion.update(mdc, 9, {"flg_status": "D"})
    assert got["data"] == [{"id": 9}]
    assert (updated["success"], updated["info"]) == (True, "Got data_source_group_version successfully")
    assert wires(rsps) == [
        ("GET", "data_source_group_versions/", {"data_source_group_id": "3", "name": "v1"}, None),
        ("PUT", "data_source_group_versions/9", {}, {"flg_status": "D"}),
    ]


# -- set helpers ------------------------------------------------------------------

DGR = {"data_group_id": 88, "repository_id": 11, "flg_available": "true"}
DGR_QUERY = {"data_group_id": "88", "repository_id": "11", "page": "1", "page_size": "100"}


def test_set_from_dict_updates_the_record_it_finds(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}data_groups_repositories/", json=[{"id": 5, **DGR}], status=200)
    rsps.add(responses.PUT, f"{BASE}data_groups_repositories/5", json={"id": 5, **DGR}, status=200)
    res = DataGroupRepository.set_from_dict(mdc, dict(DGR))
    assert (res["success"], res["info"]) == (True, "data_group_repository updated successfully")
    assert wires(rsps) == [("GET", "data_groups_repositories/", DGR_QUERY, None),
                           ("PUT", "data_groups_repositories/5", {}, {"data_group_repository": DGR})]


def test_set_from_dict_creates_when_the_search_answers_exactly_empty(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}data_groups_repositories/", body="[]", status=200)
    rsps.add(responses.POST, f"{BASE}data_groups_repositories/", json={"id": 6, **DGR}, status=201)
    res = DataGroupRepository.set_from_dict(mdc, dict(DGR))
    assert (res["success"], res["info"], res["data"]["id"]) == (
        True, "data_group_repository created successfully", 6)
    assert wires(rsps) == [("GET", "data_groups_repositories/", DGR_QUERY, None),
                           ("POST", "data_groups_repositories/", {}, {"data_group_repository": DGR})]


def test_sample_set_by_name_and_proposal_id(mdc, rsps) -> None:
    sample = {"name": "s1", "proposal_id": -1, "url": "", "flg_available": "true"}
    query = {"name": "s1", "proposal_id": "-1", "page": "1", "page_size": "100"}
    rsps.add(responses.GET, f"{BASE}samples/", body="[]", status=200,
             match=[matchers.query_param_matcher(query)])
    rsps.add(responses.POST, f"{BASE}samples/", json={"id": 7, **sample}, status=201)
    created = Sample.set_by_name_and_proposal_id(mdc, dict(sample))
    assert (created["success"], created["data"]["id"]) == (True, 7)
    rsps.replace(responses.GET, f"{BASE}samples/", json=[{"id": 7, **sample}], status=200)
    found = Sample.set_by_name_and_proposal_id(mdc, dict(sample))
    assert (found["success"], found["info"], found["data"]["id"]) == (True, "Got sample successfully", 7)
    assert [(w[0], w[1], w[3]) for w in wires(rsps)] == [
        ("GET", "samples/", None), ("POST", "samples/", {"sample": sample}), ("GET", "samples/", None)]


def test_technique_set_by_name(mdc, rsps) -> None:
    technique = {"name": "XPCS", "identifier": "PaNET1", "url": "", "flg_available": "true"}
    rsps.add(responses.GET, f"{BASE}techniques/", body="[]", status=200)
    rsps.add(responses.POST, f"{BASE}techniques/", json={"id": 3, **technique}, status=201)
    res = Technique.set_by_name(mdc, dict(technique))
    assert res["data"]["id"] == 3
    assert wires(rsps) == [
        ("GET", "techniques/", {"name": "XPCS", "page": "1", "page_size": "100"}, None),
        ("POST", "techniques/", {}, {"technique": technique})]


def test_set_from_dict_does_not_create_when_the_search_fails(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}data_groups_repositories/", json={"info": "boom"}, status=500)
    res = DataGroupRepository.set_from_dict(mdc, dict(DGR))
    assert res["success"] is False
    assert [w[0] for w in wires(rsps)] == ["GET"]
