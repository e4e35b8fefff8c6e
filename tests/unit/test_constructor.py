"""The 4.2.1 constructor: its signature, its argument checks, no network."""

from __future__ import annotations

import inspect
import re
import time

import pytest

from metadata_client import MetadataClient

from .conftest import BASE, CLIENT_SECRET, TOKEN_URL, FakeTokenEndpoint, bearer, hang, make_client

LEGACY = [
    ("client_id", inspect.Parameter.empty),
    ("client_secret", inspect.Parameter.empty),
    ("token_url", inspect.Parameter.empty),
    ("refresh_url", inspect.Parameter.empty),
    ("auth_url", inspect.Parameter.empty),
    ("scope", inspect.Parameter.empty),
    ("user_email", inspect.Parameter.empty),
    ("base_api_url", inspect.Parameter.empty),
    ("session_token", None),
    ("max_retries", 3),
    ("timeout", 12),
    ("ssl_verify", True),
]


def test_signature_keeps_the_twelve_legacy_arguments_then_keyword_only_options():
    params = list(inspect.signature(MetadataClient.__init__).parameters.values())[1:]
    assert [(p.name, p.default) for p in params[:12]] == LEGACY
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params[:12])
    assert params[12:], "the keyword-only options are missing"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[12:])


def test_defaults_of_the_legacy_arguments_apply(rsps):
    client = MetadataClient("id", "secret", TOKEN_URL, TOKEN_URL, None, "", "a@b.org", BASE)
    assert client.max_retries == 3
    assert client.timeout == 12
    assert client._transport.timeout == 12


def test_constructor_sends_nothing(rsps):
    # rsps answers nothing: any request would raise ConnectionError here.
    client = make_client()
    assert len(rsps.calls) == 0
    assert client.token_fetches == 0


def test_constructor_opens_no_connection_even_to_a_live_server(socket_server):
    server = socket_server(hang)
    make_client(server.url + "/api/", server.url + "/oauth/token")
    time.sleep(0.1)
    assert server.connections == 0


def _named(name: str) -> str:
    return rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])"


INVALID = [
    ("client_id", {"client_id": ""}),
    ("client_id", {"client_id": "   "}),
    ("client_id", {"client_id": None}),
    ("client_id", {"client_id": "客户端"}),
    ("client_secret", {"client_secret": ""}),
    ("client_secret", {"client_secret": None}),
    ("base_api_url", {"base_api_url": "mdc.example.org/api/"}),
    ("base_api_url", {"base_api_url": "https:///api/"}),
    ("base_api_url", {"base_api_url": "/api/"}),
    ("base_api_url", {"base_api_url": "ftp://mdc.example.org/api/"}),
    ("base_api_url", {"base_api_url": ""}),
    ("base_api_url", {"base_api_url": None}),
    ("base_api_url", {"base_api_url": "https://user:pw@mdc.example.org/api/"}),
    ("base_api_url", {"base_api_url": "https://user@mdc.example.org/api/"}),
    ("base_api_url", {"base_api_url": "https://mdc.example.org/api/?x=1"}),
    ("base_api_url", {"base_api_url": "https://mdc.example.org/api/\r\nX: y"}),
    ("base_api_url", {"base_api_url": "http://mdc.example.org/api/"}),
    ("base_api_url", {"base_api_url": "http://localhost.evil.example/api/"}),
    ("base_api_url", {"base_api_url": "http://127.0.0.1.nip.io/api/"}),
    ("token_url", {"token_url": "oauth/token"}),
    ("token_url", {"token_url": "https://id:secret@mdc.example.org/oauth/token"}),
    ("token_url", {"token_url": "http://mdc.example.org/oauth/token"}),
    ("user_email", {"user_email": "a@b.org\r\nX-Evil: 1"}),
    ("user_email", {"user_email": "a@b.org\n"}),
    ("user_email", {"user_email": "\u03b4@b.org"}),
    ("user_email", {"user_email": "a@b.org\u2028"}),
    ("user_email", {"user_email": None}),
    ("timeout", {"timeout": 0}),
    ("timeout", {"timeout": -1}),
    ("timeout", {"timeout": "12"}),
    ("timeout", {"timeout": True}),
    ("timeout", {"timeout": None}),
    ("timeout", {"timeout": float("nan")}),
    ("timeout", {"timeout": float("inf")}),
    ("max_retries", {"max_retries": -1}),
    ("max_retries", {"max_retries": 1.5}),
    ("max_retries", {"max_retries": True}),
    ("max_retries", {"max_retries": "3"}),
    ("max_retries", {"max_retries": None}),
    ("ssl_verify", {"ssl_verify": 1}),
    ("ssl_verify", {"ssl_verify": None}),
    ("ssl_verify", {"ssl_verify": 0.0}),
    ("ssl_verify", {"ssl_verify": []}),
    ("ssl_verify", {"ssl_verify": "/nonexistent/ca-bundle.pem"}),
    ("session_token", {"session_token": 5}),
    ("connect_timeout", {"connect_timeout": 0}),
    ("backoff_factor", {"backoff_factor": -1}),
    ("backoff_factor", {"backoff_factor": float("nan")}),
    ("backoff_max", {"backoff_max": float("inf")}),
]


@pytest.mark.parametrize("name, kwargs", INVALID, ids=[f"{n}={v!r}"[:60] for n, v in INVALID])
def test_invalid_argument_raises_value_error_naming_it(monkeypatch, rsps, name, kwargs):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    with pytest.raises(ValueError, match=_named(name)):
        make_client(**kwargs)
    assert len(rsps.calls) == 0


def test_non_latin1_secret_is_refused_without_echoing_it(rsps):
    secret = "s\u00e9cret-\u20ac-value"
    with pytest.raises(ValueError, match="client_secret") as info:
        make_client(client_secret=secret)
    assert secret not in str(info.value) and secret not in repr(info.value)


@pytest.mark.parametrize("given, expected", [
    ("https://mdc.example.org/api", "https://mdc.example.org/api/"),
    ("https://mdc.example.org/api/", "https://mdc.example.org/api/"),
    ("https://mdc.example.org/api///", "https://mdc.example.org/api/"),
    ("https://mdc.example.org", "https://mdc.example.org/"),
])
def test_base_api_url_gets_exactly_one_trailing_slash(rsps, given, expected):
    FakeTokenEndpoint(rsps)
    client = make_client(given)
    assert client.base_api_url == expected
    rsps.get(expected + "runs/7", json={"id": 7})
    assert client.runs.get(7) == {"id": 7}
    assert rsps.calls[-1].request.url == expected + "runs/7"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "[::1]"])
def test_plain_http_is_accepted_for_loopback_hosts(monkeypatch, host):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    client = make_client(f"http://{host}:3000/api/", f"http://{host}:3000/oauth/token")
    assert client.base_api_url == f"http://{host}:3000/api/"


def test_plain_http_to_other_hosts_needs_an_explicit_opt_in(monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    urls = ("http://mdc.internal.example/api/", "http://mdc.internal.example/oauth/token")
    with pytest.raises(ValueError):
        make_client(*urls)
    assert make_client(*urls, allow_insecure_http=True).base_api_url == urls[0]
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    assert make_client(*urls).base_api_url == urls[0]


def test_valid_session_token_dict_is_reused_without_a_fetch(rsps, tokens):
    saved = {"access_token": "saved-token-abc", "token_type": "Bearer",
             "expires_in": 3600, "expires_at": time.time() + 3000}
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client(session_token=saved)
    client.runs.get(1)
    assert tokens.count == 0
    assert bearer(rsps.calls[0]) == "Bearer saved-token-abc"


def test_session_token_string_is_reused_without_a_fetch(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client(session_token="saved-token-xyz")
    client.runs.get(1)
    client.runs.get(1)
    assert tokens.count == 0
    assert bearer(rsps.calls[-1]) == "Bearer saved-token-xyz"


@pytest.mark.parametrize("saved", [
    # As oauthlib saves it: expires_in is the original lifetime, expires_at has passed.
    {"access_token": "expired-token", "token_type": "Bearer", "expires_in": 3600,
     "expires_at": time.time() - 60},
    {"access_token": "expired-token", "expires_at": time.time() - 1},
    {"access_token": "expired-token", "expires_in": 0},
], ids=["oauthlib-dict", "expires_at", "expires_in-0"])
def test_expired_session_token_is_replaced_before_the_first_call(rsps, tokens, saved):
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client(session_token=saved)
    client.runs.get(1)
    assert tokens.count == 1
    api = [c for c in rsps.calls if c.request.url.startswith(BASE)]
    assert len(api) == 1
    assert bearer(api[0]) != "Bearer expired-token"
    assert bearer(api[0]).removeprefix("Bearer ") in tokens.issued


def test_session_token_without_access_token_is_refused(rsps):
    with pytest.raises(ValueError, match="access_token"):
        make_client(session_token={"token_type": "Bearer", "expires_in": 60})


def test_ssl_verify_false_and_ca_bundle_path_reach_requests(rsps, tokens, tmp_path, monkeypatch):
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    rsps.get(BASE + "runs/1", json={"id": 1})
    make_client(ssl_verify=False).runs.get(1)
    assert rsps.calls[-1].request.req_kwargs["verify"] is False
    make_client(ssl_verify=str(bundle)).runs.get(1)
    assert rsps.calls[-1].request.req_kwargs["verify"] == str(bundle)
    make_client().runs.get(1)
    assert rsps.calls[-1].request.req_kwargs["verify"] is True


def test_repr_shows_neither_secret_nor_token(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    client = make_client()
    client.runs.get(1)
    text = repr(client)
    assert CLIENT_SECRET not in text
    assert not any(tok in text for tok in tokens.issued)
    assert "mdc.example.org" in text


def test_context_manager_closes_the_session(rsps):
    with make_client() as client:
        session = client._transport.session
        adapter = session.get_adapter(BASE)
        adapter.poolmanager.connection_from_url(BASE)
        assert len(adapter.poolmanager.pools) == 1
    assert len(adapter.poolmanager.pools) == 0
