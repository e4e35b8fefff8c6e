"""Helpers of the reliability suite that tests import (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
import threading

def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
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
