"""``python -m metadata_client`` as a real process: commands, exit codes, ``serve``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import DEAD_URL, SECRET

TIMEOUT = 30


def mymdc(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metadata_client", *argv], env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)


@pytest.fixture
def process_env(env: dict[str, str], home: Path) -> dict[str, str]:
    """The test's environment (HOME and MYMDC_* included) for a child process."""
    return dict(os.environ)


def test_commands_and_exit_codes_in_a_real_process(process_env: dict[str, str], server: Any) -> None:
    runs = mymdc("proposal", "0", "runs", env=process_env)
    assert runs.returncode == 0, runs.stderr
    assert runs.stdout.startswith("Proposal 0: ") and "XFEL_TESTS_REPO" in runs.stdout
    assert mymdc("proposal", "12345", env=process_env).returncode == 1
    assert mymdc("get", "runs", "../x", env=process_env).returncode == 2
    wrong = mymdc("instruments", env={**process_env, "MYMDC_CLIENT_SECRET": "wrong-one-456"})
    assert wrong.returncode == 3 and "refused" in wrong.stderr
    down = mymdc("--timeout", "1", "instruments", env={**process_env, "MYMDC_URL": DEAD_URL})
    assert down.returncode == 4 and "cannot reach" in down.stderr
    for done in (runs, wrong, down):
        assert SECRET not in done.stdout + done.stderr


def test_serve_runs_the_emulator_until_interrupted(process_env: dict[str, str]) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "metadata_client", "serve", "--seed", "test", "--port", "0",
         "--client-secret", "served-secret-789"],
        env=process_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(3)]
        url = re.search(r"app URL:\s+(\S+)", "".join(lines))
        assert url, lines
        env = {**process_env, "MYMDC_URL": url.group(1), "MYMDC_CLIENT_SECRET": "served-secret-789",
               "MYMDC_CLIENT_ID": "mymdc-emulator-client", "MYMDC_USER_EMAIL": "test@example.org"}
        check = mymdc("config", "check", env=env)
        assert check.returncode == 0, check.stderr
    finally:
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, err
    assert out.rstrip().endswith("stopped")
