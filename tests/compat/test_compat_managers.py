"""The modern managers (``client.runs``, ``client.proposals``, ...) over a mocked server."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from metadata_client import (BulkError, MetadataClientError, NotFoundError, PermissionDeniedError,
                             ServerError, ValidationError)
from metadata_client.resources.table import RESOURCES

from compat_helpers import BASE, api_calls, wires


def test_every_resource_has_a_manager(mdc) -> None:
    for resource in RESOURCES:
        assert getattr(mdc, resource.path).resource is resource


# -- the verbs ----------------------------------------------------------------------

def test_get_list_create_update_delete_wire_shapes(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}runs/5", json={"id": 5, "run_number": 1}, status=200)
    rsps.add(responses.GET, f"{BASE}runs/", json=[{"id": 5}], status=200)
    rsps.add(responses.POST, f"{BASE}runs/", json={"id": 6, "run_number": 2}, status=201)
    rsps.add(responses.PUT, f"{BASE}runs/6", json={"id": 6, "first_train": 9}, status=200)
    rsps.add(responses.DELETE, f"{BASE}runs/6", status=204)

    assert mdc.runs.get(5) == {"id": 5, "run_number": 1}
    assert mdc.runs.list(run_number=1, experiment_id=-1) == [{"id": 5}]
    assert mdc.runs.list(run_number=1, page=3, page_size=7) == [{"id": 5}]
    assert mdc.runs.create(run_number=2, experiment_id=-1, first_train=1, run_alias="a b") == {
        "id": 6, "run_number": 2}
    assert mdc.runs.update(6, first_train=9) == {"id": 6, "first_train": 9}
    assert mdc.runs.delete(6) is None
    assert wires(rsps) == [
        ("GET", "runs/5", {}, None),
        ("GET", "runs/", {"run_number": "1", "experiment_id": "-1", "page": "1", "page_size": "100"}, None),
        ("GET", "runs/", {"run_number": "1", "page": "3", "page_size": "7"}, None),
        ("POST", "runs/", {}, {"run": {"run_number": 2, "experiment_id": -1, "first_train": 1, "run_alias": "a b"}}),
        ("PUT", "runs/6", {}, {"run": {"first_train": 9}}),
        ("DELETE", "runs/6", {}, None),
    ]


def test_list_without_filters(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}units/", json=[], status=200)
    assert mdc.units.list() == []
    assert wires(rsps) == [("GET", "units/", {"page": "1", "page_size": "100"}, None)]


def test_get_of_a_string_identifier_is_encoded_safely(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}runs/abc-1.2", json={"id": 1}, status=200)
    mdc.runs.get("abc-1.2")
    assert wires(rsps)[0][1] == "runs/abc-1.2"


# -- refused before sending ---------------------------------------------------------

BAD_CALLS = [
    ("list-unknown-filter", lambda c: c.runs.list(bogus=1)),
    ("list-unknown-filter-2", lambda c: c.samples.list(name="x", proposal=1)),
    ("iter-unknown-filter", lambda c: c.runs.iter(nope=2)),
    ("list-page-0", lambda c: c.runs.list(page=0)),
    ("list-page-size-501", lambda c: c.runs.list(page_size=501)),
    ("iter-page-size-0", lambda c: c.runs.iter(page_size=0)),
    ("by-proposal-page-size-501", lambda c: c.runs.by_proposal(1, page_size=501)),
    ("by-proposal-None", lambda c: c.runs.by_proposal(None)),
    ("list-filter-None", lambda c: c.runs.list(run_number=None)),
    ("create-unknown-field", lambda c: c.runs.create(run_number=1, experiment_id=-1, first_train=1, bogus=True)),
    ("create-missing-required", lambda c: c.runs.create(run_number=1, experiment_id=-1)),
    ("create-required-None", lambda c: c.runs.create(run_number=1, experiment_id=-1, first_train=None)),
    ("create-sample-missing-proposal", lambda c: c.samples.create(name="s")),
    ("update-unknown-field", lambda c: c.runs.update(5, nonsense=1)),
    ("update-no-field", lambda c: c.runs.update(5)),
    ("get-dotdot", lambda c: c.runs.get("../etc")),
    ("get-slash", lambda c: c.runs.get("a/b")),
    ("get-None", lambda c: c.runs.get(None)),
    ("get-bool", lambda c: c.runs.get(True)),
    ("delete-dotdot", lambda c: c.runs.delete("..")),
    ("update-space-id", lambda c: c.runs.update("x y", first_train=1)),
    ("by-number-slash", lambda c: c.proposals.by_number("1/../2")),
    ("proposal-runs-slash", lambda c: c.proposals.runs(5, run_number="a/b")),
    ("active-proposal-None", lambda c: c.instruments.active_proposal(None)),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[n for n, _ in BAD_CALLS])
def test_bad_arguments_raise_before_anything_is_sent(mdc, rsps, call) -> None:
    with pytest.raises(ValueError):
        call(mdc)
    assert api_calls(rsps) == []


def test_create_checks_fields_against_the_resource(mdc, rsps) -> None:
    with pytest.raises(ValueError, match="first_train"):
        mdc.runs.create(run_number=1, experiment_id=-1)
    with pytest.raises(ValueError, match="bogus"):
        mdc.samples.create(name="s", proposal_id=-1, bogus=1)
    assert api_calls(rsps) == []


# -- typed errors -------------------------------------------------------------------

def test_not_found_error(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}runs/999", json={"info": "Resource not found!"}, status=404)
    with pytest.raises(NotFoundError) as caught:
        mdc.runs.get(999)
    assert caught.value.status == 404 and caught.value.info == "Resource not found!"
    assert caught.value.method == "GET" and caught.value.url == f"{BASE}runs/999"


def test_validation_error_carries_the_field_messages(mdc, rsps) -> None:
    errors = {"experiment_id": ["has already been taken"],
              "run_number": ["must be unique per proposal", "has already been taken"]}
    rsps.add(responses.POST, f"{BASE}runs/", json={"info": errors}, status=422)
    with pytest.raises(ValidationError) as caught:
        mdc.runs.create(run_number=1, experiment_id=-1, first_train=1)
    assert caught.value.errors == errors and caught.value.status == 422
    assert len(api_calls(rsps)) == 1  # a POST is never repeated


def test_other_error_classes(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}users/1", json={"info": "Incorrect request header: 'X-User-Email'!"},
             status=403)
    with pytest.raises(PermissionDeniedError):
        mdc.users.get(1)
    with pytest.raises(NotImplementedError):
        mdc.users.delete(1)  # the API offers no user deletion
    rsps.add(responses.GET, f"{BASE}units/1", json={"info": "x"}, status=500)
    with pytest.raises(ServerError):
        mdc.units.get(1)


# -- iter ------------------------------------------------------------------------------

def page_matcher(page: int, page_size: int, **filters):
    query = {**{k: str(v) for k, v in filters.items()}, "page": str(page), "page_size": str(page_size)}
    return [matchers.query_param_matcher(query)]


def test_iter_follows_x_total_pages_even_through_short_pages(mdc, rsps) -> None:
    # the server serves fewer records than asked; the header says there are 3 pages
    for page, ids in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        rsps.add(responses.GET, f"{BASE}samples/", json=[{"id": i} for i in ids], status=200,
                 headers={"X-Total-Pages": "3"}, match=page_matcher(page, 10, proposal_id=-1))
    iterator = mdc.samples.iter(proposal_id=-1, page_size=10)
    assert api_calls(rsps) == []  # lazy
    assert [r["id"] for r in iterator] == [1, 2, 3, 4, 5]
    assert [w[2]["page"] for w in wires(rsps)] == ["1", "2", "3"]


def test_iter_stops_at_x_total_pages_even_when_pages_are_full(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}samples/", json=[{"id": 1}, {"id": 2}], status=200,
             headers={"X-Total-Pages": "1"}, match=page_matcher(1, 2))
    assert [r["id"] for r in mdc.samples.iter(page_size=2)] == [1, 2]
    assert len(api_calls(rsps)) == 1


def test_iter_without_the_header_stops_on_a_short_page(mdc, rsps) -> None:
    for page, ids in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        rsps.add(responses.GET, f"{BASE}runs/", json=[{"id": i} for i in ids], status=200,
                 match=page_matcher(page, 2, run_number=7))
    assert [r["id"] for r in mdc.runs.iter(run_number=7, page_size=2)] == [1, 2, 3, 4, 5]
    assert len(api_calls(rsps)) == 3


def test_iter_without_the_header_stops_on_an_empty_page(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}runs/", json=[{"id": 1}, {"id": 2}], status=200, match=page_matcher(1, 2))
    rsps.add(responses.GET, f"{BASE}runs/", body="[]", status=200, match=page_matcher(2, 2))
    assert [r["id"] for r in mdc.runs.iter(page_size=2)] == [1, 2]
    assert len(api_calls(rsps)) == 2


def test_iter_default_page_size_is_the_maximum(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}units/", json=[{"id": 1}], status=200)
    assert list(mdc.units.iter()) == [{"id": 1}]
    assert wires(rsps)[0][2] == {"page": "1", "page_size": "500"}


def test_runs_by_proposal_pages_too(mdc, rsps) -> None:
    for page, ids in ((1, [1, 2]), (2, [3])):
        rsps.add(responses.GET, f"{BASE}runs/runs_by_proposal", json=[{"id": i} for i in ids], status=200,
                 headers={"X-Total-Pages": "2"}, match=page_matcher(page, 2, proposal_number=900061))
    assert [r["id"] for r in mdc.runs.by_proposal(900061, page_size=2)] == [1, 2, 3]


# -- bulk ---------------------------------------------------------------------------

FILES = [{"filename": f"r0001/s{i:04d}.h5", "data_group_id": 88, "checksum": f"c{i}"} for i in range(7)]


def echo_created(request):
    import json
    body = json.loads(request.body)
    return 201, {}, json.dumps([{"id": 1000 + int(f["checksum"][1:]), **f} for f in body["dataset_files"]])


def test_bulk_create_chunks_and_reports_progress(mdc, rsps) -> None:
    rsps.add_callback(responses.POST, f"{BASE}dataset_files/bulk_create", callback=echo_created)
    seen = []
    done = mdc.dataset_files.bulk_create(FILES, chunk_size=3, progress=lambda n, total: seen.append((n, total)))
    assert [d["id"] for d in done] == [1000 + i for i in range(7)]
    assert seen == [(3, 7), (6, 7), (7, 7)]
    bodies = [w[3] for w in wires(rsps)]
    assert bodies == [{"dataset_files": FILES[0:3]}, {"dataset_files": FILES[3:6]}, {"dataset_files": FILES[6:]}]


def test_bulk_create_failure_says_what_was_done(mdc, rsps) -> None:
    answers = iter([(201, {}, '[{"id": 1}, {"id": 2}, {"id": 3}]'),
                    (422, {}, '{"info": {"checksum": ["is invalid"]}}')])
    rsps.add_callback(responses.POST, f"{BASE}dataset_files/bulk_create", callback=lambda r: next(answers))
    seen = []
    with pytest.raises(BulkError) as caught:
        mdc.dataset_files.bulk_create(FILES, chunk_size=3, progress=lambda n, t: seen.append(n))
    error = caught.value
    assert isinstance(error, MetadataClientError)
    assert error.done == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert error.uncertain == FILES[3:6]
    assert error.not_sent == FILES[6:]
    assert isinstance(error.cause, ValidationError) and error.status == 422
    assert seen == [3]
    assert len(api_calls(rsps)) == 2


def test_bulk_create_first_chunk_failing(mdc, rsps) -> None:
    rsps.add(responses.POST, f"{BASE}dataset_files/bulk_create", json={"info": "boom"}, status=500)
    with pytest.raises(BulkError) as caught:
        mdc.dataset_files.bulk_create(FILES, chunk_size=5)
    assert (caught.value.done, caught.value.uncertain, caught.value.not_sent) == ([], FILES[:5], FILES[5:])
    assert len(api_calls(rsps)) == 1


@pytest.mark.parametrize("chunk_size", [0, -1, True, 2.5, "3"])
def test_bulk_create_refuses_bad_chunk_sizes(mdc, rsps, chunk_size) -> None:
    with pytest.raises(ValueError):
        mdc.dataset_files.bulk_create(FILES, chunk_size=chunk_size)
    assert api_calls(rsps) == []


def test_other_bulk_operations(mdc, rsps) -> None:
    rsps.add(responses.POST, f"{BASE}dataset_files/bulk_update", json=[{"id": 1}], status=200)
    rsps.add(responses.POST, f"{BASE}dataset_files/bulk_check", json=[{"exists": True}], status=200)
    rsps.add(responses.POST, f"{BASE}dataset_files/bulk_delete", json={"info": "ok"}, status=200)
    rsps.add(responses.POST, f"{BASE}parameters/bulk_create", json=[{"id": 1}], status=201)
    rsps.add(responses.POST, f"{BASE}parameters/bulk_delete", status=204)
    mdc.dataset_files.bulk_update([{"id": 1, "checksum": "x"}])
    mdc.dataset_files.bulk_check([{"filename": "a"}])
    mdc.dataset_files.bulk_delete(88, [1, 2])
    mdc.parameters.bulk_create([{"name": "p"}, {"name": "q"}], chunk_size=1)
    mdc.parameters.bulk_delete(88)
    assert [(w[1], w[3]) for w in wires(rsps)] == [
        ("dataset_files/bulk_update", {"dataset_files": [{"id": 1, "checksum": "x"}]}),
        ("dataset_files/bulk_check", {"dataset_files": [{"filename": "a"}]}),
        ("dataset_files/bulk_delete", {"dataset_file": {"ids": [1, 2], "data_group_id": 88}}),
        ("parameters/bulk_create", {"parameters": [{"name": "p"}]}),
        ("parameters/bulk_create", {"parameters": [{"name": "q"}]}),
        ("parameters/bulk_delete", {"parameter": {"data_group_id": 88}}),
    ]


# -- special methods ------------------------------------------------------------------

SPECIALS = [
    (lambda c: c.proposals.by_number(900061), "proposals/by_number/900061", {}),
    (lambda c: c.proposals.daq_info(900061), "proposals/by_number_daq_info/900061", {}),
    (lambda c: c.proposals.runs(900061), "proposals/by_number/900061/runs", {"page": "1", "page_size": "100"}),
    (lambda c: c.proposals.runs(900061, 3, page=2, page_size=1), "proposals/by_number/900061/runs/3",
     {"page": "2", "page_size": "1"}),
    (lambda c: c.instruments.active_proposal(2), "instruments/2/active_proposal", {}),
    (lambda c: c.runs.raw_data_group_ids(126, 0), "runs/all_raw_data_groups_ids",
     {"run_number": "126", "proposal_number": "0"}),
    (lambda c: c.users.me(), "me", {}),
    (lambda c: c.data_files.search(126, 0), "data_files/search_data_files",
     {"run_number": "126", "proposal_number": "0"}),
    (lambda c: c.dataset_files.search(126, 0), "dataset_files/search_dataset_files",
     {"run_number": "126", "proposal_number": "0"}),
]


@pytest.mark.parametrize(("call", "path", "query"), SPECIALS)
def test_special_methods(mdc, rsps, call, path, query) -> None:
    answer = {"proposal": {"id": -1}, "runs": []} if "runs" in path and "raw" not in path else [1, 2]
    rsps.add(responses.GET, f"{BASE}{path}", json=answer, status=200)
    assert call(mdc) == answer
    assert wires(rsps) == [("GET", path, query, None)]


def test_special_method_errors_are_typed(mdc, rsps) -> None:
    rsps.add(responses.GET, f"{BASE}proposals/by_number/12345", json={"info": "Proposal number 12345 not found"},
             status=404)
    with pytest.raises(NotFoundError) as caught:
        mdc.proposals.by_number(12345)
    assert caught.value.info == "Proposal number 12345 not found"


def test_data_source_group_version_update_is_unwrapped(mdc, rsps) -> None:
    rsps.add(responses.PUT, f"{BASE}data_source_group_versions/9", json={"id": 9, "flg_status": "D"}, status=200)
    assert mdc.data_source_group_versions.update(9, flg_status="D") == {"id": 9, "flg_status": "D"}
    assert wires(rsps) == [("PUT", "data_source_group_versions/9", {}, {"flg_status": "D"})]
