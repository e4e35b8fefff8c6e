"""Shared fixtures of the unit tests: a mocked myMdC (``responses``) and tiny
real loopback servers for the cases where only a real socket shows the truth
(hangs, trickles, refused connections, dropped connections)."""

from __future__ import annotations

import base64
import http.server
import itertools
import json
import socket
import threading
import time
from typing import Any, Callable, Iterator

import pytest
import responses

from metadata_client import MetadataClient

HOST = "https://mdc.example.org"
BASE = HOST + "/api/"
TOKEN_URL = HOST + "/oauth/token"
AUTH_URL = HOST + "/oauth/authorize"
CLIENT_ID = "unit-client-id-7c1e"
CLIENT_SECRET = "unit-s3cr3t-Zq8xWpL2"
BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
EMAIL = "daq.operator@example.org"

_serial = itertools.count(1)


def make_client(
    base_api_url: str = BASE,
    token_url: str = TOKEN_URL,
    *,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
    scope: Any = "",
    user_email: str = EMAIL,
    session_token: Any = None,
    max_retries: int = 3,
    timeout: float = 5,
    ssl_verify: Any = True,
    **options: Any,
) -> MetadataClient:
    """A client built with the 4.2.1 positional arguments; retries wait ~1 ms."""
    options.setdefault("backoff_factor", 0.001)
    options.setdefault("backoff_max", 0.01)
    return MetadataClient(
        client_id, client_secret, token_url, token_url, AUTH_URL, scope, user_email,
        base_api_url, session_token, max_retries, timeout, ssl_verify, **options,
    )


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """``responses`` mock; any request to an unregistered URL fails loudly."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


class FakeTokenEndpoint:
    """A token endpoint on ``responses`` issuing unique tokens with a lifetime.

    ``valid(request)`` tells whether the request carries a token this endpoint
    issued that has not yet expired (by the server's clock).
    """

    def __init__(self, mock: responses.RequestsMock, url: str = TOKEN_URL,
                 lifetime: float | None = 3600, delay: float = 0.0) -> None:
        self.lifetime = lifetime
        self.delay = delay
        self.issued: dict[str, float] = {}
        self.requests: list[Any] = []
        self._lock = threading.Lock()
        mock.add_callback(responses.POST, url, callback=self._answer)

    @property
    def count(self) -> int:
        return len(self.requests)

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(self.delay)
        with self._lock:
            self.requests.append(request)
            token = f"access-tok-{next(_serial)}-{time.monotonic_ns() % 10**9:09d}"
            self.issued[token] = time.monotonic()
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        if self.lifetime is not None:
            body["expires_in"] = self.lifetime
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def valid(self, request: Any) -> bool:
        auth = request.headers.get("Authorization", "")
        issued = self.issued.get(auth.removeprefix("Bearer "))
        if issued is None:
            return False
        return self.lifetime is None or time.monotonic() - issued < self.lifetime


@pytest.fixture
def tokens(rsps: responses.RequestsMock) -> FakeTokenEndpoint:
    return FakeTokenEndpoint(rsps)


def bearer(call: Any) -> str:
    return call.request.headers.get("Authorization", "")


def api_calls(mock: responses.RequestsMock) -> list[Any]:
    return [c for c in mock.calls if c.request.url.startswith(BASE)]


# -- real loopback sockets ---------------------------------------------------------

class SocketServer:
    """A TCP server on 127.0.0.1 running ``handler(conn, stop)`` per connection.

    ``connections`` counts accepted connections; ``stop`` is set on close so
    handlers that hang forever end with the test.
    """

    def __init__(self, handler: Callable[[socket.socket, threading.Event], None]) -> None:
        self.handler = handler
        self.stop = threading.Event()
        self.connections = 0
        self._conns: list[socket.socket] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self.stop)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self._conns:
            try:
                conn.close()
            except OSError:
                pass


def read_request(conn: socket.socket) -> bytes:
    """Read one request head (and a small body) from ``conn``."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def hang(conn: socket.socket, stop: threading.Event) -> None:
    """Accept the request and never answer."""
    read_request(conn)
    stop.wait(TRICKLE_FOR)


#: How long the trickling servers go on: "forever" for a test, yet a broken
#: client fails its timing assertion instead of hanging the suite.
TRICKLE_FOR = 6.0


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    """Send the status line and an endless header one byte every 0.2 s."""
    read_request(conn)
    ends = time.monotonic() + TRICKLE_FOR
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
        if stop.wait(0.2) or time.monotonic() > ends:
            return
        conn.sendall(bytes([byte]))


def trickle_body(conn: socket.socket, stop: threading.Event) -> None:
    """Send the headers at once, then the body one byte every 0.2 s."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000000\r\n\r\n")
    ends = time.monotonic() + TRICKLE_FOR
    while not stop.wait(0.2) and time.monotonic() < ends:
        conn.sendall(b" ")


def drop_after_request(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then close the connection without an answer."""
    read_request(conn)
    conn.close()


@pytest.fixture
def socket_server() -> Iterator[Callable[..., SocketServer]]:
    servers: list[SocketServer] = []

    def start(handler: Callable[[socket.socket, threading.Event], None]) -> SocketServer:
        server = SocketServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def refused_url() -> str:
    """An http URL on a loopback port nobody listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


# -- a small real myMdC over HTTP, for the logging and secrets tests -----------------

class MiniMdC:
    """A real HTTP server on loopback with a token endpoint and scripted API answers.

    ``script[path]`` is a list of ``(status, body)`` answers served in order (the
    last one repeats); ``reject_tokens`` holds tokens the API answers 401 to.
    Every access token issued is kept in ``issued``.
    """

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.token_status = 200
        self.script: dict[str, list[tuple[int, Any]]] = {}
        self.reject_tokens: set[str] = set()
        self.reject_first_token = False
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def _send(self, status: int, body: Any) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.requests.append((self.command, self.path))
                if self.path == "/oauth/token":
                    if self.headers.get("Authorization") != f"Basic {BASIC}" or outer.token_status != 200:
                        status = outer.token_status if outer.token_status != 200 else 401
                        self._send(status, {"error": "invalid_client",
                                            "error_description": "Client authentication failed"})
                        return
                    token = f"live-token-{next(_serial)}-{time.monotonic_ns() % 10**9:09d}"
                    if outer.reject_first_token and not outer.issued:
                        outer.reject_tokens.add(token)
                    outer.issued.append(token)
                    self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
                    return
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token not in outer.issued or token in outer.reject_tokens:
                    self._send(401, {"info": "invalid token"})
                    return
                answers = outer.script.get(self.path.split("?")[0], [(200, {"ok": True})])
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self._send(status, body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = self.url + "/api/"
        self.token_url = self.url + "/oauth/token"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mini_mdc() -> Iterator[MiniMdC]:
    server = MiniMdC()
    yield server
    server.close()
