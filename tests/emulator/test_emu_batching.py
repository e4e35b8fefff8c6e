"""Pages and bulk creates are served in batches: nested links for a whole page in a
few queries, independent bulk rows validated first and inserted together. The
answers must be those of the record-by-record paths."""

from __future__ import annotations

from typing import Any

import pytest

from metadata_client.emulator.store import Store

from emu_helpers import Api


def _new_run(api: Api, number: int, techniques: list[int]) -> dict[str, Any]:
    links = [{"technique_id": t} for t in techniques]
    return api.ok("POST", "runs/", {"run": {
        "run_number": number, "experiment_id": -1, "first_train": number,
        "runs_techniques_attributes": links}}, 201)


def test_listed_runs_match_single_reads_with_their_techniques(api: Api) -> None:
    made = [_new_run(api, 200 + i, techniques) for i, techniques in
            enumerate(([-1], [], [-2, -1], [-2], [], [-1, -2]))]
    listed = []
    for page in range(1, 4):
        listed += api.ok("GET", f"runs/runs_by_proposal?proposal_number=0&page={page}&page_size=3")
    assert [r["id"] for r in listed] == sorted(r["id"] for r in listed)
    assert {r["id"] for r in made} <= {r["id"] for r in listed}
    for run in listed:
        assert run == api.ok("GET", f"runs/{run['id']}")
        assert list(run) == list(api.ok("GET", f"runs/{run['id']}"))  # same key order
    by_id = {r["id"]: r for r in listed}
    assert [[t["id"] for t in by_id[r["id"]]["techniques"]] for r in made] == \
        [[-1], [], [-2, -1], [-2], [], [-1, -2]]
    links = [t["runs_techniques_id"] for r in made for t in by_id[r["id"]]["techniques"]]
    assert links == sorted(links) and len(set(links)) == len(links)
    assert by_id[made[0]["id"]]["techniques"][0]["flg_available"] in (True, False, None)


def test_page_queries_do_not_grow_with_the_page(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(12):
        _new_run(api, 300 + i, [-1 - i % 2])
    store = api.server.store
    calls: list[str] = []
    original = Store.rows

    def counting(sql: str, *params: Any) -> list[dict[str, Any]]:
        calls.append(sql)
        return original(store, sql, *params)

    monkeypatch.setattr(store, "rows", counting)
    small = api.ok("GET", "runs/runs_by_proposal?proposal_number=0&page=1&page_size=2")
    few = len(calls)
    calls.clear()
    large = api.ok("GET", "runs/runs_by_proposal?proposal_number=0&page=1&page_size=14")
    assert len(small) == 2 and len(large) == 14
    assert len(calls) == few


def _files(count: int, tag: str) -> list[dict[str, Any]]:
    return [{"filename": f"{tag}{i}.h5", "data_group_id": -1, "checksum": f"{i:08x}", "format": "hdf5",
             "byte_size": 10 + i, "flg_available": "true", "file_creation_at": "2024-05-01 10:00:00 +0200"}
            for i in range(count)]


def test_bulk_create_answers_like_single_creates(api: Api) -> None:
    (single,) = _files(1, "single")
    one = api.ok("POST", "dataset_files/", {"dataset_file": single}, 201)
    created = api.ok("POST", "dataset_files/bulk_create", {"dataset_files": _files(5, "bulk")}, 201)
    assert [f["filename"] for f in created] == [f"bulk{i}.h5" for i in range(5)]
    ids = [f["id"] for f in created]
    assert ids == sorted(ids) and ids[0] > one["id"]
    for record in created:
        assert record == api.ok("GET", f"dataset_files/{record['id']}")
        assert list(record) == list(one)
    skip = ("id", "filename", "checksum", "byte_size", "created_at", "updated_at")
    assert {k: v for k, v in created[0].items() if k not in skip} == {k: v for k, v in one.items() if k not in skip}
    assert created[0]["created_at"] == created[0]["updated_at"]


def test_bulk_create_reports_every_bad_item_and_stores_none(api: Api) -> None:
    store = api.server.store
    before = store.count("dataset_files")
    items = _files(4, "bad")
    items[1] = {**items[1], "checksum": "xyz"}
    items[3] = {**items[3], "data_group_id": 424242, "format": "png", "byte_size": "many"}
    response = api.post("dataset_files/bulk_create", {"dataset_files": items})
    assert response.status_code == 422
    expected: dict[str, list[str]] = {}
    for index in (1, 3):
        single = api.post("dataset_files/", {"dataset_file": items[index]})
        assert single.status_code == 422
        expected.update({f"dataset_files[{index}].{k}": v for k, v in single.json()["info"].items()})
    assert response.json() == {"info": expected}
    assert "dataset_files[3].data_group_id" in expected and "dataset_files[1].checksum" in expected
    assert store.count("dataset_files") == before
    api.ok("POST", "dataset_files/bulk_create", {"dataset_files": _files(2, "good")}, 201)
    assert store.count("dataset_files") == before + 2


def test_bulk_create_reports_a_missing_reference_on_every_item(api: Api) -> None:
    # Found references are remembered within a request; missing ones never are.
    items = [{**item, "data_group_id": 999999} for item in _files(3, "gone")]
    response = api.post("dataset_files/bulk_create", {"dataset_files": items})
    assert response.status_code == 422
    assert response.json()["info"] == {f"dataset_files[{i}].data_group_id": ["must exist"] for i in range(3)}


def test_insert_many_guards(api: Api) -> None:
    store = api.server.store
    row = {"filename": "g.h5", "data_group_id": -1, "checksum": "00000000"}
    with pytest.raises(RuntimeError):
        store.insert_many("dataset_files", [row])
    with store.transaction(), pytest.raises(ValueError):
        store.insert_many("dataset_files", [row, {**row, "format": "hdf5"}])
    with store.transaction():
        stored = store.insert_many("dataset_files", [row, {**row, "filename": "h.h5"}])
        assert [r["filename"] for r in stored] == ["g.h5", "h.h5"] and stored[0]["id"] < stored[1]["id"]
        assert store.insert_many("dataset_files", []) == []
