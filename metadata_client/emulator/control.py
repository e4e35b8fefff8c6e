"""The control plane: reset, faults, token expiry/revocation, request log.

Usable in-process as ``server.control`` and, when enabled, over HTTP under
``<app>/_emulator/`` (JSON in, JSON out).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping
from urllib.parse import parse_qsl, urlencode

from werkzeug.wrappers import Response

from .errors import ApiError
from .faults import FaultBook
from .oauth import TokenAuthority
from .records import Records
from .replies import no_content, reply
from .store import SeedData, Store

if TYPE_CHECKING:
    from .api import Call

LOG_LIMIT = 100_000
_SECRET_WORDS = ("token", "secret", "password", "code", "assertion", "key")


def redact_query(query: str) -> str:
    """The query string with the values of credential-like parameters hidden."""
    lowered = query.lower()
    if not any(word in lowered for word in _SECRET_WORDS):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(k, "[REDACTED]" if any(w in k.lower() for w in _SECRET_WORDS) else v) for k, v in pairs]
    )


class RequestLog:
    """The most recent requests (API and token endpoint), oldest first."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    def add(self, entry: dict[str, Any]) -> None:
        entry["seq"] = next(self._seq)
        self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        return [dict(entry) for entry in list(self._entries)]

    def clear(self) -> None:
        self._entries.clear()


@dataclass
class State:
    """Everything a running emulator keeps: records, tokens, faults, request log."""

    records: Records
    tokens: TokenAuthority
    faults: FaultBook = field(default_factory=FaultBook)
    log: RequestLog = field(default_factory=RequestLog)

    @property
    def store(self) -> Store:
        return self.records.store


class Control:
    """Drive a running emulator from tests."""

    def __init__(
        self, state: State, seed: Callable[[], SeedData], on_reset: Callable[[], None] = lambda: None
    ) -> None:
        self._store = state.store
        self._seed = seed
        self._tokens = state.tokens
        self._faults = state.faults
        self._log = state.log
        self.on_reset = on_reset
        self._reset_lock = threading.Lock()

    def reset(self, keep_tokens: bool = False) -> None:
        """Restore the seed data; clear faults, the request log and (unless kept) tokens."""
        with self._reset_lock:
            self._store.reset(self._seed())
            self._faults.clear()
            self._log.clear()
            if not keep_tokens:
                self._tokens.clear()
            self.on_reset()

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        """Script a fault for the next ``count`` matching requests; returns it as a dict.

        Fields: ``method`` ("GET"... or "*"), ``path`` (regex searched in the path after
        the prefix, e.g. ``^/api/runs``), ``count`` (default 1), ``action`` (delay, status,
        drop, garbage, truncate), ``delay`` (seconds), ``status``, ``body`` (raw text),
        ``headers``, ``after`` (process the request first, then play the fault).
        Raises ValueError for an invalid spec.
        """
        return self._faults.add(spec)

    def faults(self) -> list[dict[str, Any]]:
        """The pending faults (with their remaining counts)."""
        return self._faults.describe()

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self._faults.clear()

    def expire_tokens(self) -> int:
        """Expire every issued token now; returns how many there were."""
        return self._tokens.expire_all()

    def revoke_tokens(self, token: str | None = None) -> int:
        """Revoke one token or all of them; returns how many were revoked."""
        return self._tokens.revoke(token)

    def set_token_lifetime(self, seconds: float) -> None:
        """Lifetime (``expires_in``) of the tokens issued from now on."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 10**9:
            raise ValueError("lifetime must be a number of seconds >= 0")
        self._tokens.lifetime = seconds

    def token_lifetime(self) -> float:
        return self._tokens.lifetime

    def request_log(self) -> list[dict[str, Any]]:
        """Every logged request, oldest first: seq, time, method, path, query, status,
        token_fetch, fault, duration_ms."""
        return self._log.entries()

    def clear_log(self) -> None:
        """Empty the request log."""
        self._log.clear()

    # HTTP ------------------------------------------------------------------------

    def routes(self) -> dict[str, dict[str, Callable[[Call], Response]]]:
        """URL rule -> {method: handler} for ``/_emulator/``."""
        return {
            "/_emulator/reset": {"POST": self._http_reset},
            "/_emulator/faults": {
                "GET": lambda call: reply(self.faults()),
                "POST": self._http_add_fault,
                "DELETE": lambda call: self._done(self.clear_faults),
            },
            "/_emulator/tokens/expire": {"POST": lambda call: reply({"expired": self.expire_tokens()})},
            "/_emulator/tokens/revoke": {"POST": self._http_revoke},
            "/_emulator/tokens/lifetime": {"POST": self._http_lifetime},
            "/_emulator/log": {
                "GET": lambda call: reply(self.request_log()),
                "DELETE": lambda call: self._done(self.clear_log),
            },
        }

    @staticmethod
    def _done(action: Callable[[], None]) -> Response:
        action()
        return no_content()

    @staticmethod
    def _options(call: Call) -> Mapping[str, Any]:
        body = call.body()
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object")
        return body

    def _http_reset(self, call: Call) -> Response:
        keep = self._options(call).get("keep_tokens", False)
        if not isinstance(keep, bool):
            raise ApiError(400, "keep_tokens must be true or false")
        self.reset(keep_tokens=keep)
        return reply({"info": "Emulator reset", "keep_tokens": keep})

    def _http_add_fault(self, call: Call) -> Response:
        try:
            return reply(self.add_fault(**self._options(call)), 201)
        except (ValueError, TypeError) as error:
            raise ApiError(400, str(error)) from None

    def _http_revoke(self, call: Call) -> Response:
        token = self._options(call).get("token")
        if token is not None and not isinstance(token, str):
            raise ApiError(400, "token must be a string")
        return reply({"revoked": self.revoke_tokens(token)})

    def _http_lifetime(self, call: Call) -> Response:
        try:
            self.set_token_lifetime(self._options(call).get("lifetime"))  # type: ignore[arg-type]
        except ValueError as error:
            raise ApiError(400, str(error)) from None
        return reply({"lifetime": self.token_lifetime()})
