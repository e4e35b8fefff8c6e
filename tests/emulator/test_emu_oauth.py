"""OAuth2 token endpoint, bearer tokens and the X-User-Email header."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from metadata_client.emulator import EmulatorServer

from emu_helpers import JSON_TYPE, Api, Ctl, fetch_token


def _token(server: EmulatorServer, **kwargs) -> requests.Response:
    if "json" not in kwargs:
        kwargs.setdefault("data", {"grant_type": "client_credentials"})
    return requests.post(server.token_url, timeout=30, **kwargs)


def test_token_with_basic_auth(api: Api) -> None:
    server = api.server
    response = _token(server, auth=(server.client_id, server.client_secret),
                      headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert list(body) == ["access_token", "token_type", "expires_in", "created_at"]
    assert "scope" not in body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert abs(body["created_at"] - time.time()) < 60
    assert len(body["access_token"]) >= 40


def test_token_with_form_credentials(api: Api) -> None:
    server = api.server
    response = _token(server, data={"grant_type": "client_credentials", "client_id": server.client_id,
                                    "client_secret": server.client_secret})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = requests.get(server.api_url + "me", headers={"Authorization": f"Bearer {token}",
                                                      "X-User-Email": server.user_email})
    assert me.status_code == 200


def test_tokens_are_random(api: Api) -> None:
    assert fetch_token(api.server) != fetch_token(api.server)


@pytest.mark.parametrize("auth", [("mymdc-emulator-client", "wrong"), ("nobody", "secret"), ("", "")])
def test_bad_client_credentials(api: Api, auth: tuple[str, str]) -> None:
    response = _token(api.server, auth=auth)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.json()["error"] == "invalid_client"
    assert "error_description" in response.json()
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_bad_form_secret(api: Api) -> None:
    server = api.server
    response = _token(server, data={"grant_type": "client_credentials", "client_id": server.client_id,
                                    "client_secret": "nope"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_no_client_credentials(api: Api) -> None:
    response = _token(api.server)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_malformed_basic_header(api: Api) -> None:
    response = _token(api.server, headers={"Authorization": "Basic !!!not-base64"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unsupported_grant_type(api: Api) -> None:
    server = api.server
    response = _token(server, data={"grant_type": "password", "username": "u", "password": "p"},
                      auth=(server.client_id, server.client_secret))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("kwargs", [
    {"data": {}},
    {"data": "grant_type=client_credentials", "headers": {"Content-Type": "text/plain"}},
    {"json": {"grant_type": "client_credentials"}},
])
def test_invalid_token_request(api: Api, kwargs: dict) -> None:
    server = api.server
    response = _token(server, auth=(server.client_id, server.client_secret), **kwargs)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_two_client_authentication_methods(api: Api) -> None:
    server = api.server
    response = _token(server, auth=(server.client_id, server.client_secret),
                      data={"grant_type": "client_credentials", "client_id": server.client_id,
                            "client_secret": server.client_secret})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_needs_post(api: Api) -> None:
    response = requests.get(api.server.token_url)
    assert response.status_code == 405
    assert response.headers["Content-Type"] == JSON_TYPE
    assert "info" in response.json()


def test_authorize_url_is_not_served(api: Api) -> None:
    response = requests.get(api.server.url + "/oauth/authorize")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == JSON_TYPE


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "Token abc", "Bearer not-a-token"])
def test_missing_or_invalid_token(api: Api, header: str | None) -> None:
    headers = {"X-User-Email": api.server.user_email}
    if header is not None:
        headers["Authorization"] = header
    response = requests.get(api.server.api_url + "me", headers=headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == JSON_TYPE
    assert isinstance(response.json()["info"], str)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token(api: Api, ctl: Ctl) -> None:
    assert api.get("me").status_code == 200
    assert ctl.post("tokens/expire") == {"expired": 1}
    response = api.get("me")
    assert response.status_code == 401
    assert response.json() == {"info": "The access token expired"}
    # a new token works again
    api._token = None
    assert api.get("me").status_code == 200


def test_revoked_tokens(api: Api, ctl: Ctl) -> None:
    other = fetch_token(api.server)
    assert api.get("me").status_code == 200
    assert ctl.post("tokens/revoke", {"token": other}) == {"revoked": 1}
    assert api.get("me").status_code == 200
    response = requests.get(api.server.api_url + "me", headers=api.headers(Authorization=f"Bearer {other}"))
    assert response.status_code == 401
    assert response.json() == {"info": "The access token was revoked"}
    assert ctl.post("tokens/revoke", {"token": "unknown"}) == {"revoked": 0}
    assert ctl.post("tokens/revoke") == {"revoked": 2}
    assert api.get("me").status_code == 401


def test_token_lifetime(api: Api, ctl: Ctl) -> None:
    assert ctl.post("tokens/lifetime", {"lifetime": 1}) == {"lifetime": 1}
    try:
        response = _token(api.server, auth=(api.server.client_id, api.server.client_secret))
        assert response.json()["expires_in"] == 1
        token = response.json()["access_token"]
        headers = api.headers(Authorization=f"Bearer {token}")
        assert requests.get(api.server.api_url + "me", headers=headers).status_code == 200
        time.sleep(1.1)
        assert requests.get(api.server.api_url + "me", headers=headers).status_code == 401
    finally:
        ctl.post("tokens/lifetime", {"lifetime": 7200})
    assert ctl.request("POST", "tokens/lifetime", {"lifetime": -5}).status_code == 400
    assert ctl.request("POST", "tokens/lifetime", {"lifetime": "x"}).status_code == 400


def test_reset_clears_tokens_unless_kept(api: Api, ctl: Ctl) -> None:
    assert api.get("me").status_code == 200
    ctl.post("reset", {"keep_tokens": True})
    assert api.get("me").status_code == 200
    ctl.post("reset")
    assert api.get("me").status_code == 401


@pytest.mark.parametrize("email", ["xxxxxxxxxxxxxx", "", "someone.else@example.org", "test@example.org.evil"])
def test_bad_user_email_is_forbidden(api: Api, email: str) -> None:
    response = api.get("data_group_types/?page=1&page_size=100", headers={"X-User-Email": email})
    assert response.status_code == 403
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.json() == {"info": "Incorrect request header: 'X-User-Email'!"}


def test_missing_user_email_is_forbidden(api: Api) -> None:
    headers = api.headers()
    del headers["X-User-Email"]
    response = requests.get(api.server.api_url + "me", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"info": "Incorrect request header: 'X-User-Email'!"}


def test_user_email_is_case_insensitive(api: Api) -> None:
    response = api.get("me", headers={"X-User-Email": api.server.user_email.upper()})
    assert response.status_code == 200
    assert response.json()["email"] == api.server.user_email


def test_other_seeded_user_may_act(api: Api) -> None:
    response = api.get("me", headers={"X-User-Email": "controls.robot@example.org"})
    assert response.status_code == 200
    assert response.json()["id"] == -7


def test_token_is_checked_before_user(api: Api) -> None:
    response = requests.get(api.server.api_url + "me", headers={"X-User-Email": "xxxxxxxxxxxxxx"})
    assert response.status_code == 401


def test_secrets_never_logged(api: Api, ctl: Ctl, capfd: pytest.CaptureFixture[str]) -> None:
    token = api.token
    api.get("me")
    api.get("me?access_token=leak&client_secret=leak2&page=1")
    basic = base64.b64encode(f"{api.server.client_id}:{api.server.client_secret}".encode()).decode()
    log = ctl.log()
    text = repr(log)
    for secret in (token, api.server.client_secret, basic, "leak", "leak2"):
        assert secret not in text
    assert log[-1]["query"] == "access_token=%5BREDACTED%5D&client_secret=%5BREDACTED%5D&page=1"
    out, err = capfd.readouterr()
    assert token not in out + err and api.server.client_secret not in out + err
