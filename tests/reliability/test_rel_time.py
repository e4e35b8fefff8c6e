"""1. Time: no call outlives its deadline, whatever the server does.

Every scenario is checked from both sides: the client's outcome and elapsed
time, and the emulator's request log.
"""

from __future__ import annotations

import time

import pytest

from metadata_client import (
    ConnectionFailed,
    DeadlineExceeded,
    MetadataClient,
    ReadTimeout,
    ServerError,
    TransportError,
)
from metadata_client.modules import Run

from _reliability_helpers import Trickler, closed_port

TIMEOUT = 1.0
SLACK = 0.5  # what a call may take beyond its timeout (thread scheduling on 2 cores)


def test_api_hang_ends_within_the_deadline(emu, make_client, rec) -> None:
    with rec("1. API hangs (delay > timeout): modern call ends by its deadline", tries=1):
        client = make_client(timeout=TIMEOUT, max_retries=3, backoff_factor=0.01)
        client.runs.get(-1)  # token fetched outside the measured call
        emu.control.clear_log()
        emu.fault(method="GET", path=r"^/api/runs", action="delay", delay=TIMEOUT + 0.6, count=10)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.runs.get(-1)
        elapsed = time.monotonic() - started
        assert elapsed < TIMEOUT + SLACK, elapsed
        assert isinstance(caught.value, (ReadTimeout, DeadlineExceeded)), repr(caught.value)
        # Server side, once every stalled request was answered: exactly one GET
        # reached it (no retry fits in a spent deadline).
        emu.settle()
        entries = emu.control.request_log()
        assert [(e["method"], e["path"], e["fault"]) for e in entries] == [("GET", "/api/runs/-1", "delay")]

    with rec("1. API hangs (delay > timeout): 4.2.1 dict call ends by its deadline", tries=1):
        emu.settle()
        emu.control.clear_log()
        emu.fault(method="GET", path=r"^/api/runs", action="delay", delay=TIMEOUT + 0.6, count=10)
        started = time.monotonic()
        with pytest.raises(TransportError):
            Run.get_by_id(client, -1)
        assert time.monotonic() - started < TIMEOUT + SLACK


def test_per_call_timeout_of_api_get_bounds_the_call(emu, make_client, rec) -> None:
    with rec("1. api_get(timeout=0.5) on a hanging API ends within 0.5 s + slack", tries=1):
        client = make_client(timeout=5, max_retries=3, backoff_factor=0.01)
        client.runs.get(-1)
        emu.fault(method="GET", path=r"^/api/runs", action="delay", delay=1.2, count=10)
        started = time.monotonic()
        with pytest.raises(TransportError):
            client.api_get(client.get_api_url("runs/-1"), timeout=0.5)
        assert time.monotonic() - started < 0.5 + SLACK


def test_late_answer_cannot_outlive_the_deadline(emu, make_client, rec) -> None:
    """A delayed status fault answers late: the call must still end by its deadline."""
    with rec("1. API answers after the deadline (delayed 503) -> ends by the deadline", tries=1):
        client = make_client(timeout=TIMEOUT, max_retries=3, backoff_factor=0.01)
        client.runs.get(-1)
        emu.fault(method="GET", path=r"^/api/runs", action="status", status=503, delay=0.4, count=10)
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            client.runs.get(-1)
        elapsed = time.monotonic() - started
        assert elapsed < TIMEOUT + SLACK, elapsed
        # Either the last 503 (a ServerError) or a transport timeout: nothing else.
        assert isinstance(caught.value, (ServerError, TransportError)), repr(caught.value)


def test_token_endpoint_hang_is_bounded(emu, make_client, rec) -> None:
    with rec("1. token endpoint hangs: call ends by its deadline, no API request", tries=2):
        client = make_client(timeout=TIMEOUT, max_retries=3, backoff_factor=0.01)
        emu.fault(method="POST", path=r"^/oauth/token", action="delay", delay=TIMEOUT + 0.6, count=10)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.runs.get(-1)
        elapsed = time.monotonic() - started
        assert elapsed < TIMEOUT + SLACK, elapsed
        assert isinstance(caught.value, (ReadTimeout, DeadlineExceeded)), repr(caught.value)
        emu.settle()
        entries = emu.control.request_log()
        assert [e["path"] for e in entries] == ["/oauth/token"]
        assert emu.api_log() == []

        # The 4.2.1 facade: same bound.
        started = time.monotonic()
        with pytest.raises(TransportError):
            client.get_all_data_group_types()
        assert time.monotonic() - started < TIMEOUT + SLACK


@pytest.mark.parametrize("api", ["modern", "dict", "facade"])
def test_connection_refused_fails_fast(rec, api) -> None:
    with rec("1. connection refused (closed loopback port): fails fast", tries=1):
        port = closed_port()
        client = MetadataClient(
            "id", "secret", f"http://127.0.0.1:{port}/oauth/token", None, None, "",
            "test@example.org", f"http://127.0.0.1:{port}/api/",
            max_retries=3, timeout=10, backoff_factor=0.01,
        )
        try:
            started = time.monotonic()
            with pytest.raises(ConnectionFailed) as caught:
                if api == "modern":
                    client.runs.get(-1)
                elif api == "dict":
                    Run.get_by_id(client, -1)
                else:
                    client.get_all_data_group_types()
            elapsed = time.monotonic() - started
            assert elapsed < 1.0, elapsed  # far below the 10 s timeout
            assert caught.value.unsent is True
            assert "refused" in str(caught.value).lower() or "connection" in str(caught.value).lower()
        finally:
            client.close()


def test_connection_refused_with_default_options_ends_well_before_the_timeout(rec) -> None:
    """Default backoff (0.5 s, 3 retries): bounded by the backoff, far below 12 s."""
    with rec("1. connection refused, default options: bounded by the retry waits", tries=1):
        port = closed_port()
        client = MetadataClient(
            "id", "secret", f"http://127.0.0.1:{port}/oauth/token", None, None, "",
            "test@example.org", f"http://127.0.0.1:{port}/api/",
        )
        try:
            started = time.monotonic()
            with pytest.raises(ConnectionFailed):
                client.runs.get(-1)
            elapsed = time.monotonic() - started
            # waits: 0.25-0.5, 0.5-1, 1-2 s -> at most 3.5 s plus three refused connects
            assert elapsed < 4.0, elapsed
        finally:
            client.close()


@pytest.mark.parametrize("mode", ["body", "headers"])
@pytest.mark.parametrize("where", ["api", "token endpoint"])
def test_slow_trickle_cannot_outlive_the_deadline(rec, mode, where) -> None:
    """A server that keeps sending a byte every 0.1 s: per-read timeouts never fire,
    only the call's deadline can end the call."""
    with rec("1. answer trickles a byte per 0.1 s (headers or body): ends by the deadline", tries=1):
        trickler = Trickler(mode=mode, interval=0.1, limit=TIMEOUT + 3)
        if where == "api":  # a saved token: no token request, the API call trickles
            client = MetadataClient("id", "secret", trickler.url + "/oauth/token", None, None, "",
                                    "test@example.org", trickler.url + "/api/", session_token="t",
                                    max_retries=3, timeout=TIMEOUT, backoff_factor=0.01)
        else:
            client = MetadataClient("id", "secret", trickler.url + "/oauth/token", None, None, "",
                                    "test@example.org", "http://127.0.0.1:9/api/",
                                    max_retries=3, timeout=TIMEOUT, backoff_factor=0.01)
        try:
            started = time.monotonic()
            with pytest.raises(TransportError):
                client.runs.get(-1)
            elapsed = time.monotonic() - started
            assert elapsed < TIMEOUT + SLACK, elapsed
            assert trickler.connections >= 1
        finally:
            client.close()
            trickler.stop()
