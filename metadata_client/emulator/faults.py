"""Scripted faults: the next N requests matching a method and a path regex
are delayed, answered with a chosen status, dropped, garbled or truncated.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from werkzeug.http import HTTP_STATUS_CODES

from .replies import JSON_TYPE, dumps

ACTIONS = ("delay", "status", "drop", "garbage", "truncate")
METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_KEYS = {"method", "path", "count", "action", "delay", "status", "body", "headers", "after"}
MAX_DELAY = 600.0

GARBAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The proxy received an invalid response.</p></body></html>\n"
)


@dataclass
class Fault:
    """One scripted fault (see :meth:`FaultBook.add` for the fields)."""

    id: int
    method: str
    path: str
    count: int
    action: str
    delay: float = 0.0
    status: int | None = None
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    after: bool = False
    pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id, "method": self.method, "path": self.path, "count": self.count,
            "action": self.action, "delay": self.delay, "status": self.status, "body": self.body,
            "headers": dict(self.headers), "after": self.after,
        }

    # the WSGI applications that play the fault ---------------------------------

    def _status_line(self, default: int) -> tuple[int, str]:
        status = self.status if self.status is not None else default
        return status, f"{status} {HTTP_STATUS_CODES.get(status, 'Unknown')}"

    def _headers(self, content_type: str, length: int) -> list[tuple[str, str]]:
        headers = {"Content-Type": content_type, **self.headers, "Content-Length": str(length)}
        return list(headers.items())

    def respond(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        """WSGI app answering as this fault's action says (not for ``delay`` alone)."""
        if self.action == "drop":
            _shutdown(environ)
            start_response("500 Internal Server Error", [("Content-Length", "0"), ("Connection", "close")])
            return iter(())
        if self.action == "garbage":
            body = GARBAGE if self.body is None else self.body.encode()
            status, line = self._status_line(200)
            start_response(line, self._headers("text/html; charset=utf-8", len(body)))
            return iter((body,))
        if self.action == "truncate":
            return self._truncated(start_response)
        status, line = self._status_line(500)
        if self.body is not None:
            body = self.body.encode()
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            body = dumps({"info": f"Injected fault: HTTP {status}"})
        start_response(line, self._headers(JSON_TYPE, len(body)))
        return iter((body,))

    def _truncated(self, start_response: Any) -> Iterator[bytes]:
        full = self.body.encode() if self.body is not None else dumps(
            [{"id": 1, "info": "This body is cut short by an injected fault."}]
        )
        sent = full[: max(1, len(full) // 2)]
        status, line = self._status_line(200)
        headers = self._headers(JSON_TYPE, len(full) + 64) + [("Connection", "close")]
        start_response(line, headers)
        yield sent


def _shutdown(environ: Mapping[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _spec_error(message: str) -> ValueError:
    return ValueError(f"invalid fault: {message}")


def _number(spec: Mapping[str, Any], name: str, default: Any, low: float, high: float, kind: type) -> Any:
    value = spec.get(name, default)
    if value is None:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or (kind is int and not float(value).is_integer()):
        raise _spec_error(f"{name} must be a number")
    if not low <= value <= high:
        raise _spec_error(f"{name} must be within {low}..{high}")
    return kind(value)


def build_fault(ident: int, spec: Mapping[str, Any]) -> Fault:
    """Validate a fault spec (the JSON of ``POST /_emulator/faults``)."""
    unknown = set(spec) - _KEYS
    if unknown:
        raise _spec_error(f"unknown keys {sorted(unknown)}")
    method = spec.get("method", "*")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _spec_error(f"method must be one of {METHODS}")
    path = spec.get("path", "")
    if not isinstance(path, str):
        raise _spec_error("path must be a regular expression string")
    try:
        pattern = re.compile(path)
    except re.error as error:
        raise _spec_error(f"path is not a regular expression: {error}") from None
    action = spec.get("action")
    if action not in ACTIONS:
        raise _spec_error(f"action must be one of {ACTIONS}")
    count = _number(spec, "count", 1, 1, 1_000_000, int)
    delay = _number(spec, "delay", None, 0, MAX_DELAY, float)
    if action == "delay" and delay is None:
        raise _spec_error("action 'delay' needs 'delay' (seconds)")
    status = _number(spec, "status", None, 100, 599, int)
    body = spec.get("body")
    if body is not None and (not isinstance(body, str) or not _encodes(body, "utf-8")):
        raise _spec_error("body must be a (UTF-8 encodable) string")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and not set("\r\n:") & set(k) and not set("\r\n") & set(v)
        and k.strip() and _encodes(k + v, "latin-1") for k, v in headers.items()
    ):
        raise _spec_error("headers must map header names to single-line strings")
    after = spec.get("after", False)
    if not isinstance(after, bool):
        raise _spec_error("after must be true or false")
    return Fault(
        ident, method.upper(), path, count, action, delay or 0.0, status, body, dict(headers), after, pattern
    )


class FaultBook:
    """Pending faults, consumed by matching requests in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def pending(self) -> bool:
        return bool(self._faults)

    def add(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        fault = build_fault(next(self._ids), spec)
        with self._lock:
            self._faults.append(fault)
        return fault.describe()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.method in ("*", method) and fault.pattern.search(path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
