"""Fixtures for the emulator's own tests: one server per session, reset per test.

Tests talk to the emulator over loopback HTTP with plain ``requests``.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from metadata_client.emulator import EmulatorServer

from emu_helpers import Api, Ctl


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(seed="test", control=True) as server:
        yield server


@pytest.fixture(scope="session")
def demo_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(seed="demo", control=True) as server:
        yield server


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def ctl(emulator: EmulatorServer, session: requests.Session) -> Ctl:
    return Ctl(emulator, session)


def _no_server_errors(control_client: Ctl) -> None:
    errors = [e for e in control_client.log() if e["status"] == 500 and e["fault"] is None]
    assert not errors, f"the emulator answered 500: {errors}"


@pytest.fixture
def api(emulator: EmulatorServer, session: requests.Session, ctl: Ctl) -> Iterator[Api]:
    """A fresh test-seed store (reset via the control plane) and an authenticated client."""
    ctl.post("reset")
    yield Api(emulator, session)
    _no_server_errors(ctl)


@pytest.fixture
def demo(demo_emulator: EmulatorServer, session: requests.Session) -> Iterator[Api]:
    """A fresh demo-seed store and an authenticated client."""
    control_client = Ctl(demo_emulator, session)
    control_client.post("reset")
    yield Api(demo_emulator, session)
    _no_server_errors(control_client)
