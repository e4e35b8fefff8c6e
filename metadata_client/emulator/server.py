"""The HTTP server: a threaded werkzeug server on loopback, with keep-alive.

werkzeug's development server closes every connection after one response;
the request handler here keeps HTTP/1.1 connections open when the request
body was fully read and the response has a length, which roughly doubles the
throughput for clients that reuse connections (``requests.Session``).
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
from typing import Any, Mapping

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

from .app import EmulatorApp, split_prefix
from .control import Control, State
from .oauth import TokenAuthority
from .records import Records
from .replies import JSON_TYPE
from .resources import RESOURCES
from .seeds import DEFAULT_CLIENT_ID, DEFAULT_USER, SEEDS, seed_data
from .store import Store

logger = logging.getLogger("metadata_client.emulator")

DEFAULT_USER_EMAIL = DEFAULT_USER["email"]


DRAIN_LIMIT = 4 * 1024 * 1024


def _drainable(stream: LimitedStream | None) -> bool:
    """Whether the connection can be kept: the unread body is known and small."""
    return stream is not None and (stream.is_exhausted or stream.limit - stream.tell() <= DRAIN_LIMIT)


class _Handler(WSGIRequestHandler):
    """werkzeug's handler with keep-alive, JSON error pages and no access log."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server._track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server._track(self.connection, False)  # type: ignore[attr-defined]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        logger.debug("http: " + message, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed HTTP (bad request line, oversized headers): answer JSON, then close."""
        self.close_connection = True
        if code == 505:  # "HTTP/2.0" and the like: still the client's mistake
            code = 400
        reason = self.responses.get(code, ("Error",))[0]
        body = json.dumps({"info": message or reason}).encode()
        headers = [("Content-Type", JSON_TYPE), ("Content-Length", str(len(body))), ("Connection", "close")]
        try:
            self.wfile.write(self._head(code, reason, headers) + body)
        except OSError:
            pass

    def _head(self, code: int, reason: str, headers: list[tuple[str, str]]) -> bytes:
        """Status line and headers, always HTTP/1.1 framed (also for unparsable requests)."""
        lines = [f"HTTP/1.1 {code} {reason}", f"Server: {self.version_string()}",
                 f"Date: {self.date_time_string()}", *(f"{name}: {value}" for name, value in headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        stream: LimitedStream | None = None
        if "wsgi.input_terminated" not in environ:
            length = environ.get("CONTENT_LENGTH") or "0"
            if not length.isdigit():
                self.send_error(400, "Invalid Content-Length")
                return
            stream = LimitedStream(self.rfile, int(length))  # type: ignore[arg-type]
            environ["wsgi.input"] = stream
            environ["wsgi.input_terminated"] = True
        state: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            state["status"], state["headers"] = status, headers
            return write

        def write(data: bytes) -> None:
            if "sent" in state:
                if data:
                    self.wfile.write(data)
                return
            state["sent"] = True
            code, _, reason = state["status"].partition(" ")
            headers = list(state["headers"])
            names = {name.lower() for name, _ in headers}
            if any(n.lower() == "connection" and v.strip().lower() == "close" for n, v in headers):
                self.close_connection = True
            unframed = "content-length" not in names and int(code) not in (204, 304) and self.command != "HEAD"
            if (unframed or not _drainable(stream)) and not self.close_connection:
                headers.append(("Connection", "close"))
                self.close_connection = True
            head = self._head(int(code), reason, headers)
            # One write for head and body: split writes meet Nagle + delayed ACK (40 ms stalls).
            self.wfile.write(head + data)

        try:
            result = self.server.app(environ, start_response)
            try:
                for data in result:
                    write(data)
                if "sent" not in state:
                    write(b"")
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        except Exception:  # the app answers errors itself; this is a last resort
            logger.exception("unhandled error while serving %s %s", self.command, self.path)
            self.close_connection = True
            if "sent" not in state:
                self.send_error(500, "Internal Server Error")
            return
        self._drain(environ, stream)

    def _drain(self, environ: dict[str, Any], stream: LimitedStream | None) -> None:
        """Read the unread rest of a (small) body: it must not be taken for the next
        request, and closing with unread data would reset the connection before the
        client has read the answer."""
        try:
            if stream is None:
                source, total = environ["wsgi.input"], 0
                while total < DRAIN_LIMIT:
                    chunk = source.read(65536)
                    if not chunk:
                        break
                    total += len(chunk)
            elif not stream.is_exhausted and _drainable(stream):
                stream.exhaust()
        except (OSError, ValueError):
            self.close_connection = True


class _Server(ThreadedWSGIServer):
    """Tracks open connections so that :meth:`stop` can close idle keep-alive ones."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _track(self, connection: socket.socket, opened: bool) -> None:
        with self._connections_lock:
            (self._connections.add if opened else self._connections.discard)(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print the traceback to stderr; the library only logs.
        logger.exception("error on a connection from %s", client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class EmulatorServer:
    """A local myMdC on loopback: OAuth2 token endpoint and the ``/api/`` REST API.

    ``seed`` is ``"test"`` (the records the 4.2.1 integration tests expect) or
    ``"demo"`` (a small realistic catalogue).  ``port=0`` picks a free port at
    :meth:`start`.  ``db`` is ``":memory:"`` or a SQLite file (kept between runs).
    ``control=True`` also serves the control plane under ``<url>/_emulator/``;
    :attr:`control` works in-process either way.  ``client_secret`` defaults to a
    random value per server.  ``user_info`` overrides the seeded user's fields
    (first_name, last_name, name, nickname, provider, uid).
    """

    def __init__(
        self,
        seed: str = "test",
        host: str = "127.0.0.1",
        port: int = 0,
        prefix: str = "/metadata",
        db: str = ":memory:",
        token_lifetime: float = 7200,
        control: bool = False,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str | None = None,
        user_email: str = DEFAULT_USER_EMAIL,
        *,
        user_info: Mapping[str, str] | None = None,
        body_limit: int = 1024 * 1024,
    ) -> None:
        if seed not in SEEDS:
            raise ValueError(f"unknown seed {seed!r}; choose one of {sorted(SEEDS)}")
        if not client_id or not user_email:
            raise ValueError("client_id and user_email must not be empty")
        self.seed = seed
        self.host = host
        self.port = port
        self.prefix = split_prefix(prefix)
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.user_email = user_email
        self.control_enabled = control
        user = {**DEFAULT_USER, **(user_info or {}), "email": user_email}
        self.store = Store(RESOURCES, db)
        self.store.open(seed_data(seed, user), seed)
        self.records = Records(self.store, RESOURCES)
        self.tokens = TokenAuthority({client_id: self.client_secret}, token_lifetime)
        state = State(self.records, self.tokens)
        self.control = Control(state, lambda: seed_data(seed, user))
        self.app = EmulatorApp(state, self.control, self.prefix, control, body_limit)
        self.control.on_reset = self.app.forget_users
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------

    def start(self) -> EmulatorServer:
        """Bind and serve in a background thread; returns ``self``."""
        if self._server is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.create_server((self.host, self.port), family=family, backlog=128)
        try:
            self._server = _Server(self.host, self.port, self.app, handler=_Handler, fd=listener.fileno())
        finally:
            listener.close()
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"mymdc-emulator-{self.port}", daemon=True,
        )
        self._thread.start()
        logger.info("myMdC emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and join the server thread."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=10)
        self._server = self._thread = None
        logger.info("myMdC emulator on port %s stopped", self.port)

    def close(self) -> None:
        """Stop and close the database."""
        self.stop()
        self.store.close()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """The application URL, e.g. ``http://127.0.0.1:54321/metadata``."""
        if not self.port:
            raise RuntimeError("the emulator has no port yet: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.prefix}"

    @property
    def token_url(self) -> str:
        """``<url>/oauth/token``."""
        return f"{self.url}/oauth/token"

    @property
    def api_url(self) -> str:
        """``<url>/api/`` (the client's ``base_api_url``)."""
        return f"{self.url}/api/"

    def __repr__(self) -> str:
        where = self.url if self.port else "not started"
        return f"<EmulatorServer seed={self.seed!r} {where}>"
