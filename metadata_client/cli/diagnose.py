"""Errors in words, and ``mymdc config check``.

:func:`describe` turns the library's errors into a sentence that says what
is probably wrong and what to change; :func:`check` fetches a token and asks
the API who we are, naming the setting at fault when a step fails.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import (APIError, AuthenticationError, ConnectTimeout, ConnectionFailed, DeadlineExceeded,
                      MetadataClientError, PermissionDeniedError, ReadTimeout, TransportError)
from .config import ENV, Settings
from .output import Output

EXIT_API, EXIT_USAGE, EXIT_AUTH, EXIT_TRANSPORT = 1, 2, 3, 4
EMAIL_HEADER = "X-User-Email"
_SSL_REASON = re.compile(r"\[SSL[^\]]*\]\s*([^'\"(]+)")


class CheckFailed(Exception):
    """``config check`` found a problem; carries the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _host(url: str | None) -> str:
    parts = urlsplit(url or "")
    return parts.netloc or (url or "the server")


def _server_said(exc: MetadataClientError) -> str:
    body = exc.body
    if isinstance(body, dict):
        words = [str(body[k]) for k in ("error_description", "info", "error") if body.get(k)]
        if words:
            return words[0]
    return exc.message


def _transport(exc: TransportError, settings: Settings | None) -> str:
    if isinstance(exc, DeadlineExceeded) and isinstance(exc.__cause__, TransportError):
        return _transport(exc.__cause__, settings)  # the retries ran out of time: say why they failed
    host = _host(exc.url)
    if exc.message.startswith("TLS error"):
        return _tls(host, exc.message)
    if isinstance(exc, (ReadTimeout, DeadlineExceeded)):
        limit = f" ({settings['timeout']:g} s)" if settings is not None else ""
        return f"{host} did not answer in time{limit}; try again or raise --timeout"
    if isinstance(exc, ConnectTimeout):
        return f"no connection to {host} within the connect timeout: check the URL and the network"
    if isinstance(exc, ConnectionFailed) and exc.unsent:
        return f"cannot reach {host} (connection refused or unknown host): is the URL right and the server up?"
    return f"the connection to {host} failed: {exc.message}"


def _tls(host: str, message: str) -> str:
    found = _SSL_REASON.search(message)
    reason = found.group(1).strip() if found else message
    if "WRONG_VERSION_NUMBER" in message:
        return f"TLS failed with {host} ({reason}): is it a plain http server? then use an http:// URL"
    return (f"TLS failed with {host} ({reason}); if the server uses a private CA, set ssl_verify to "
            f"its CA bundle ({ENV['ssl_verify']}=/path/ca.pem or --ssl-verify PATH)")


def _authentication(exc: AuthenticationError, settings: Settings | None) -> str:
    token_url = settings["token_url"] if settings is not None else None
    said = _server_said(exc)
    if EMAIL_HEADER in said:
        return _email(said, settings)
    if exc.url == token_url or exc.message.startswith("token request"):
        if exc.status == 404:
            return f"{exc.url} is not a token endpoint (HTTP 404): check url or token_url"
        return f"the client id or secret was refused by {exc.url} ({said})"
    return f"the API refused the access token ({said})"


def _email(said: str, settings: Settings | None) -> str:
    email = settings["user_email"] if settings is not None else None
    return f"the server does not accept the user e-mail {email!r} ({said}): check user_email"


def describe(exc: BaseException, settings: Settings | None = None) -> str:
    """A sentence saying what went wrong and, where it can tell, what to change."""
    if isinstance(exc, TransportError):
        return _transport(exc, settings)
    if isinstance(exc, AuthenticationError):
        return _authentication(exc, settings)
    if isinstance(exc, PermissionDeniedError) and EMAIL_HEADER in _server_said(exc):
        return _email(_server_said(exc), settings)
    if isinstance(exc, APIError):
        status = f" (HTTP {exc.status})" if exc.status is not None else ""
        return f"{exc.message}{status}"
    return str(exc)


def exit_code(exc: BaseException) -> int:
    """The exit code for a library error: 3 authentication (or e-mail), 4 transport, 1 API."""
    if isinstance(exc, TransportError):
        return EXIT_TRANSPORT
    if isinstance(exc, AuthenticationError) or (
            isinstance(exc, PermissionDeniedError) and EMAIL_HEADER in _server_said(exc)):
        return EXIT_AUTH
    return EXIT_API


def check(settings: Settings) -> Output:
    """Fetch a token and GET ``me``; the rows say what was checked.

    Raises :class:`CheckFailed` with the exit code of the first failing step.
    """
    client = settings.client()
    rows: list[dict[str, Any]] = [{"check": "settings", "result": f"complete (API {settings['api_url']})"}]
    try:
        with client:
            me = client.users.me()
    except MetadataClientError as exc:
        step = "token" if client.token_fetches == 0 or isinstance(exc, AuthenticationError) else "user"
        raise CheckFailed(f"{step} check failed: {describe(exc, settings)}", exit_code(exc)) from None
    rows.append({"check": "token", "result": f"issued by {settings['token_url']}"})
    who = me.get("name") or " ".join(filter(None, (me.get("first_name"), me.get("last_name"))))
    rows.append({"check": "user", "result": f"{who} <{me.get('email')}> (id {me.get('id')})"})
    return Output(rows, ["check", "result"], title="configuration works")
