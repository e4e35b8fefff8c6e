"""Fixtures for the ``mymdc`` tests: one emulator per session, a clean environment per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from metadata_client import MetadataClient
from metadata_client.cli import main
from metadata_client.cli.config import ENV

from cli_helpers import SECRET, Result, Run


@pytest.fixture(scope="session")
def server() -> Iterator[Any]:
    """The emulator (``test`` seed, control plane on) for every CLI test."""
    from metadata_client.emulator import EmulatorServer

    with EmulatorServer(seed="test", control=True, client_secret=SECRET) as emulator:
        yield emulator


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away HOME with no config, and no MYMDC_* variables set."""
    for name in [*ENV.values(), "MYMDC_PROFILE", "MYMDC_CONFIG", "XDG_CONFIG_HOME"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def env(server: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The MYMDC_* variables for the emulator, set; the emulator reset to its seed."""
    server.control.reset()
    values = {"MYMDC_URL": server.url, "MYMDC_CLIENT_ID": server.client_id,
              "MYMDC_CLIENT_SECRET": server.client_secret, "MYMDC_USER_EMAIL": server.user_email}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def mymdc(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``mymdc`` in-process: ``mymdc("proposal", "0", "runs")`` -> :class:`Result`."""
    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Result(code, out, err)
    return run


@pytest.fixture
def client(server: Any) -> Iterator[MetadataClient]:
    """A library client for the emulator (to arrange records)."""
    with MetadataClient(server.client_id, server.client_secret, server.token_url, server.token_url,
                        None, "", server.user_email, server.api_url) as made:
        yield made


@pytest.fixture
def raw_run(client: MetadataClient, env: dict[str, str]) -> int:
    """Run 126 of proposal 0 with a RAW data group, registered as the DAQ does."""
    res = client.register_run(-1, -1, {"run_number": 126, "begin_at": "2026-11-27T10:00:00+01:00",
                                       "first_train": 126},
                              {"data_group_type_id": 1, "creator_id": -1, "prefix_path": "/x/y"})
    assert res["success"], res
    return int(res["data"]["data_group_id"])
