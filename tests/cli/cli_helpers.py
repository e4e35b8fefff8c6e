"""Shared names of the ``mymdc`` tests (imported as ``cli_helpers``, like the other test folders' helpers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

SECRET = "cli-test-secret-3f9a7c1e5b"


@dataclass
class Result:
    """What one ``mymdc`` run left behind."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: A loopback URL where nothing listens.
DEAD_URL = f"http://127.0.0.1:{_free_port()}/metadata"
