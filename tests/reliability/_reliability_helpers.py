"""Helpers of the reliability suite that tests import (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
import threading
from typing import Callable

def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accept_loop(listener: socket.socket, stop: threading.Event,
                handle: Callable[[socket.socket], None]) -> None:
    """Accept connections until ``stop`` is set (the listener has a short timeout)."""
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        handle(conn)


class Forwarder:
    """A loopback TCP forwarder started on demand on a chosen port.

    Used to make "connection refused" deterministic: the client is pointed at
    ``port`` while nothing listens there, and the forwarder is started (from
    the client's retry wait) so that the next attempt reaches the emulator.
    """

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._socks: list[socket.socket] = []
        self._stop = threading.Event()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self._listener is not None
        accept_loop(self._listener, self._stop, self._relay)

    def _relay(self, conn: socket.socket) -> None:
        self.accepted += 1
        upstream = socket.create_connection(self.target, timeout=5)
        self._socks += [conn, upstream]
        for a, b in ((conn, upstream), (upstream, conn)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(10)
        try:
            while not self._stop.is_set():
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        for sock in [self._listener, *self._socks]:
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass


def percentiles(values: list[float], points: tuple[int, ...] = (50, 90, 99)) -> dict[int, float]:
    """Nearest-rank percentiles of ``values`` (empty: zeros)."""
    ordered = sorted(values)
    if not ordered:
        return {p: 0.0 for p in points}
    return {p: ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))] for p in points}


class Trickler:
    """A loopback HTTP server that answers one byte at a time, forever (bounded).

    ``mode="body"``: status line and headers at once, then the body a byte per
    ``interval``; ``mode="headers"``: the status line and headers themselves
    trickle. Each connection is served for at most ``limit`` seconds.
    """

    def __init__(self, mode: str = "body", interval: float = 0.1, limit: float = 6.0) -> None:
        self.mode = mode
        self.interval = interval
        self.limit = limit
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        accept_loop(self._listener, self._stop, self._count_and_serve)

    def _count_and_serve(self, conn: socket.socket) -> None:
        self.connections += 1
        threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        import time

        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n")
        conn.settimeout(2)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            end = time.monotonic() + self.limit
            if self.mode == "body":
                conn.sendall(head + b"[")
                payload = b" " * 100000
            else:
                payload = head
            for byte in payload:
                if self._stop.is_set() or time.monotonic() > end:
                    break
                conn.sendall(bytes([byte]))
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
