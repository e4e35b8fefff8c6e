"""The transport: headers, timeouts, the retry matrix, backoff, Retry-After, environment."""

from __future__ import annotations

import email.utils
import json
import time

import pytest
import requests
import responses

from metadata_client import ConnectionFailed, ReadTimeout, ServerError
from metadata_client.transport import Transport

from .conftest import (
    BASE, EMAIL, api_calls, drop_after_request, make_client,
)

URL = BASE + "runs/1"
METHODS = ["GET", "PUT", "DELETE", "POST"]
IDEMPOTENT = ["GET", "PUT", "DELETE"]


def call(client, method, url=URL):
    return getattr(client, f"api_{method.lower()}")(url)


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def fake_time(client):
    """Replace the client's sleep and clock: sleeping advances the clock, nothing waits."""
    clock, sleeps = FakeClock(), []

    def sleep(seconds):
        sleeps.append(seconds)
        clock.now += seconds

    client._transport._sleep = sleep
    client._transport._clock = clock
    return sleeps


def bare_transport(**kw):
    """A Transport without tokens, with a fake clock and a recording sleep."""
    clock, sleeps = FakeClock(), []

    def sleep(seconds):
        sleeps.append(seconds)
        clock.now += seconds

    options = dict(timeout=1000, connect_timeout=5, max_retries=5, backoff_factor=1,
                   backoff_max=5, verify=True, headers={}, sleep=sleep, clock=clock)
    options.update(kw)
    return Transport(**options), sleeps


# -- headers and timeouts -------------------------------------------------------------

def test_default_headers_are_sent_on_every_api_call(rsps, tokens):
    for method in METHODS:
        rsps.add(method, URL, json={"id": 1})
    client = make_client()
    for method in METHODS:
        call(client, method)
    token = next(iter(tokens.issued))
    for c in api_calls(rsps):
        h = c.request.headers
        assert h["content-type"] == "application/json"
        assert h["Accept"] == "application/json; version=1"
        assert h["X-User-Email"] == EMAIL
        assert h["Authorization"] == f"Bearer {token}"
    assert [c.request.method for c in api_calls(rsps)] == METHODS


def test_connect_and_read_timeouts_are_on_every_request_retries_included(rsps, tokens):
    rsps.get(URL, status=503)
    rsps.get(URL, status=503)
    rsps.get(URL, json={"id": 1})
    client = make_client(timeout=7, connect_timeout=2)
    assert client.api_get(URL).status_code == 200
    assert len(rsps.calls) == 4  # the token request and three attempts
    for c in rsps.calls:
        timeout = c.request.req_kwargs["timeout"]
        assert isinstance(timeout, tuple) and len(timeout) == 2
        connect, read = timeout
        assert 0 < connect <= 2
        assert 0 < read <= 7


def test_the_read_timeout_shrinks_to_what_is_left_of_the_deadline(rsps, tokens):
    rsps.get(URL, status=503)
    rsps.get(URL, json={"id": 1})
    client = make_client(timeout=5, connect_timeout=60, backoff_factor=2.0, backoff_max=10)
    sleeps = fake_time(client)
    client._transport._rng = lambda: 1.0
    client.api_get(URL)
    assert sleeps == [2.0]
    first, second = (c.request.req_kwargs["timeout"] for c in api_calls(rsps))
    assert first == (5.0, 5.0)  # connect timeout capped by the deadline too
    assert second == (3.0, 3.0)


def test_redirects_are_not_followed_so_the_token_stays_home(rsps, tokens):
    rsps.get(URL, status=302, headers={"Location": "https://evil.example.net/steal"})
    rsps.get("https://evil.example.net/steal", json={})
    response = make_client().api_get(URL)
    assert response.status_code == 302
    assert [c.request.url for c in api_calls(rsps)] == [URL]
    assert not any("evil" in c.request.url for c in rsps.calls)


# -- the retry matrix ---------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 502, 503, 504])
@pytest.mark.parametrize("method", IDEMPOTENT)
def test_retryable_status_is_retried_for_idempotent_methods(rsps, tokens, method, status):
    rsps.add(method, URL, status=status, json={"info": "busy"})
    response = call(make_client(max_retries=3), method)
    assert response.status_code == status
    assert len(api_calls(rsps)) == 4


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_post_answered_with_a_retryable_status_is_sent_exactly_once(rsps, tokens, status):
    rsps.post(URL, status=status, json={"info": "busy"})
    response = make_client(max_retries=3).api_post(URL)
    assert response.status_code == status
    assert len(api_calls(rsps)) == 1


@pytest.mark.parametrize("status", [400, 404, 422, 500, 501])
@pytest.mark.parametrize("method", IDEMPOTENT)
def test_other_error_statuses_are_not_retried(rsps, tokens, method, status):
    rsps.add(method, URL, status=status, json={"info": "no"})
    assert call(make_client(max_retries=3), method).status_code == status
    assert len(api_calls(rsps)) == 1


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_a_retry_that_succeeds_returns_the_success(rsps, tokens, method):
    rsps.add(method, URL, status=503)
    rsps.add(method, URL, json={"id": 1})
    response = call(make_client(max_retries=3), method)
    assert response.status_code == 200 and response.json() == {"id": 1}
    assert len(api_calls(rsps)) == 2


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_attempts_are_bounded_by_max_retries(rsps, tokens, max_retries):
    rsps.get(URL, status=503)
    make_client(max_retries=max_retries).api_get(URL)
    assert len(api_calls(rsps)) == max_retries + 1


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_read_timeout_is_retried_for_idempotent_methods(rsps, tokens, method):
    rsps.add(method, URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(ReadTimeout):
        call(make_client(max_retries=2), method)
    assert len(api_calls(rsps)) == 3


def test_read_timeout_is_not_retried_for_post(rsps, tokens):
    rsps.post(URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(ReadTimeout) as info:
        make_client(max_retries=3).api_post(URL)
    assert len(api_calls(rsps)) == 1
    assert isinstance(info.value, requests.exceptions.ReadTimeout)
    assert info.value.method == "POST" and info.value.url == URL


@pytest.mark.parametrize("method", METHODS)
def test_connect_timeout_is_retried_for_every_method(rsps, tokens, method):
    rsps.add(method, URL, body=requests.exceptions.ConnectTimeout("no route"))
    rsps.add(method, URL, json={"id": 1})
    assert call(make_client(max_retries=2), method).status_code == 200
    assert len(api_calls(rsps)) == 2


def _count_attempts(monkeypatch, client):
    attempts = []
    transport = client._transport
    original = transport._send

    def send(method, url, *args, **kwargs):
        attempts.append((method, url))
        return original(method, url, *args, **kwargs)

    monkeypatch.setattr(transport, "_send", send)
    return attempts


@pytest.mark.parametrize("method", METHODS)
def test_connection_refused_is_retried_for_every_method(monkeypatch, refused_url, method):
    client = make_client(refused_url + "/api/", refused_url + "/oauth/token",
                         session_token="tok", max_retries=2)
    attempts = _count_attempts(monkeypatch, client)
    with pytest.raises(ConnectionFailed) as info:
        call(client, method, refused_url + "/api/runs/1")
    assert len(attempts) == 3
    assert info.value.unsent is True
    assert isinstance(info.value, requests.exceptions.ConnectionError)


@pytest.mark.parametrize("method, sent", [("GET", 3), ("PUT", 3), ("DELETE", 3), ("POST", 1)])
def test_connection_dropped_after_sending_is_retried_only_when_idempotent(socket_server, method, sent):
    server = socket_server(drop_after_request)
    client = make_client(server.url + "/api/", server.url + "/oauth/token",
                         session_token="tok", max_retries=2)
    with pytest.raises(ConnectionFailed) as info:
        call(client, method, server.url + "/api/runs/1")
    assert info.value.unsent is False
    time.sleep(0.05)
    assert server.connections == sent


# -- backoff ----------------------------------------------------------------------

def test_backoff_grows_exponentially_and_is_capped(rsps):
    rsps.get(URL, status=503)
    transport, sleeps = bare_transport(max_retries=6, backoff_factor=1, backoff_max=5, rng=lambda: 1.0)
    assert transport.request("GET", URL, authenticate=False).status_code == 503
    assert sleeps == [1, 2, 4, 5, 5, 5]
    assert len(rsps.calls) == 7


def test_backoff_jitter_scales_each_wait_between_half_and_full(rsps):
    rsps.get(URL, status=503)
    transport, sleeps = bare_transport(max_retries=4, backoff_factor=1, backoff_max=5, rng=lambda: 0.0)
    transport.request("GET", URL, authenticate=False)
    assert sleeps == [0.5, 1, 2, 2.5]


def test_backoff_with_the_real_random_source_stays_in_bounds(rsps):
    rsps.get(URL, status=503)
    transport, sleeps = bare_transport(max_retries=8, backoff_factor=0.5, backoff_max=3)
    transport.request("GET", URL, authenticate=False)
    assert len(sleeps) == 8
    for n, slept in enumerate(sleeps):
        full = min(3, 0.5 * 2 ** n)
        assert full / 2 <= slept <= full


def test_backoff_also_applies_to_transport_errors(rsps):
    rsps.get(URL, body=requests.exceptions.ConnectTimeout("no route"))
    transport, sleeps = bare_transport(max_retries=3, backoff_factor=0.25, backoff_max=10, rng=lambda: 1.0)
    with pytest.raises(requests.exceptions.ConnectTimeout):
        transport.request("GET", URL, authenticate=False)
    assert sleeps == [0.25, 0.5, 1.0]


def test_a_backoff_wait_that_would_pass_the_deadline_returns_the_answer_at_once(rsps, tokens):
    rsps.get(URL, status=503)
    client = make_client(timeout=0.5, max_retries=3, backoff_factor=2, backoff_max=10)
    t0 = time.monotonic()
    assert client.api_get(URL).status_code == 503
    assert time.monotonic() - t0 < 0.3
    assert len(api_calls(rsps)) == 1


# -- Retry-After ------------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured(rsps, tokens, status):
    rsps.get(URL, status=status, headers={"Retry-After": "3"})
    rsps.get(URL, json={"id": 1})
    client = make_client(timeout=60)
    sleeps = fake_time(client)
    assert client.api_get(URL).status_code == 200
    assert sleeps == [3.0]


def test_retry_after_as_an_http_date_is_honoured(rsps, tokens):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    rsps.get(URL, status=503, headers={"Retry-After": when})
    rsps.get(URL, json={"id": 1})
    client = make_client(timeout=60)
    sleeps = fake_time(client)
    assert client.api_get(URL).status_code == 200
    assert len(sleeps) == 1 and 28.5 <= sleeps[0] <= 30.5


@pytest.mark.parametrize("value", ["120", email.utils.formatdate(time.time() + 3600, usegmt=True)])
def test_retry_after_beyond_the_deadline_returns_at_once(rsps, tokens, value):
    rsps.get(URL, status=503, headers={"Retry-After": value}, json={"info": "maintenance"})
    client = make_client(timeout=1, max_retries=3)
    slept = []
    client._transport._sleep = slept.append
    t0 = time.monotonic()
    response = client.api_get(URL)
    assert time.monotonic() - t0 < 0.3
    assert response.status_code == 503
    assert slept == []
    assert len(api_calls(rsps)) == 1
    with pytest.raises(ServerError):
        client.runs.get(1)
    assert slept == []


def test_retry_after_does_not_make_a_post_retry(rsps, tokens):
    rsps.post(URL, status=429, headers={"Retry-After": "0"})
    assert make_client().api_post(URL).status_code == 429
    assert len(api_calls(rsps)) == 1


# -- environment read once ----------------------------------------------------------

PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
              "NO_PROXY", "no_proxy")


@pytest.fixture
def clean_env(monkeypatch):
    for var in PROXY_VARS + ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_ca_bundle_from_the_environment_applies_when_set_before_construction(rsps, tokens, clean_env, tmp_path):
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("x")
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = make_client()
    rsps.get(URL, json={})
    client.api_get(URL)
    assert {c.request.req_kwargs["verify"] for c in rsps.calls} == {str(bundle)}


def test_ca_bundle_set_after_construction_has_no_effect(rsps, tokens, clean_env, tmp_path):
    client = make_client()
    bundle = tmp_path / "late-ca.pem"
    bundle.write_text("x")
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    clean_env.setenv("CURL_CA_BUNDLE", str(bundle))
    rsps.get(URL, json={})
    client.api_get(URL)
    assert {c.request.req_kwargs["verify"] for c in rsps.calls} == {True}


def test_https_proxy_from_the_environment_applies_when_set_before_construction(rsps, tokens, clean_env):
    clean_env.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    client = make_client()
    rsps.get(URL, json={})
    client.api_get(URL)
    for c in rsps.calls:  # the token request and the API call
        assert c.request.req_kwargs["proxies"].get("https") == "http://127.0.0.1:3128"


def test_https_proxy_set_after_construction_has_no_effect(rsps, tokens, clean_env):
    client = make_client()
    clean_env.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    clean_env.setenv("https_proxy", "http://127.0.0.1:3128")
    rsps.get(URL, json={})
    client.api_get(URL)
    for c in rsps.calls:
        assert not c.request.req_kwargs["proxies"]


def test_no_proxy_read_at_construction_is_respected(rsps, tokens, clean_env):
    clean_env.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    clean_env.setenv("NO_PROXY", "mdc.example.org")
    client = make_client()
    rsps.get(URL, json={})
    client.api_get(URL)
    for c in rsps.calls:
        assert not c.request.req_kwargs["proxies"].get("https")


def test_api_call_body_is_sent_as_given(rsps, tokens):
    rsps.post(URL, status=201, json={"id": 1})
    make_client().api_post(URL, json={"run": {"run_number": 5}})
    assert json.loads(api_calls(rsps)[0].request.body) == {"run": {"run_number": 5}}
