"""Exit codes, error messages on stderr, and the secret never shown."""

from __future__ import annotations

from typing import Any

import pytest

from metadata_client.cli.app import SECRET_WARNING

from cli_helpers import DEAD_URL, SECRET, Run


@pytest.mark.parametrize("argv, code, words", [
    (["instruments"], 0, ""),
    (["proposal", "12345"], 1, "Proposal number 12345 not found"),
    (["proposal", "12345", "runs"], 1, "Error getting proposal: Proposal number 12345 not found"),
    (["get", "runs", "987654"], 1, "(HTTP 404)"),
    (["get", "runs", "../x"], 2, "id='../x' is not a valid identifier"),
    (["get", "nothing", "1"], 2, "unknown resource 'nothing'"),
    (["list", "samples", "--filter", "colour=red"], 2, "unknown filter(s) colour (allowed: name, proposal_id)"),
    (["list", "samples", "--filter", "colour"], 2, "a filter is key=value"),
    (["list", "samples", "--page-size", "501"], 2, "page_size must be between 1 and 500"),
    (["proposal", "0", "everything"], 2, "invalid choice: 'everything'"),
    (["runs", "1"], 2, "the following arguments are required: --proposal"),
    (["--timeout", "0", "instruments"], 2, "--timeout must be a positive number"),
    (["--url", "http://mymdc.example.org", "instruments"], 2, "set OAUTHLIB_INSECURE_TRANSPORT=1"),
    (["--ssl-verify", "/no/such/ca.pem", "instruments"], 2, "no CA bundle at '/no/such/ca.pem'"),
    (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    (["--client-secret", "not-the-secret", "instruments"], 3, "the client id or secret was refused"),
    (["--url", DEAD_URL, "--timeout", "1", "instruments"], 4, "cannot reach 127.0.0.1:"),
])
def test_exit_codes(mymdc: Run, env: dict[str, str], argv: list[str], code: int, words: str) -> None:
    res = mymdc(*argv)
    assert res.code == code, res.err
    assert words in res.err
    if code:
        assert res.out == "" and res.err.strip()


def test_raw_failure_still_prints_the_result_dict(mymdc: Run, env: dict[str, str]) -> None:
    res = mymdc("proposal", "12345", "runs", "--raw")
    assert res.code == 1
    assert res.json() == {"success": False, "info": "Error getting proposal",
                          "app_info": "Proposal number 12345 not found", "pagination": {}, "data": {}}


def test_a_broken_server_answer_is_an_api_error(mymdc: Run, env: dict[str, str], server: Any) -> None:
    server.control.add_fault(method="GET", path="^/api/proposals", action="status", status=500,
                             count=10, body='{"info": "database on fire"}')
    res = mymdc("proposal", "0")
    assert res.code == 1 and "database on fire" in res.err


def test_secret_flag_is_warned_about(mymdc: Run, env: dict[str, str]) -> None:
    res = mymdc("--client-secret", env["MYMDC_CLIENT_SECRET"], "instruments")
    assert res.code == 0 and SECRET_WARNING in res.err


@pytest.mark.parametrize("argv", [
    ["config", "show"], ["config", "show", "--json"], ["config", "check"], ["--help"],
    ["config", "--help"], ["-v", "proposal", "0", "runs"], ["-v", "config", "check"],
    ["--client-secret", SECRET, "-v", "instruments"], ["--client-secret", SECRET, "config", "show"],
    ["--client-secret", SECRET, "--user-email", "x@y.org", "config", "check"],
    ["--client-secret", SECRET, "--url", DEAD_URL, "--timeout", "1", "instruments"],
    ["--client-secret", SECRET + "x", "config", "check"],
])
def test_secret_never_in_any_output(mymdc: Run, env: dict[str, str], argv: list[str]) -> None:
    res = mymdc(*argv)
    assert SECRET not in res.out + res.err


def test_verbose_logs_requests(mymdc: Run, env: dict[str, str]) -> None:
    res = mymdc("-v", "instruments")
    assert res.code == 0 and "mymdc: debug:" in res.err
