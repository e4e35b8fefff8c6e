"""OAuth2 client-credentials tokens for the API.

The token request is built and its answer validated by oauthlib's
``BackendApplicationClient``; the POST itself goes through the client's own
pooled session, with the call's timeouts, retries and deadline. We do not
route it through ``requests_oauthlib.OAuth2Session.fetch_token``: that method
logs the request headers (the HTTP Basic credentials) and the token answer at
DEBUG level, and refuses plain http unless ``OAUTHLIB_INSECURE_TRANSPORT`` is
set for the whole process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .errors import AuthenticationError, DeadlineExceeded, ServerError, UnparseableResponseError

if TYPE_CHECKING:  # pragma: no cover
    import requests

log = logging.getLogger(__name__)

#: Refresh this long before expiry, at most; never more than a tenth of the lifetime.
MAX_LEEWAY = 60.0


@dataclass(frozen=True)
class Token:
    """An access token and the monotonic time after which it is not used."""

    value: str = ""
    refresh_at: float = float("inf")

    def __repr__(self) -> str:  # never show the token itself
        return f"Token(refresh_at={self.refresh_at!r})"

    def fresh(self, now: float) -> bool:
        return bool(self.value) and now < self.refresh_at


def token_from_answer(answer: Mapping[str, Any], now: float) -> Token:
    """Build a :class:`Token` from a token-endpoint answer or a saved token dict.

    ``expires_in`` (seconds) wins over ``expires_at`` (epoch seconds); with
    neither, the token is used until the API answers 401.
    """
    value = answer.get("access_token")
    if not isinstance(value, str) or not value:
        raise ValueError("the token has no access_token")
    lifetime: float | None = None
    if answer.get("expires_in") not in (None, ""):
        lifetime = float(answer["expires_in"])
    elif answer.get("expires_at") not in (None, ""):
        lifetime = float(answer["expires_at"]) - time.time()
    if lifetime is None:
        return Token(value)
    leeway = min(MAX_LEEWAY, max(lifetime, 0.0) / 10)
    return Token(value, now + lifetime - leeway)


class TokenProvider:
    """Fetches, caches and renews the bearer token; safe to share across threads.

    ``send`` posts the token request: ``send(url, data=..., headers=...,
    auth=..., deadline=...)`` returns a ``requests.Response`` and applies the
    caller's timeouts, retries and deadline. At most one thread fetches at a
    time; the others wait (within their own deadline) and reuse its token.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str,
        scope: str | list[str] | None,
        send: Callable[..., "requests.Response"],
        session_token: Mapping[str, Any] | str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self._scope = scope or None
        self._send = send
        self._clock = clock
        self._lock = threading.Lock()
        self._token = Token()
        self.fetch_count = 0
        if session_token:
            saved = {"access_token": session_token} if isinstance(session_token, str) else session_token
            if saved.get("expires_at") not in (None, ""):
                # A saved token's expires_in is its original lifetime, not what is left of it.
                saved = {k: v for k, v in saved.items() if k != "expires_in"}
            self._token = token_from_answer(saved, clock())

    def __repr__(self) -> str:
        return f"TokenProvider(client_id={self._client_id!r}, token_url={self.token_url!r})"

    def token(self, deadline: float) -> str:
        """Return a valid access token, fetching one if needed before ``deadline``.

        Raises :class:`AuthenticationError` when the credentials are refused,
        and :class:`DeadlineExceeded` or another transport error when no token
        could be had in time.
        """
        current = self._token
        if current.fresh(self._clock()):
            return current.value
        if not self._lock.acquire(timeout=max(0.0, deadline - self._clock())):
            raise DeadlineExceeded("deadline reached waiting for a token", url=self.token_url)
        try:
            if not self._token.fresh(self._clock()):  # another thread may have fetched it
                self._token = self._fetch(deadline)
            return self._token.value
        finally:
            self._lock.release()

    def invalidate(self, value: str) -> None:
        """Forget ``value`` (the API refused it) unless a newer token replaced it."""
        with self._lock:
            if self._token.value == value:
                self._token = Token()

    def _fetch(self, deadline: float) -> Token:
        from oauthlib.oauth2 import BackendApplicationClient  # loaded on first fetch only
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error
        from requests.auth import HTTPBasicAuth

        client = BackendApplicationClient(self._client_id)
        body = client.prepare_request_body(scope=self._scope)
        log.debug("fetching an access token from %s", self.token_url)
        response = self._send(
            self.token_url,
            data=body,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            auth=HTTPBasicAuth(self._client_id, self._client_secret),
            deadline=deadline,
        )
        self.fetch_count += 1
        if response.status_code >= 500:
            raise ServerError(
                f"the token endpoint failed: {_error_text(response)}",
                method="POST", url=self.token_url, status=response.status_code,
            )
        if response.status_code != 200:
            raise AuthenticationError(
                f"token request refused: {_error_text(response)}",
                method="POST",
                url=self.token_url,
                status=response.status_code,
                body=_safe_json(response),
            )
        try:
            answer = client.parse_request_body_response(response.text, scope=self._scope)
            token = token_from_answer(answer, self._clock())
        except (OAuth2Error, ValueError, Warning) as exc:
            raise UnparseableResponseError(
                f"invalid token answer: {type(exc).__name__}",
                method="POST",
                url=self.token_url,
                status=response.status_code,
            ) from None
        log.debug("access token obtained; renewing it in %.1f s", token.refresh_at - self._clock())
        return token


def _safe_json(response: "requests.Response") -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_text(response: "requests.Response") -> str:
    """The server's error words from an RFC 6749 error body, or the status."""
    body = _safe_json(response)
    if isinstance(body, dict):
        words = [str(body[k]) for k in ("error", "error_description", "info") if body.get(k)]
        if words:
            return ": ".join(words)
    return f"HTTP {response.status_code}"
