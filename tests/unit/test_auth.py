"""The token provider: client credentials, laziness, leeway, one fetch at a time."""

from __future__ import annotations

import base64
import os
import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses

from metadata_client import AuthenticationError, DeadlineExceeded, MetadataClientError, ServerError
from metadata_client.auth import MAX_LEEWAY, TokenProvider

from .conftest import (
    BASE, BASIC, CLIENT_ID, CLIENT_SECRET, TOKEN_URL, FakeTokenEndpoint, api_calls, bearer, make_client,
)


# -- the token request ---------------------------------------------------------------

def test_token_request_is_client_credentials_by_http_basic(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    make_client().runs.get(1)
    request = tokens.requests[0]
    assert request.method == "POST"
    assert request.url == TOKEN_URL
    assert request.headers["Authorization"] == f"Basic {BASIC}"
    assert base64.b64decode(BASIC).decode() == f"{CLIENT_ID}:{CLIENT_SECRET}"
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    assert body == "grant_type=client_credentials"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert "Bearer" not in request.headers["Authorization"]


@pytest.mark.parametrize("scope", ["", None, []])
def test_empty_scope_is_not_sent(rsps, tokens, scope):
    rsps.get(BASE + "runs/1", json={"id": 1})
    make_client(scope=scope).runs.get(1)
    assert "scope" not in parse_qs(tokens.requests[0].body)


def test_a_scope_is_sent_when_given(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    make_client(scope="public").runs.get(1)
    assert parse_qs(tokens.requests[0].body) == {"grant_type": ["client_credentials"], "scope": ["public"]}


def test_token_is_fetched_lazily_and_once_for_many_calls(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client()
    assert tokens.count == 0
    client.runs.get(1)
    assert tokens.count == 1
    for _ in range(25):
        client.runs.get(1)
    assert tokens.count == 1 == client.token_fetches
    assert {bearer(c) for c in api_calls(rsps)} == {"Bearer " + next(iter(tokens.issued))}


def test_a_token_is_fetched_through_plain_http_on_loopback(rsps, monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    for host in ("127.0.0.1", "localhost", "[::1]"):
        url = f"http://{host}:3000"
        FakeTokenEndpoint(rsps, url + "/oauth/token")
        rsps.get(url + "/api/runs/1", json={"id": 1})
        assert make_client(url + "/api/", url + "/oauth/token").runs.get(1) == {"id": 1}


def test_oauthlib_insecure_transport_is_never_set(rsps, monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    before = dict(os.environ)
    url = "http://127.0.0.1:3000"
    endpoint = FakeTokenEndpoint(rsps, url + "/oauth/token", lifetime=3600)
    rsps.get(url + "/api/runs/1", json={"id": 1})
    client = make_client(url + "/api/", url + "/oauth/token")
    client.runs.get(1)
    rsps.get(url + "/api/runs/2", status=401, json={"info": "expired"})
    with pytest.raises(AuthenticationError):
        client.runs.get(2)
    assert endpoint.count == 2
    assert dict(os.environ) == before
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


# -- lifetime and leeway (a fake clock) -------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _provider(lifetime, clock, log):
    def send(url, *, data, headers, auth, deadline):
        log.append(data)
        response = requests.Response()
        response.status_code = 200
        body = '{"access_token": "t%d", "token_type": "Bearer"%s}' % (
            len(log), "" if lifetime is None else f', "expires_in": {lifetime}')
        response._content = body.encode()
        return response
    return TokenProvider(CLIENT_ID, CLIENT_SECRET, TOKEN_URL, "", send, clock=clock)


@pytest.mark.parametrize("lifetime, leeway", [(100, 10.0), (3600, MAX_LEEWAY), (1, 0.1)])
def test_token_is_renewed_a_leeway_before_expiry(lifetime, leeway):
    clock, log = FakeClock(), []
    provider = _provider(lifetime, clock, log)
    start = clock.now
    assert provider.token(start + 10) == "t1"
    clock.now = start + lifetime - leeway - 1e-3
    assert provider.token(clock.now + 10) == "t1"
    assert len(log) == 1
    clock.now = start + lifetime - leeway
    assert provider.token(clock.now + 10) == "t2"
    assert len(log) == 2
    assert 0 < leeway < lifetime


def test_token_without_expiry_is_kept_until_invalidated():
    clock, log = FakeClock(), []
    provider = _provider(None, clock, log)
    assert provider.token(clock.now + 10) == "t1"
    clock.now += 10 ** 7
    assert provider.token(clock.now + 10) == "t1"
    provider.invalidate("some-older-token")  # not the current one: kept
    assert provider.token(clock.now + 10) == "t1"
    provider.invalidate("t1")
    assert provider.token(clock.now + 10) == "t2"
    assert provider.fetch_count == 2


def test_token_renewed_by_the_real_clock_before_a_one_second_expiry(rsps):
    endpoint = FakeTokenEndpoint(rsps, lifetime=1)

    def api(request):
        return (200, {}, "{}") if endpoint.valid(request) else (401, {}, '{"info": "expired"}')

    rsps.add_callback(responses.GET, BASE + "runs/1", callback=api)
    client = make_client()
    client.api_get(BASE + "runs/1")
    time.sleep(0.93)  # past 1 s - leeway (0.1 s), before the 1 s expiry
    client.api_get(BASE + "runs/1")
    assert endpoint.count == 2
    assert [c.response.status_code for c in api_calls(rsps)] == [200, 200]


# -- threads -------------------------------------------------------------------------

def test_one_fetch_at_a_time_across_threads():
    lock, active, peak, sent = threading.Lock(), [0], [0], []

    def send(url, **kwargs):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
            sent.append(1)
        response = requests.Response()
        response.status_code = 200
        response._content = b'{"access_token": "shared", "token_type": "Bearer", "expires_in": 600}'
        return response

    provider = TokenProvider(CLIENT_ID, CLIENT_SECRET, TOKEN_URL, "", send)
    barrier, got = threading.Barrier(8), []

    def worker():
        barrier.wait()
        got.append(provider.token(time.monotonic() + 5))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert got == ["shared"] * 8
    assert len(sent) == 1 == provider.fetch_count
    assert peak[0] == 1


def test_a_thread_waiting_for_another_threads_fetch_keeps_its_own_deadline():
    started = threading.Event()

    def send(url, **kwargs):
        started.set()
        time.sleep(0.6)
        response = requests.Response()
        response.status_code = 200
        response._content = b'{"access_token": "slow", "token_type": "Bearer"}'
        return response

    provider = TokenProvider(CLIENT_ID, CLIENT_SECRET, TOKEN_URL, "", send)
    fetcher = threading.Thread(target=provider.token, args=(time.monotonic() + 5,))
    fetcher.start()
    started.wait(5)
    t0 = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        provider.token(time.monotonic() + 0.1)
    assert time.monotonic() - t0 < 0.4
    fetcher.join(5)


def test_one_second_tokens_under_eight_threads_fetch_once_per_expiry_window(rsps):
    lifetime, leeway = 1.0, 0.1
    # A token endpoint taking 50 ms: every thread finds the token stale meanwhile.
    endpoint = FakeTokenEndpoint(rsps, lifetime=lifetime, delay=0.05)
    rejected = []

    def api(request):
        time.sleep(0.012)  # a server that takes a little time: the run spans several tokens
        if endpoint.valid(request):
            return 200, {"Content-Type": "application/json"}, '{"id": 1}'
        rejected.append(request.headers.get("Authorization"))
        return 401, {"Content-Type": "application/json"}, '{"info": "token expired"}'

    rsps.add_callback(responses.GET, BASE + "runs/1", callback=api)
    client = make_client(timeout=10)
    statuses, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(200):
            try:
                statuses.append(client.api_get(BASE + "runs/1").status_code)
            except Exception as exc:  # noqa: BLE001 - any error fails the test below
                errors.append(exc)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - t0
    assert errors == []
    assert len(statuses) == 1600
    assert set(statuses) == {200}, "a 401 reached the caller"
    windows = elapsed / (lifetime - leeway)
    print(f"elapsed {elapsed:.2f} s, {endpoint.count} fetches, {len(rejected)} rejected")
    assert elapsed > 1.5 * lifetime, "the run must outlive a token to test renewal"
    assert 2 <= endpoint.count <= windows + 2, (endpoint.count, elapsed)
    # Renewal happens before expiry, so the server hardly ever sees an expired
    # token (only a thread descheduled for ~0.1 s between taking and sending it).
    assert len(rejected) <= max(3, endpoint.count), (len(rejected), endpoint.count)


# -- 401 from the API --------------------------------------------------------------

def test_a_401_mid_session_refetches_once_and_the_call_succeeds(rsps, tokens):
    answers = iter([(200, {}, '{"id": 1}'), (401, {}, '{"info": "revoked"}'), (200, {}, '{"id": 1}')])
    rsps.add_callback(responses.GET, BASE + "runs/1", callback=lambda request: next(answers))
    client = make_client()
    assert client.runs.get(1) == {"id": 1}
    assert client.runs.get(1) == {"id": 1}
    assert tokens.count == 2
    calls = api_calls(rsps)
    assert len(calls) == 3
    first, second = list(tokens.issued)
    assert [bearer(c) for c in calls] == [f"Bearer {first}", f"Bearer {first}", f"Bearer {second}"]


def test_a_second_401_raises_authentication_error(rsps, tokens):
    rsps.get(BASE + "runs/1", status=401, json={"info": "no such token"})
    client = make_client(max_retries=3)
    with pytest.raises(AuthenticationError) as info:
        client.runs.get(1)
    assert tokens.count == 2
    assert len(api_calls(rsps)) == 2
    assert info.value.status == 401
    assert info.value.method == "GET" and info.value.url == BASE + "runs/1"


def test_the_4_2_1_api_methods_also_refetch_on_401(rsps, tokens):
    answers = iter([(401, {}, '{"info": "expired"}'), (200, {}, '{"id": 3}')])
    rsps.add_callback(responses.GET, BASE + "runs/3", callback=lambda request: next(answers))
    response = make_client().get_run_by_id_api(3)
    assert response.status_code == 200
    assert tokens.count == 2


# -- the token endpoint failing ----------------------------------------------------

@pytest.mark.parametrize("status", [400, 401])
def test_refused_credentials_raise_with_the_servers_words_and_are_not_retried(rsps, status):
    rsps.post(TOKEN_URL, status=status,
              json={"error": "invalid_client", "error_description": "Client authentication failed"})
    client = make_client(max_retries=3)
    with pytest.raises(AuthenticationError) as info:
        client.runs.get(1)
    assert "invalid_client" in str(info.value)
    assert "Client authentication failed" in str(info.value)
    assert info.value.status == status
    assert len(rsps.calls) == 1
    assert api_calls(rsps) == []
    assert isinstance(info.value, MetadataClientError)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_token_endpoint_5xx_is_retried_within_max_retries(rsps, status):
    rsps.post(TOKEN_URL, status=status, body="<html>down</html>")
    client = make_client(max_retries=2)
    with pytest.raises(ServerError) as info:
        client.runs.get(1)
    assert info.value.status == status
    assert len(rsps.calls) == 3
    assert api_calls(rsps) == []


def test_token_endpoint_5xx_then_success_recovers(rsps):
    answers = iter([(503, {}, ""), (200, {}, '{"access_token": "late", "token_type": "Bearer"}')])
    rsps.add_callback(responses.POST, TOKEN_URL, callback=lambda request: next(answers))
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client(max_retries=1)
    assert client.runs.get(1) == {"id": 1}
    assert bearer(rsps.calls[-1]) == "Bearer late"
    assert client.token_fetches == 1


@pytest.mark.parametrize("error", [requests.exceptions.ConnectionError("reset by peer"),
                                   requests.exceptions.ReadTimeout("slow")])
def test_token_endpoint_connection_errors_are_retried(rsps, error):
    rsps.post(TOKEN_URL, body=error)
    rsps.post(TOKEN_URL, json={"access_token": "second", "token_type": "Bearer"})
    rsps.get(BASE + "runs/1", json={"id": 1})
    assert make_client(max_retries=1).runs.get(1) == {"id": 1}
    assert [c.request.url for c in rsps.calls] == [TOKEN_URL, TOKEN_URL, BASE + "runs/1"]


def test_token_endpoint_connection_errors_give_up_after_max_retries(rsps):
    rsps.post(TOKEN_URL, body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(requests.exceptions.ConnectionError):
        make_client(max_retries=2).runs.get(1)
    assert len(rsps.calls) == 3


@pytest.mark.parametrize("body", ["<html>hello</html>", '{"token_type": "Bearer"}', '{"access_token": ""}'])
def test_an_unusable_token_answer_is_an_error_not_a_crash(rsps, body):
    rsps.post(TOKEN_URL, body=body, content_type="application/json")
    with pytest.raises(MetadataClientError):
        make_client().runs.get(1)
    assert api_calls(rsps) == []


def test_token_provider_repr_hides_secret_and_token(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client()
    client.runs.get(1)
    provider = client._transport.tokens
    text = repr(provider) + repr(provider._token)
    assert CLIENT_SECRET not in text and BASIC not in text
    assert not any(token in text for token in tokens.issued)
