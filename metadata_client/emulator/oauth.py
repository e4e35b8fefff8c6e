"""OAuth2 client-credentials token endpoint and bearer-token checks.

Tokens are random (``secrets.token_urlsafe``) and kept only as SHA-256
digests, so neither the request log nor a memory dump of the registry reveals
a usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import unquote_plus

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from .errors import ApiError
from .replies import reply

FORM_TYPE = "application/x-www-form-urlencoded"
REALM = 'realm="myMdC emulator"'


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass
class _Token:
    client_id: str
    expires_at: float
    revoked: bool = False


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response."""

    def __init__(self, status: int, error: str, description: str, headers: Mapping[str, str] | None = None):
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description
        self.headers = dict(headers or {})

    def response(self) -> Response:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **self.headers}
        return reply({"error": self.error, "error_description": self.description}, self.status, headers)


class TokenAuthority:
    """Registered client applications and the access tokens issued to them."""

    def __init__(self, clients: Mapping[str, str], lifetime: float = 7200) -> None:
        self._clients = dict(clients)
        self.lifetime = lifetime
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()

    # issuing ---------------------------------------------------------------

    def token_endpoint(self, request: Request) -> Response:
        """``POST <app>/oauth/token`` with ``grant_type=client_credentials``."""
        try:
            client_id = self._authorize(request)
        except OAuthError as error:
            return error.response()
        return reply(self.issue(client_id), 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authorize(self, request: Request) -> str:
        if request.mimetype != FORM_TYPE:
            raise OAuthError(400, "invalid_request", f"The request body must be {FORM_TYPE}.")
        request.max_content_length = 65536
        request.max_form_memory_size = 65536
        try:
            form = request.form
        except RequestEntityTooLarge:
            raise OAuthError(400, "invalid_request", "The request body is too large.") from None
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError(400, "invalid_request", "The request is missing the grant_type parameter.")
        if grant != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", f"The grant type {grant!r} is not supported.")
        header = request.headers.get("Authorization")
        if header is not None and form.get("client_secret") is not None:
            raise OAuthError(400, "invalid_request", "Use one client authentication method, not two.")
        if header is not None:
            basic = request.authorization
            if basic is None or basic.type != "basic":
                raise self._bad_client(basic=True)
            client_id, secret = basic.username or "", basic.password or ""
            if not self._known(client_id, secret):
                client_id, secret = unquote_plus(client_id), unquote_plus(secret)
            if not self._known(client_id, secret):
                raise self._bad_client(basic=True)
            return client_id
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not self._known(client_id, secret):
            raise self._bad_client(basic=False)
        return client_id

    def _known(self, client_id: str, secret: str) -> bool:
        expected = self._clients.get(client_id)
        return expected is not None and hmac.compare_digest(expected.encode(), secret.encode("utf-8", "replace"))

    @staticmethod
    def _bad_client(basic: bool) -> OAuthError:
        headers = {"WWW-Authenticate": f"Basic {REALM}"} if basic else {}
        return OAuthError(401, "invalid_client", "Client authentication failed (unknown client or wrong secret).",
                          headers)

    def issue(self, client_id: str) -> dict[str, Any]:
        """A new bearer token for a registered client (the token response body)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        lifetime = self.lifetime
        with self._lock:
            if len(self._tokens) > 10000:
                self._tokens = {k: t for k, t in self._tokens.items() if not t.revoked and t.expires_at > now}
            self._tokens[_digest(token)] = _Token(client_id, now + lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": int(lifetime), "created_at": int(now)}

    # checking ----------------------------------------------------------------

    def authenticate(self, header: str | None) -> None:
        """Raise a 401 ApiError unless ``header`` carries a valid bearer token."""
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self._unauthorized("The access token is missing")
        entry = self._tokens.get(_digest(token))
        if entry is None:
            raise self._unauthorized("The access token is invalid")
        if entry.revoked:
            raise self._unauthorized("The access token was revoked")
        if entry.expires_at <= time.time():
            raise self._unauthorized("The access token expired")

    @staticmethod
    def _unauthorized(message: str) -> ApiError:
        challenge = f'Bearer {REALM}, error="invalid_token", error_description="{message}"'
        return ApiError(401, message, {"WWW-Authenticate": challenge})

    # control --------------------------------------------------------------------

    def expire_all(self) -> int:
        """Make every issued token expired now; returns how many."""
        now = time.time()
        with self._lock:
            for entry in self._tokens.values():
                entry.expires_at = min(entry.expires_at, now - 1)
            return len(self._tokens)

    def revoke(self, token: str | None = None) -> int:
        """Revoke one token (by value) or all; returns how many were revoked."""
        with self._lock:
            if token is None:
                entries = list(self._tokens.values())
            else:
                entry = self._tokens.get(_digest(token))
                entries = [] if entry is None else [entry]
            for entry in entries:
                entry.revoked = True
            return len(entries)

    def clear(self) -> None:
        """Forget every issued token."""
        with self._lock:
            self._tokens.clear()

    def issued(self) -> int:
        """How many tokens are known (valid or not)."""
        return len(self._tokens)
