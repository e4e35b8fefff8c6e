"""3. Tokens: one fetch per expiry window, one re-fetch per refusal, no 401 for the caller."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from metadata_client import AuthenticationError, UnparseableResponseError
from metadata_client.modules import Run

THREADS = 8
CALLS = 200
PACE = 0.012  # seconds between two calls of a thread, so the storm spans several token lifetimes
LIFETIME = 1.0
LEEWAY = LIFETIME / 10  # the client refreshes a tenth of the lifetime early


def run_threads(count: int, work: Any, timeout: float = 60.0) -> list[BaseException]:
    """Run ``work(index, barrier)`` in ``count`` threads; return what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count, timeout=10)

    def main(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)

    threads = [threading.Thread(target=main, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    end = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "threads still running after the time bound"
    return errors


def test_concurrent_first_calls_fetch_one_token(emu, make_client, rec) -> None:
    with rec("3. 8 threads start with no token: exactly one token fetch", tries=THREADS):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        errors = run_threads(THREADS, lambda i: client.runs.get(-1))
        assert errors == []
        assert client.token_fetches == 1
        assert len(emu.token_log()) == 1


def test_shared_client_with_one_second_tokens(emu, make_client, rec) -> None:
    with rec("3. 8 threads x 200 calls, 1 s tokens: fetches ~ expiry windows, no 401 out",
             tries=THREADS * CALLS) as row:
        emu.control.set_token_lifetime(LIFETIME)  # before the client's first fetch
        client = make_client(timeout=5, max_retries=3, backoff_factor=0.01)
        results: list[bool] = []
        lock = threading.Lock()

        def work(index: int) -> None:
            for n in range(CALLS):
                if (index + n) % 2:
                    ok = client.runs.get(-1)["id"] == -1
                else:
                    ok = Run.get_by_id(client, -2)["success"] is True
                with lock:
                    results.append(ok)
                time.sleep(PACE)

        started = time.monotonic()
        errors = run_threads(THREADS, work, timeout=60)
        elapsed = time.monotonic() - started
        assert errors == [], errors[:3]
        assert len(results) == THREADS * CALLS and all(results)

        log = emu.control.request_log()
        fetched = sum(1 for e in log if e["token_fetch"])
        refused = sum(1 for e in log if e["status"] == 401)
        bound = elapsed / (LIFETIME - LEEWAY) + 2
        rec.note(f"token storm: {THREADS * CALLS} calls in {elapsed:.2f} s, {client.token_fetches} "
                 f"token fetches (bound {bound:.1f}), {refused} 401s absorbed by the client")
        assert client.token_fetches == fetched
        assert fetched <= bound, (fetched, elapsed)
        # The tokens really did expire during the run (so refreshing was exercised).
        assert fetched >= int(elapsed / LIFETIME), (fetched, elapsed)
        assert all(e["status"] == 200 for e in log if e["token_fetch"])
        row.notes.append(f"{fetched} fetches in {elapsed:.1f} s")


def test_revoked_token_is_refetched_exactly_once(emu, make_client, rec) -> None:
    with rec("3. token revoked server-side: exactly one re-fetch, call succeeds", tries=2):
        client = make_client(timeout=5, max_retries=2, backoff_factor=0.01)
        client.runs.get(-1)
        assert emu.control.revoke_tokens() == 1
        assert client.runs.get(-1)["id"] == -1
        assert client.token_fetches == 2
        assert [(e["path"], e["status"]) for e in emu.control.request_log()] == [
            ("/oauth/token", 200), ("/api/runs/-1", 200),
            ("/api/runs/-1", 401), ("/oauth/token", 200), ("/api/runs/-1", 200),
        ]

        # Expired (rather than revoked) server-side, through the 4.2.1 API.
        emu.control.clear_log()
        emu.control.expire_tokens()
        assert Run.get_by_id(client, -1)["success"] is True
        assert client.token_fetches == 3
        assert [(e["path"], e["status"]) for e in emu.control.request_log()] == [
            ("/api/runs/-1", 401), ("/oauth/token", 200), ("/api/runs/-1", 200),
        ]


def test_second_401_with_a_fresh_token_raises(emu, make_client, rec) -> None:
    with rec("3. API refuses a freshly fetched token: AuthenticationError, no loop", tries=1):
        client = make_client(timeout=5, max_retries=3, backoff_factor=0.01)
        client.runs.get(-1)
        emu.control.clear_log()
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=401, count=10)
        with pytest.raises(AuthenticationError):
            client.runs.get(-1)
        assert [(e["path"], e["status"]) for e in emu.control.request_log()] == [
            ("/api/runs/-1", 401), ("/oauth/token", 200), ("/api/runs/-1", 401),
        ]


@pytest.mark.parametrize("who", ["wrong secret", "unknown client"])
def test_invalid_credentials_fail_once(emu, mymdc_server, rec, who) -> None:
    with rec("3. invalid client credentials: AuthenticationError, token endpoint hit once", tries=2):
        from metadata_client import MetadataClient

        client_id = emu.client_id if who == "wrong secret" else "no-such-client"
        client = MetadataClient(client_id, "wrong-" + emu.client_secret, emu.token_url, None, None, "",
                                emu.user_email, emu.api_url, max_retries=3, timeout=5, backoff_factor=0.01)
        try:
            with pytest.raises(AuthenticationError) as caught:
                client.runs.get(-1)
            assert caught.value.status == 401
            assert "invalid_client" in str(caught.value)
            with pytest.raises(AuthenticationError):
                client.get_all_data_group_types()  # the 4.2.1 facade: the same error
        finally:
            client.close()
        log = emu.control.request_log()
        assert [(e["path"], e["status"]) for e in log] == [("/oauth/token", 401)] * 2
        assert client.token_fetches == 2  # one per call, never retried


def test_token_endpoint_5xx_burst_is_retried(emu, make_client, rec) -> None:
    with rec("3. token endpoint 503/502 burst: retried, call succeeds", tries=1):
        client = make_client(timeout=5, max_retries=3, backoff_factor=0.01)
        for status in (503, 502):
            emu.fault(method="POST", path=r"^/oauth/token", action="status", status=status, count=1)
        assert client.runs.get(-1)["id"] == -1
        assert [(e["path"], e["status"]) for e in emu.control.request_log()] == [
            ("/oauth/token", 503), ("/oauth/token", 502), ("/oauth/token", 200), ("/api/runs/-1", 200),
        ]
        assert client.token_fetches == 1


def test_token_endpoint_garbage_is_a_typed_error(emu, make_client, rec) -> None:
    with rec("3. token endpoint answers HTML: UnparseableResponseError, no API call", tries=1):
        client = make_client(timeout=5, max_retries=3, backoff_factor=0.01)
        emu.fault(method="POST", path=r"^/oauth/token", action="garbage", count=1)
        with pytest.raises(UnparseableResponseError):
            client.runs.get(-1)
        assert emu.api_log() == []
        assert client.runs.get(-1)["id"] == -1  # the next call fetches a good token
