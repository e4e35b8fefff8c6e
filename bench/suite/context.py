"""What the measurements share: settings, interpreters, and the servers they drive.

Servers are started on first use and stopped once at the end:

* the fast server (``bench/fastserver.py``) in its own process, for the per-call figures;
* the emulator (``metadata_client.emulator.EmulatorServer``, seed ``demo``) in
  a thread of the orchestrator, which sits idle in ``subprocess.run`` while a
  driver runs, so the emulator has the process to itself; running it here
  gives the measurements its store and control plane directly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from harness import FASTSERVER, NEUTRAL_CWD, Pythons, clean_env, log


@dataclass
class Settings:
    """Sizes and repetitions; ``quick`` shrinks them to fit a minute in all."""

    quick: bool

    def __getattr__(self, name: str) -> Any:
        table = QUICK if self.quick else FULL
        if name in table:
            return table[name]
        raise AttributeError(name)


FULL: dict[str, Any] = {
    "import_reps": 15,
    "percall_reps": 9, "percall_calls": 2000, "percall_warmup": 200,
    "token_reps": 3, "token_threads": 8, "token_calls": 200, "token_seconds": 3.0,
    "page_runs": 10_000, "page_reps": 5, "page_latency_ms": 20, "page_latency_reps": 3,
    "bulk_files": 10_000, "bulk_reps": 3, "bulk_chunk": 500, "bulk_ours_perfile": True,
    "load_seconds": 10.0, "load_reps": 3, "load_threads": 8, "profile_seconds": 5.0,
}

QUICK: dict[str, Any] = {
    "import_reps": 5,
    "percall_reps": 3, "percall_calls": 300, "percall_warmup": 50,
    "token_reps": 1, "token_threads": 8, "token_calls": 200, "token_seconds": 3.0,
    "page_runs": 2_000, "page_reps": 3, "page_latency_ms": 20, "page_latency_reps": 2,
    "bulk_files": 1_000, "bulk_reps": 2, "bulk_chunk": 500, "bulk_ours_perfile": False,
    "load_seconds": 2.0, "load_reps": 1, "load_threads": 8, "profile_seconds": 2.0,
}


@dataclass
class Context:
    settings: Settings
    pythons: Pythons
    _fast: subprocess.Popen[str] | None = None
    _fast_port: int = 0
    _emulator: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    # -- the fast server -------------------------------------------------------------

    def fast_server(self) -> dict[str, str]:
        """Connection settings of the fast server (started on first use)."""
        if self._fast is None:
            self._fast = subprocess.Popen(
                [sys.executable, str(FASTSERVER), "--port", "0", "--stdin"],
                cwd=NEUTRAL_CWD, env=clean_env(), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True,
            )
            assert self._fast.stdout is not None
            line = self._fast.stdout.readline()  # bounded: the server prints at once or exits
            if not line:
                raise RuntimeError("the fast server did not start")
            self._fast_port = json.loads(line)["port"]
            log(f"fast server on 127.0.0.1:{self._fast_port} (pid {self._fast.pid})")
        base = f"http://127.0.0.1:{self._fast_port}/metadata"
        return {"token_url": f"{base}/oauth/token", "api_url": f"{base}/api/",
                "client_id": "bench-client", "client_secret": "bench-secret",
                "user_email": "bench@example.org"}

    # -- the emulator -----------------------------------------------------------------

    def emulator(self) -> Any:
        """The running emulator (seed ``demo``, control plane on)."""
        if self._emulator is None:
            from metadata_client.emulator import EmulatorServer

            self._emulator = EmulatorServer(seed="demo", host="127.0.0.1", port=0, control=True).start()
            log(f"emulator at {self._emulator.url}")
        return self._emulator

    def emulator_server(self) -> dict[str, str]:
        emu = self.emulator()
        return {"token_url": emu.token_url, "api_url": emu.api_url, "client_id": emu.client_id,
                "client_secret": emu.client_secret, "user_email": emu.user_email}

    def close(self) -> None:
        if self._fast is not None:
            try:
                assert self._fast.stdin is not None
                self._fast.stdin.close()  # the server stops when its stdin closes
                self._fast.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._fast.kill()
                self._fast.wait(timeout=5)
            self._fast = None
        if self._emulator is not None:
            self._emulator.close()
            self._emulator = None
