"""5. Nothing lost, nothing half-written: multi-step DAQ operations under failure.

After each failure the result must name exactly the records that exist,
and the emulator's store must agree.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from metadata_client import ConnectionFailed, MetadataClientError

RUN_NUMBER = 901


def run_dict(number: int = RUN_NUMBER, **extra: Any) -> dict[str, Any]:
    return {"run_number": number, "begin_at": "2026-11-27T10:00:00.000+01:00", "first_train": 100,
            "runs_techniques_attributes": [{"technique_id": -1}], **extra}


def group_dict(number: int = RUN_NUMBER) -> dict[str, Any]:
    return {"data_group_type_id": 1, "creator_id": -1, "prefix_path": f"/tmp/xfel/p000000/r{number:04d}"}


FILES = [{"filename": "RAW-R0901-DA01-S00000.h5", "relative_path": "raw/r0901"},
         {"filename": "RAW-R0901-DA01-S00001.h5", "relative_path": "raw/r0901"}]
CLOSE = {"end_at": "2026-11-27T10:05:00.000+01:00", "last_train": 4000}

# table -> the key of the result's ``data`` naming the record created in it
CREATED = {"runs": "run_id", "data_groups": "data_group_id", "data_files": "data_file_id"}


def counts(emu) -> dict[str, int]:
    return {table: emu.store.count(table) for table in CREATED}


def assert_result_matches_store(emu, before: dict[str, int], res: dict[str, Any]) -> None:
    """Each table grew by one exactly when the result names a record of it, which then exists."""
    data = res.get("data") if isinstance(res.get("data"), dict) else {}
    after = counts(emu)
    for table, key in CREATED.items():
        named = data.get(key)
        grown = after[table] - before[table]
        if named:
            assert emu.store.get(table, int(named)) is not None, (table, named, res)
            assert grown == 1, (table, grown, res)
        else:
            assert grown == 0, f"{table}: {grown} record(s) exist that the result does not name: {res}"


# -- register_run rolls the run back when the data group fails ---------------------------

DATA_GROUP_FAILURES = {
    "422": dict(action="status", status=422, body='{"info": {"prefix_path": ["is invalid"]}}'),
    "500": dict(action="status", status=500),
    "503 (POST not retried)": dict(action="status", status=503),
    "garbage": dict(action="garbage"),
}


@pytest.mark.parametrize("failure", list(DATA_GROUP_FAILURES))
def test_register_run_removes_the_run_when_the_data_group_fails(emu, make_client, rec, failure) -> None:
    with rec("5. register_run, data-group step fails: run gone, result and store agree", tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        emu.fault(method="POST", path=r"^/api/data_groups/?$", count=1, **DATA_GROUP_FAILURES[failure])
        res = client.register_run(-1, -1, run_dict(), group_dict())
        assert res["success"] is False, res
        assert "deleted again" in res["info"], res
        assert emu.store.count("runs", run_number=RUN_NUMBER) == 0
        assert_result_matches_store(emu, before, res)
        # Server side: the only writes were the two creates and the run's deletion
        # (reads in between are the client checking an uncertain outcome).
        writes = [(e["method"], e["path"].rstrip("/"), e["status"]) for e in emu.api_log() if e["method"] != "GET"]
        run_id = emu.log(r"^/api/runs/?$", "POST")[0]
        assert [(m, p.rsplit("/", 1)[0]) for m, p, _ in writes] == [
            ("POST", "/api"), ("POST", "/api"), ("DELETE", "/api/runs")], writes
        assert writes[2][2] == 204 and run_id["status"] == 201


def test_register_run_removes_the_run_on_a_validation_failure(emu, make_client, rec) -> None:
    with rec("5. register_run, data-group step fails: run gone, result and store agree", tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        res = client.register_run(-1, -1, run_dict(), {**group_dict(), "prefix_path": None})
        assert res["success"] is False and "deleted again" in res["info"], res
        assert emu.store.count("runs", run_number=RUN_NUMBER) == 0
        assert_result_matches_store(emu, before, res)


def test_register_run_removes_the_run_when_the_data_group_request_is_dropped(emu, make_client, rec) -> None:
    with rec("5. register_run, data-group connection dropped: run gone, error says so", tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        emu.fault(method="POST", path=r"^/api/data_groups/?$", action="drop", count=1)
        with pytest.raises(ConnectionFailed) as caught:
            client.register_run(-1, -1, run_dict(), group_dict())
        assert "deleted again" in str(caught.value)
        assert emu.store.count("runs", run_number=RUN_NUMBER) == 0
        assert counts(emu) == before


@pytest.mark.parametrize("action", ["status", "drop", "garbage", "truncate"])
def test_register_run_when_the_data_group_answer_is_lost(emu, make_client, rec, action) -> None:
    """The server stored the data group but its answer was lost: whatever the
    client decides (keep the registration or undo it), nothing is half-written."""
    with rec("5. register_run, data group stored but its answer lost: nothing half-written",
             tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        emu.fault(method="POST", path=r"^/api/data_groups/?$", action=action,
                  status=500 if action == "status" else None, after=True, count=1)
        try:
            res = client.register_run(-1, -1, run_dict(), group_dict())
        except MetadataClientError as exc:
            res = {"success": False, "info": str(exc), "data": {}}
        assert_result_matches_store(emu, before, res)
        runs = emu.store.count("runs", run_number=RUN_NUMBER)
        if res["success"]:
            group = emu.store.get("data_groups", int(res["data"]["data_group_id"]))
            assert group["prefix_path"] == group_dict()["prefix_path"]
            assert runs == 1
        else:
            assert runs == 0


# -- register_run_data_and_results failing at each step ------------------------------------

STEPS = {
    "run create": [dict(method="POST", path=r"^/api/runs/?$", action="status", status=500)],
    "data group create": [dict(method="POST", path=r"^/api/data_groups/?$", action="status", status=422)],
    "data group create, rollback refused": [
        dict(method="POST", path=r"^/api/data_groups/?$", action="status", status=500),
        dict(method="DELETE", path=r"^/api/runs/", action="status", status=500, count=5)],
    "data group update": [dict(method="PUT", path=r"^/api/data_groups/", action="status", status=500)],
    "data file create": [dict(method="POST", path=r"^/api/data_files/?$", action="status", status=500)],
    "data file create (garbage answer)": [dict(method="POST", path=r"^/api/data_files/?$", action="garbage")],
    "close": [dict(method="PUT", path=r"^/api/runs/", action="status", status=500)],
    "close (validation)": [dict(method="PUT", path=r"^/api/runs/", action="status", status=422,
                                body='{"info": {"last_train": ["is invalid"]}}')],
    "no failure": [],
}
# which records the result must name after a failure at that step
NAMED = {
    "run create": set(),
    "data group create": set(),
    "data group create, rollback refused": {"run_id"},
    "data group update": {"run_id", "data_group_id"},
    "data file create": {"run_id", "data_group_id"},
    "data file create (garbage answer)": {"run_id", "data_group_id"},
    "close": {"run_id", "data_group_id", "data_file_id"},
    "close (validation)": {"run_id", "data_group_id", "data_file_id"},
    "no failure": {"run_id", "data_group_id", "data_file_id"},
}


@pytest.mark.parametrize("step", list(STEPS))
def test_register_run_data_and_results_failing_at_each_step(emu, make_client, rec, step) -> None:
    with rec("5. register_run_data_and_results fails at each step: result == store", tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        for spec in STEPS[step]:
            emu.fault(**{"count": 1, **spec})
        res = client.register_run_data_and_results(-1, -1, run_dict(**CLOSE), group_dict(), FILES)
        assert res["success"] is (step == "no failure"), res
        data = res["data"] if isinstance(res["data"], dict) else {}
        named = {key for key in CREATED.values() if data.get(key)}
        assert named == NAMED[step], (step, res)
        assert_result_matches_store(emu, before, res)
        if data.get("run_id"):
            run = emu.store.get("runs", int(data["run_id"]))
            assert (run["flg_status"] == 2) is (step == "no failure"), run  # closed only at the end


@pytest.mark.parametrize("action", ["status", "drop"])
def test_register_run_data_and_results_when_the_data_file_answer_is_lost(emu, make_client, rec,
                                                                         action) -> None:
    with rec("5. register_run_data_and_results, data file stored but answer lost: result == store",
             tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        emu.fault(method="POST", path=r"^/api/data_files/?$", action=action,
                  status=500 if action == "status" else None, after=True, count=1)
        try:
            res = client.register_run_data_and_results(-1, -1, run_dict(**CLOSE), group_dict(), FILES)
        except MetadataClientError as exc:
            pytest.fail(f"the run and its data group exist, but the caller got no ids: {exc!r}")
        assert_result_matches_store(emu, before, res)
        assert res["data"].get("data_file_id") or res["success"] is False


LOST = {
    "run create answered 500 after storing": [
        dict(method="POST", path=r"^/api/runs/?$", action="status", status=500, after=True)],
    "run create answered 503 after storing": [
        dict(method="POST", path=r"^/api/runs/?$", action="status", status=503, after=True)],
    "run create connection dropped after storing": [
        dict(method="POST", path=r"^/api/runs/?$", action="drop", after=True)],
    "rollback DELETE answered 500 after deleting": [
        dict(method="POST", path=r"^/api/data_groups/?$", action="status", status=422),
        dict(method="DELETE", path=r"^/api/runs/", action="status", status=500, after=True)],
    "rollback DELETE answered 503 after deleting (retry gets 404)": [
        dict(method="POST", path=r"^/api/data_groups/?$", action="status", status=422),
        dict(method="DELETE", path=r"^/api/runs/", action="status", status=503, after=True)],
    "rollback DELETE connection dropped after deleting": [
        dict(method="POST", path=r"^/api/data_groups/?$", action="status", status=422),
        dict(method="DELETE", path=r"^/api/runs/", action="drop", after=True)],
}


@pytest.mark.parametrize("step", list(LOST))
def test_register_run_data_and_results_when_an_answer_is_lost(emu, make_client, rec, step) -> None:
    with rec("5. register_run_data_and_results, run create / rollback answer lost: result == store",
             tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        before = counts(emu)
        for spec in LOST[step]:
            emu.fault(**{"count": 1, **spec})
        try:
            res = client.register_run_data_and_results(-1, -1, run_dict(**CLOSE), group_dict(), FILES)
        except MetadataClientError as exc:  # an exception names no record
            res = {"success": False, "info": str(exc), "data": {}}
        assert_result_matches_store(emu, before, res)


# -- close_run is idempotent ------------------------------------------------------------------


def test_close_run_twice_gives_the_same_state(emu, make_client, rec) -> None:
    with rec("5. close_run called twice: same final state", tries=2):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        reg = client.register_run(-1, -1, run_dict(), group_dict())
        assert reg["success"], reg
        run_id, group_id = reg["data"]["run_id"], reg["data"]["data_group_id"]
        closing = {**CLOSE, "runs_techniques_attributes": [{"technique_id": -2}]}

        def state() -> tuple[Any, ...]:
            run = {k: v for k, v in emu.store.get("runs", int(run_id)).items() if k != "updated_at"}
            links = sorted(r["technique_id"] for r in emu.store.select("runs_techniques", {"run_id": int(run_id)}))
            seen = {k: v for k, v in client.runs.get(int(run_id)).items() if k != "updated_at"}
            return run, links, seen, counts(emu)

        first = client.close_run(-1, -1, run_id, group_id, dict(closing))
        assert first["success"], first
        once = state()
        second = client.close_run(-1, -1, run_id, group_id, dict(closing))
        assert second["success"], second
        assert second["data"] == first["data"]
        assert state() == once
        assert once[0]["flg_status"] == 2 and once[1] == [-2, -1]


# -- replica registration under concurrent calls -----------------------------------------------

REPOSITORY = "XFEL_GPFS_OFFLINE_RAW_CC"
REPOSITORY_ID = 11


def test_concurrent_register_and_unregister_replica_stay_consistent(emu, make_client, rec) -> None:
    with rec("5. concurrent (un)register_run_replica: one row per pair, last call wins, none fails") as row:
        client = make_client(timeout=10, max_retries=2, backoff_factor=0.01)
        number = 902
        reg = client.register_run(-1, -1, run_dict(number), group_dict(number))
        assert reg["success"], reg
        group_id = int(reg["data"]["data_group_id"])
        calls: list[tuple[float, float, str, bool]] = []
        lock = threading.Lock()

        def one(op: str) -> None:
            started = time.monotonic()
            call = client.register_run_replica if op == "true" else client.unregister_run_replica
            res = call("000000", number, REPOSITORY)
            with lock:
                calls.append((started, time.monotonic(), op, bool(res["success"])))

        def storm(ops_of: Any, threads: int = 8) -> None:
            barrier = threading.Barrier(threads, timeout=10)
            errors: list[BaseException] = []

            def main(i: int) -> None:
                try:
                    barrier.wait()
                    for op in ops_of(i):
                        one(op)
                except BaseException as exc:  # reported below
                    errors.append(exc)

            workers = [threading.Thread(target=main, args=(i,), daemon=True) for i in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(30)
            assert not any(w.is_alive() for w in workers)
            assert errors == [], errors[:3]

        def rows() -> list[dict[str, Any]]:
            return emu.store.select("data_groups_repositories",
                                    {"data_group_id": group_id, "repository_id": REPOSITORY_ID})

        def flag() -> str:
            (only,) = rows()
            return "true" if only["flg_available"] else "false"

        # Round 1: mixed, interleaved; the first calls race to create the row.
        storm(lambda i: ["true" if (i + n) % 2 else "false" for n in range(6)])
        done = [c for c in calls if c[3]]
        assert len(rows()) == 1, rows()
        last_start = max(c[0] for c in done)
        candidates = {c[2] for c in done if c[1] >= last_start}
        assert flag() in candidates, (flag(), candidates)
        # Rounds 2 and 3: every thread asks the same, so the last call's flag is known.
        for wanted in ("false", "true"):
            storm(lambda i, w=wanted: [w, w])
            assert len(rows()) == 1, rows()
            assert flag() == wanted
        failed = sum(1 for c in calls if not c[3])
        row.tries += len(calls)
        rec.note(f"replica storm: {len(calls)} concurrent (un)register calls, {failed} returned success False")
        assert failed == 0, "a concurrent call must not fail because another one raced it"
        assert emu.store.count("data_groups_repositories", data_group_id=group_id) == 1
        assert all(e["status"] < 500 for e in emu.api_log())


def test_two_concurrent_first_registrations_both_succeed(emu, make_client, rec) -> None:
    """Made deterministic with delays: both look-ups are answered before either create lands."""
    with rec("5. two concurrent first register_run_replica calls both succeed", tries=2):
        client = make_client(timeout=10, max_retries=2, backoff_factor=0.01)
        number = 903
        reg = client.register_run(-1, -1, run_dict(number), group_dict(number))
        assert reg["success"], reg
        emu.fault(method="GET", path=r"^/api/data_groups_repositories", action="delay", delay=0.2, count=2)
        emu.fault(method="POST", path=r"^/api/data_groups_repositories", action="delay", delay=0.4, count=2)
        results: list[dict[str, Any]] = []
        barrier = threading.Barrier(2, timeout=10)

        def main() -> None:
            barrier.wait()
            results.append(client.register_run_replica("000000", number, REPOSITORY))

        workers = [threading.Thread(target=main, daemon=True) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(20)
        group_id = int(reg["data"]["data_group_id"])
        assert emu.store.count("data_groups_repositories", data_group_id=group_id) == 1
        assert [r["success"] for r in results] == [True, True], results


# -- chunked bulk creation: the error says what was stored ----------------------------------

def dataset_files(count: int) -> list[dict[str, Any]]:
    return [{"filename": f"bulk-{n:03d}.h5", "data_group_id": -1, "checksum": "0badf00d",
             "format": "hdf5", "flg_available": True} for n in range(count)]


@pytest.mark.parametrize("after", [False, True], ids=["refused", "stored, answer lost"])
def test_bulk_create_failing_mid_way_names_what_was_stored(emu, make_client, rec, after) -> None:
    from metadata_client import BulkError

    with rec("5. bulk create failing at chunk 2 of 3: BulkError done/uncertain/not_sent == store",
             tries=1):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        files = dataset_files(5)
        # the second chunk's request fails (the first one passes untouched)
        emu.fault(method="POST", path=r"^/api/dataset_files/bulk_create", action="delay", delay=0.0, count=1)
        emu.fault(method="POST", path=r"^/api/dataset_files/bulk_create", action="status", status=500,
                  after=after, count=1)
        with pytest.raises(BulkError) as caught:
            client.dataset_files.bulk_create(files, chunk_size=2)
        error = caught.value
        assert [f["filename"] for f in error.done] == ["bulk-000.h5", "bulk-001.h5"]
        assert [f["filename"] for f in error.uncertain] == ["bulk-002.h5", "bulk-003.h5"]
        assert [f["filename"] for f in error.not_sent] == ["bulk-004.h5"]
        stored = sorted(r["filename"] for r in emu.store.select("dataset_files", {"data_group_id": -1})
                        if r["filename"].startswith("bulk-"))
        expected = ["bulk-000.h5", "bulk-001.h5"] + (["bulk-002.h5", "bulk-003.h5"] if after else [])
        assert stored == expected
        assert len(emu.log(r"^/api/dataset_files/bulk_create", "POST")) == 2  # nothing resent
