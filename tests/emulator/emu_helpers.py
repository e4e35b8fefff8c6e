"""Helpers for the emulator's tests: an authenticated ``requests`` client and the
control plane over HTTP."""

from __future__ import annotations

import json
from typing import Any

import requests

from metadata_client.emulator import EmulatorServer

JSON_TYPE = "application/json; charset=utf-8"


class Api:
    """Authenticated ``requests`` calls to ``<app>/api/`` (paths are appended as given)."""

    def __init__(self, server: EmulatorServer, session: requests.Session) -> None:
        self.server = server
        self.session = session
        self._token: str | None = None

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = fetch_token(self.server, self.session)
        return self._token

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-User-Email": self.server.user_email,
            "Content-Type": "application/json",
            "Accept": "application/json; version=1",
        }
        headers.update(extra)
        return headers

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        headers = self.headers(**kwargs.pop("headers", {}))
        data = kwargs.pop("data", None)
        if body is not None:
            data = json.dumps(body)
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.server.api_url + path, data=data, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """Call and assert the status; returns the parsed JSON body (None if empty)."""
        response = self.request(method, path, body)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        assert response.headers["Content-Type"] == JSON_TYPE
        return response.json() if response.content else None


class Ctl:
    """The control plane over HTTP."""

    def __init__(self, server: EmulatorServer, session: requests.Session) -> None:
        self.base = server.url + "/_emulator/"
        self.session = session

    def request(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.session.request(method, self.base + path, json=body, timeout=30)

    def post(self, path: str, body: Any = None) -> Any:
        response = self.request("POST", path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def log(self) -> list[dict[str, Any]]:
        response = self.request("GET", "log")
        assert response.status_code == 200
        return response.json()


def fetch_token(server: EmulatorServer, session: requests.Session | None = None) -> str:
    post = (session or requests).post
    response = post(server.token_url, data={"grant_type": "client_credentials"},
                    auth=(server.client_id, server.client_secret), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
