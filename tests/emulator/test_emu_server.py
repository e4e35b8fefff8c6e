"""EmulatorServer lifecycle, configuration, the SQLite file and the command line."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from metadata_client.emulator import EmulatorServer, build_parser

from emu_helpers import JSON_TYPE, fetch_token


def _headers(server: EmulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {fetch_token(server)}", "X-User-Email": server.user_email}


def test_lifecycle(capfd: pytest.CaptureFixture[str]) -> None:
    server = EmulatorServer()
    with pytest.raises(RuntimeError):
        server.url
    assert server.start() is server and server.start() is server and server.running
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/metadata", server.url)
    assert server.token_url == server.url + "/oauth/token"
    assert server.api_url == server.url + "/api/"
    assert server.client_id == "mymdc-emulator-client" and len(server.client_secret) >= 20
    assert server.user_email == "test@example.org"
    session = requests.Session()
    assert session.get(server.api_url + "me", headers=_headers(server)).status_code == 200
    started = time.monotonic()
    server.stop()  # also closes the idle keep-alive connection of `session`
    assert time.monotonic() - started < 5 and not server.running
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.api_url + "me", timeout=5)
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # the library never prints


def test_context_manager_and_secrets() -> None:
    with EmulatorServer() as first, EmulatorServer(client_id="cid", client_secret="s3cret") as second:
        assert first.port != second.port
        assert first.client_secret != EmulatorServer().client_secret
        assert (second.client_id, second.client_secret) == ("cid", "s3cret")
        response = requests.post(second.token_url, data={"grant_type": "client_credentials"},
                                 auth=("cid", "s3cret"))
        assert response.status_code == 200
        assert requests.post(first.token_url, data={"grant_type": "client_credentials"},
                             auth=("cid", "s3cret")).status_code == 401


def test_fixed_port_and_port_in_use() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with EmulatorServer(port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}/metadata"
        with pytest.raises(OSError):
            EmulatorServer(port=port).start()


@pytest.mark.parametrize("prefix,expected", [("", ""), ("/", ""), ("dev_metadata/", "/dev_metadata"),
                                             ("/a/b/", "/a/b")])
def test_prefixes(prefix: str, expected: str) -> None:
    with EmulatorServer(prefix=prefix) as server:
        assert server.url == f"http://127.0.0.1:{server.port}{expected}"
        assert requests.get(server.api_url + "me", headers=_headers(server)).status_code == 200


def test_configured_user() -> None:
    with EmulatorServer(user_email="Jane.Doe@Example.ORG", user_info={"first_name": "Jane", "name": "Jane Doe"},
                        token_lifetime=60) as server:
        headers = _headers(server)
        me = requests.get(server.api_url + "me", headers=headers).json()
        assert (me["email"], me["first_name"], me["name"], me["last_name"]) == \
            ("Jane.Doe@Example.ORG", "Jane", "Jane Doe", "Maia")
        headers["X-User-Email"] = "test@example.org"
        assert requests.get(server.api_url + "me", headers=headers).status_code == 403
        token = requests.post(server.token_url, data={"grant_type": "client_credentials"},
                              auth=(server.client_id, server.client_secret)).json()
        assert token["expires_in"] == 60


def test_bad_configuration() -> None:
    with pytest.raises(ValueError):
        EmulatorServer(seed="nope")
    with pytest.raises(ValueError):
        EmulatorServer(user_email="")


def test_database_file(tmp_path: Path) -> None:
    db = str(tmp_path / "mymdc.sqlite")
    with EmulatorServer(db=db, control=True) as server:
        headers = _headers(server)
        created = requests.post(server.api_url + "units/", json={"unit": {"name": "kept", "identifier": "K"}},
                                headers=headers)
        assert created.status_code == 201
    with EmulatorServer(db=db, control=True) as server:
        headers = _headers(server)
        assert requests.get(server.api_url + f"units/{created.json()['id']}", headers=headers).status_code == 200
        server.control.reset()
        headers = _headers(server)
        assert requests.get(server.api_url + f"units/{created.json()['id']}", headers=headers).status_code == 404
        assert requests.get(server.api_url + "runs/-1", headers=headers).status_code == 200
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE emulator_meta SET value = 'other' WHERE key = 'schema'")
    with pytest.raises(RuntimeError):
        EmulatorServer(db=db)


def test_import_is_cheap() -> None:
    code = "import sys, metadata_client.emulator as e; print('werkzeug' in sys.modules, 'sqlite3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_build_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.prefix, args.db, args.token_lifetime, args.control) == \
        ("127.0.0.1", 0, "/metadata", ":memory:", 7200, False)
    assert args.client_id == "mymdc-emulator-client" and args.client_secret is None
    assert args.user_email == "test@example.org" and args.seed in ("test", "demo")
    args = build_parser().parse_args(["--seed", "test", "--port", "8123", "--control", "--token-lifetime", "5"])
    assert (args.seed, args.port, args.control, args.token_lifetime) == ("test", 8123, True, 5)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_command_line(sig: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "metadata_client.emulator", "--seed", "demo", "--control", "--client-secret",
         "cli-secret", "--prefix", "/dev_metadata"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        urls = dict(re.findall(r"^\s+([\w ]+ URL|client_id|client_secret|user e-mail):\s+(\S+)$", text, re.M))
        assert urls["client_secret"] == "cli-secret"
        assert urls["token URL"].endswith("/dev_metadata/oauth/token")
        assert urls["API URL"].endswith("/dev_metadata/api/")
        token = requests.post(urls["token URL"], data={"grant_type": "client_credentials"},
                              auth=(urls["client_id"], "cli-secret")).json()["access_token"]
        response = requests.get(urls["API URL"] + "proposals//by_number/900101",
                                headers={"Authorization": f"Bearer {token}", "X-User-Email": urls["user e-mail"]})
        assert response.status_code == 200 and response.headers["Content-Type"] == JSON_TYPE
        process.send_signal(sig)
        assert process.wait(timeout=10) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_command_line_reports_bad_port() -> None:
    with EmulatorServer() as server:
        result = subprocess.run([sys.executable, "-m", "metadata_client.emulator", "--port", str(server.port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "error" in result.stderr
