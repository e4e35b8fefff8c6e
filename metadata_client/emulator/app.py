"""The WSGI application: URL prefix, faults, authentication, routing, request log.

Every answer is JSON, including unknown routes (404), wrong methods (405) and
unexpected exceptions (500 ``{"info": "Internal Server Error"}``, logged under
the ``metadata_client.emulator`` logger).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from typing import Any, Callable, Iterable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .api import Call, Endpoint, api_routes
from .control import Control, State, redact_query
from .errors import ApiError
from .faults import Fault
from .replies import error_reply

logger = logging.getLogger("metadata_client.emulator")

_SLASHES = re.compile(r"/{2,}")
FORBIDDEN_EMAIL = "Incorrect request header: 'X-User-Email'!"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def normalize(path: str) -> str:
    """Collapse repeated slashes and drop a trailing one (``/api/runs/`` -> ``/api/runs``)."""
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path or "/"


class EmulatorApp:
    """The emulator as a WSGI application (served by :class:`~.server.EmulatorServer`)."""

    def __init__(
        self,
        state: State,
        control: Control,
        prefix: str = "/metadata",
        control_enabled: bool = False,
        body_limit: int = 1024 * 1024,
    ) -> None:
        self.records = state.records
        self.tokens = tokens = state.tokens
        self.faults = state.faults
        self.log = state.log
        self.prefix = prefix
        self.body_limit = body_limit
        self._users: dict[str, dict[str, Any]] | None = None
        self.endpoints: dict[str, Endpoint] = dict(api_routes(self.records.resources))
        self.endpoints["/oauth/token"] = Endpoint({"POST": lambda call: tokens.token_endpoint(call.request)})
        if control_enabled:
            for path, handlers in control.routes().items():
                self.endpoints[path] = Endpoint(handlers)
        url_map = Map(
            [Rule(path, endpoint=path, methods=list(e.handlers)) for path, e in self.endpoints.items()],
            strict_slashes=False,
            merge_slashes=False,
        )
        self.adapter = url_map.bind("emulator")

    def forget_users(self) -> None:
        """Drop the cached users (after the store was reset)."""
        self._users = None

    def _user(self, email: str) -> dict[str, Any] | None:
        users = self._users
        if users is None:
            rows = self.records.store.rows("SELECT * FROM users")
            users = self._users = {(row["email"] or "").strip().lower(): row for row in rows if row["email"]}
        return users.get(email.strip().lower())

    # WSGI -----------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        path = request.path
        prefix = self.prefix
        inner = path[len(prefix):] if path == prefix or path.startswith(prefix + "/") else None
        route = normalize(inner or "/") if inner is not None else None
        if route is not None and (route == "/_emulator" or route.startswith("/_emulator/")):
            return self._dispatch(request, route)(environ, start_response)
        fault = self.faults.take(request.method, route or path) if self.faults.pending else None
        app, status = self._answer(request, route, fault)
        self.log.add({
            "seq": 0,
            "time": time.time(),
            "method": request.method,
            "path": inner if inner is not None else path,
            "query": redact_query(environ.get("QUERY_STRING", "")),
            "status": status,
            "token_fetch": route == "/oauth/token",
            "fault": fault.action if fault else None,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        })
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %s", request.method, inner if inner is not None else path, status)
        return app(environ, start_response)

    def _answer(self, request: Request, route: str | None, fault: Fault | None) -> tuple[WSGIApp, int | None]:
        if fault is None:
            response = self._dispatch(request, route)
            return response, response.status_code
        if fault.delay:
            time.sleep(fault.delay)
        if fault.action == "delay" and fault.status is None:
            response = self._dispatch(request, route)
            return response, response.status_code
        if fault.after:
            self._dispatch(request, route)
        if fault.action == "drop":
            return fault.respond, None
        default = 500 if fault.action in ("status", "delay") else 200
        return fault.respond, fault.status if fault.status is not None else default

    def _dispatch(self, request: Request, route: str | None) -> Response:
        try:
            return self._route(request, route)
        except ApiError as error:
            return error_reply(error.status, error.info, error.headers)
        except HTTPException as error:  # e.g. the client disconnected while sending the body
            return error_reply(error.code or 400, error.description or error.name, {"Connection": "close"})
        except sqlite3.IntegrityError as error:
            logger.warning("constraint violated by %s %s: %s", request.method, route, error)
            return error_reply(422, {"base": [f"violates a database constraint ({error})"]})
        except Exception:
            logger.exception("internal error on %s %s", request.method, route)
            return error_reply(500, "Internal Server Error")

    def _route(self, request: Request, route: str | None) -> Response:
        if route is None:
            raise ApiError(404, f"No route matches {request.path} (the application is under {self.prefix or '/'})")
        user = None
        if route == "/api" or route.startswith("/api/"):
            self.tokens.authenticate(request.environ.get("HTTP_AUTHORIZATION"))
            user = self._user(request.environ.get("HTTP_X_USER_EMAIL", ""))
            if user is None:
                raise ApiError(403, FORBIDDEN_EMAIL)
        method = request.method
        try:
            key, values = self.adapter.match(route, method)
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or ()))
            raise ApiError(405, f"Method {method} not allowed on {route}", {"Allow": allowed}) from None
        except NotFound:
            raise ApiError(404, f"No route matches [{method}] {route}") from None
        endpoint = self.endpoints[key]
        handler = endpoint.handlers.get(method) or endpoint.handlers["GET"]
        call = Call(request, self.records, endpoint.resource, user, self.body_limit)
        return handler(call, **values)


def split_prefix(prefix: str) -> str:
    """Normalise a URL prefix: leading slash, no trailing slash, ``""`` for the root."""
    prefix = "/" + prefix.strip().strip("/")
    return "" if prefix == "/" else normalize(prefix)

