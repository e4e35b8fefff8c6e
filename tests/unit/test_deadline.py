"""The call deadline against real loopback sockets that hang, trickle or refuse.

``timeout`` bounds the whole call (token fetch and retries included), so every
case here must end within ``timeout`` plus a little slack, however the server
misbehaves.
"""

from __future__ import annotations

import time

import pytest
import requests

from metadata_client import ConnectionFailed, MetadataClientError, TransportError

from .conftest import hang, make_client, trickle_body, trickle_headers

TIMEOUT = 0.4  # short, to keep the suite fast; one test below uses the 1 s of the spec
SLACK = 0.5


def _timed(fn):
    t0 = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout) as info:
        fn()
    return time.monotonic() - t0, info.value


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("behaviour", [hang, trickle_headers, trickle_body],
                         ids=["hang", "trickle-headers", "trickle-body"])
def test_api_call_ends_within_the_deadline(socket_server, behaviour, method):
    server = socket_server(behaviour)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         session_token="tok", timeout=TIMEOUT, max_retries=3)
    send = getattr(client, f"api_{method.lower()}")
    elapsed, error = _timed(lambda: send(server.url + "/api/runs/1"))
    assert TIMEOUT - 0.1 <= elapsed < TIMEOUT + SLACK, elapsed
    assert isinstance(error, TransportError) and isinstance(error, MetadataClientError)
    assert error.method == method and error.url == server.url + "/api/runs/1"
    assert server.connections >= 1


def test_a_one_second_timeout_ends_a_hung_call_within_1_6_seconds(socket_server):
    server = socket_server(hang)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         session_token="tok", timeout=1, max_retries=3)
    elapsed, error = _timed(lambda: client.runs.get(1))
    assert 0.9 <= elapsed < 1.6, elapsed
    assert error.method == "GET"


@pytest.mark.parametrize("behaviour", [hang, trickle_headers, trickle_body],
                         ids=["hang", "trickle-headers", "trickle-body"])
def test_token_endpoint_hang_is_bounded_by_the_same_deadline(socket_server, behaviour):
    server = socket_server(behaviour)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         timeout=TIMEOUT, max_retries=3)
    elapsed, error = _timed(lambda: client.runs.get(1))
    assert TIMEOUT - 0.1 <= elapsed < TIMEOUT + SLACK, elapsed
    assert error.url == server.url + "/oauth/token"


def test_the_modern_api_is_bounded_too(socket_server):
    server = socket_server(trickle_headers)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         session_token="tok", timeout=TIMEOUT, max_retries=5)
    elapsed, _ = _timed(lambda: client.runs.get(1))
    assert elapsed < TIMEOUT + SLACK


def test_a_shorter_per_call_timeout_is_honoured(socket_server):
    server = socket_server(hang)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         session_token="tok", timeout=10)
    elapsed, _ = _timed(lambda: client.api_get(server.url + "/api/runs/1", timeout=0.3))
    assert 0.25 <= elapsed < 0.3 + SLACK


def test_a_longer_per_call_timeout_cannot_extend_the_clients(socket_server):
    server = socket_server(hang)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         session_token="tok", timeout=TIMEOUT)
    elapsed, _ = _timed(lambda: client.api_get(server.url + "/api/runs/1", timeout=30))
    assert elapsed < TIMEOUT + SLACK


def test_connection_refused_fails_fast(refused_url):
    client = make_client(refused_url + "/api/", refused_url + "/oauth/token",
                         session_token="tok", max_retries=0, timeout=10)
    t0 = time.monotonic()
    with pytest.raises(ConnectionFailed) as info:
        client.api_get(refused_url + "/api/runs/1")
    assert time.monotonic() - t0 < 1.0
    assert isinstance(info.value, requests.exceptions.ConnectionError)


def test_connection_refused_at_the_token_endpoint_fails_fast(refused_url):
    client = make_client(refused_url + "/api/", refused_url + "/oauth/token", max_retries=0, timeout=10)
    t0 = time.monotonic()
    with pytest.raises(ConnectionFailed):
        client.runs.get(1)
    assert time.monotonic() - t0 < 1.0


def test_a_hang_does_not_poison_the_next_call(socket_server, mini_mdc):
    """After a call is cut at its deadline the client keeps working."""
    server = socket_server(trickle_headers)
    client = make_client(mini_mdc.base, mini_mdc.token_url, timeout=TIMEOUT)
    with pytest.raises(requests.exceptions.Timeout):
        client._transport.request("GET", server.url + "/x", authenticate=False)
    assert client.runs.get(1) == {"ok": True}
    assert client.runs.get(2) == {"ok": True}


def test_many_concurrent_real_calls_are_never_cut_short(mini_mdc):
    """The per-attempt header watchdog must not fire on calls that answered in time."""
    import threading

    client = make_client(mini_mdc.base, mini_mdc.token_url, timeout=2, max_retries=0)
    client.runs.get(1)
    results, errors = [], []

    def worker():
        for n in range(10):
            try:
                results.append(client.api_get(mini_mdc.base + "runs/1").status_code)
                results.append(client.api_post(mini_mdc.base + "runs/", json={"n": n}).status_code)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results == [200] * 160
