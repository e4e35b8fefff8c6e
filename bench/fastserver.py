"""A minimal, fast myMdC stand-in for the per-call benchmark (run as its own process).

It answers the token endpoint and, for any GET under ``<prefix>/api/``, a fixed
small JSON array with the pagination headers, over HTTP/1.1 keep-alive. Each
answer is one ``write`` of pre-built bytes, so the server's share of a call is
as small as the standard library allows and the client's cost shows.

    python bench/fastserver.py [--port 0] [--prefix /metadata]

prints ``{"port": N}`` on stdout once listening, then serves until killed
(with ``--stdin``: until its stdin closes, so it never outlives its parent).
"""

from __future__ import annotations

import argparse
import email.utils
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = json.dumps([
    {"id": i, "name": name, "identifier": name.upper(), "flg_available": True, "description": ""}
    for i, name in enumerate(("Raw", "Calibration", "Processed", "Reduced", "Simulation", "Other"), 1)
]).encode()

TOKEN = json.dumps({
    "access_token": "fastserver-token-0123456789abcdef", "token_type": "Bearer",
    "expires_in": 7200, "scope": "", "created_at": int(time.time()),
}).encode()

PAGINATION = (b"X-Total-Pages: 1\r\nX-Count-Per-Page: 100\r\n"
              b"X-Current-Page: 1\r\nX-Total-Count: 6\r\n")


class _Date:
    """The Date header, formatted at most once a second."""

    def __init__(self) -> None:
        self.second = -1
        self.value = b""

    def __call__(self) -> bytes:
        now = int(time.time())
        if now != self.second:
            self.value = email.utils.formatdate(now, usegmt=True).encode()
            self.second = now
        return self.value


DATE = _Date()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    prefix = "/metadata"

    def log_message(self, format: str, *args: object) -> None:  # no access log
        pass

    def _answer(self, status: bytes, body: bytes, extra: bytes = b"") -> None:
        head = (b"HTTP/1.1 " + status + b"\r\nServer: fastserver\r\nDate: " + DATE() +
                b"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
                str(len(body)).encode() + b"\r\n" + extra + b"\r\n")
        self.wfile.write(head + body)

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def do_GET(self) -> None:
        self._drain()
        if self.path.startswith(self.prefix + "/api/"):
            self._answer(b"200 OK", BODY, PAGINATION)
        else:
            self._answer(b"404 Not Found", b'{"info":"not found"}')

    def do_POST(self) -> None:
        self._drain()
        if self.path.split("?")[0] == self.prefix + "/oauth/token":
            self._answer(b"200 OK", TOKEN, b"Cache-Control: no-store\r\nPragma: no-cache\r\n")
        else:
            self._answer(b"404 Not Found", b'{"info":"not found"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prefix", default="/metadata")
    parser.add_argument("--stdin", action="store_true", help="stop when stdin closes")
    args = parser.parse_args()
    Handler.prefix = "/" + args.prefix.strip("/") if args.prefix.strip("/") else ""
    server = Server(("127.0.0.1", args.port), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        if args.stdin:
            sys.stdin.read()  # returns when the parent closes our stdin (or dies)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
