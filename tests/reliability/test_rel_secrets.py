"""6. Secrets: the client secret and the access tokens never leak.

A full scenario (token fetch, proactive refresh, 401 re-fetch, token
endpoint retries, API failures, a refused secret, a saved session token)
runs with every relevant logger at DEBUG. Then the secret and every token
issued during the run are searched for in: the log output, the reprs of the
client and its parts, every exception's text, repr, attributes and
traceback, the emulator's request log, and what the test printed.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import traceback
from typing import Any, Iterator
from urllib.parse import quote, quote_plus

import pytest

from metadata_client import MetadataClient, MetadataClientError
from metadata_client.modules import Run
from metadata_client.resources.manager import ResourceManager

LOGGERS = ("", "metadata_client", "metadata_client.emulator", "urllib3", "requests_oauthlib",
           "oauthlib", "werkzeug", "requests")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.records = 0
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        parts = [record.name, record.levelname, record.getMessage(), repr(record.args)]
        if record.exc_info:
            parts.append(self._formatter.formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        self.texts.append(" ".join(parts))


@pytest.fixture
def debug_logs() -> Iterator[Collect]:
    handler = Collect()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def forms(secret: str, client_id: str) -> list[str]:
    """The ways a secret could be written out: plain, URL-encoded, in a Basic header."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return sorted({secret, quote(secret, safe=""), quote_plus(secret), basic})


def exception_texts(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    texts.append(repr({k: v for k, v in vars(exc).items()}))
    body = getattr(exc, "body", None)
    if body is not None:
        texts.append(json.dumps(body, default=repr))
    return texts


def test_no_secret_or_token_leaks_anywhere(emu, make_client, mymdc_server, debug_logs, capsys, rec) -> None:
    with rec("6. secret and every token absent from logs, reprs, errors, request log") as row:
        client = make_client(timeout=3, max_retries=2, backoff_factor=0.01)
        tokens: list[str] = []
        provider = client._transport.tokens
        fetch = provider._fetch

        def recording_fetch(deadline: float) -> Any:
            token = fetch(deadline)
            tokens.append(token.value)
            return token

        provider._fetch = recording_fetch
        errors: list[BaseException] = []

        def expect_error(call: Any) -> None:
            try:
                call()
            except (MetadataClientError, ValueError, TypeError) as exc:
                errors.append(exc)
            else:
                raise AssertionError("an error was expected")

        # token fetch, the 4.2.1 and modern APIs
        assert client.runs.get(-1)["id"] == -1
        assert Run.get_by_id(client, -1)["success"]
        assert client.get_all_data_group_types()["success"]
        # a revoked token: 401, one re-fetch
        emu.control.revoke_tokens()
        assert client.runs.get(-2)["id"] == -2
        # short tokens: a proactive refresh
        emu.control.set_token_lifetime(1)
        emu.control.expire_tokens()
        assert client.runs.get(-1)["id"] == -1
        time.sleep(1.0)
        assert client.runs.get(-1)["id"] == -1
        emu.control.set_token_lifetime(7200)
        # the token endpoint fails twice, then answers
        emu.control.expire_tokens()
        emu.fault(method="POST", path=r"^/oauth/token", action="status", status=503, count=2)
        assert client.runs.get(-1)["id"] == -1
        # API failures of every kind
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=500, count=1)
        expect_error(lambda: client.runs.get(-1))
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="garbage", count=1)
        expect_error(lambda: client.runs.get(-1))
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=429,
                  headers={"Retry-After": "60"}, count=1)
        expect_error(lambda: client.runs.get(-1))
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="delay", delay=0.6, count=1)
        expect_error(lambda: client.api_get(client.get_api_url("runs/-1"), timeout=0.3))
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=401, count=2)
        expect_error(lambda: client.runs.get(-1))
        expect_error(lambda: client.runs.create(run_number=1, experiment_id=-1, first_train=1))
        expect_error(lambda: client.runs.get("1\r\nAuthorization: x"))
        res = client.register_run(-1, -1, {"run_number": 950, "begin_at": "2026-01-01T00:00:00Z",
                                           "first_train": 1}, {"data_group_type_id": 1, "creator_id": -1,
                                                               "prefix_path": None})
        assert res["success"] is False
        # a refused secret
        wrong = "wrong-" + emu.client_secret[::-1]
        bad = MetadataClient(emu.client_id, wrong, emu.token_url, None, None, "", emu.user_email,
                             emu.api_url, timeout=3)
        expect_error(lambda: bad.runs.get(-1))
        # a saved session token handed to a new client
        saved = MetadataClient(emu.client_id, emu.client_secret, emu.token_url, None, None, "",
                               emu.user_email, emu.api_url, session_token={"access_token": tokens[-1],
                                                                           "expires_in": 60})
        assert saved.runs.get(-1)["id"] == -1

        assert len(tokens) >= 5, tokens and len(tokens)
        assert len(errors) >= 8
        secrets = [s for t in tokens for s in forms(t, emu.client_id)]
        secrets += forms(emu.client_secret, emu.client_id) + forms(wrong, emu.client_id)

        texts: dict[str, list[str]] = {"log output": debug_logs.texts}
        reprs = [repr(client), str(client), repr(vars(client)), repr(client._transport),
                 repr(provider), repr(provider._token), repr(client._requestor), repr(bad), repr(saved), repr(vars(bad)), repr(vars(saved)),
                 repr(saved._transport.tokens._token), repr(mymdc_server)]
        reprs += [repr(v) for v in vars(client).values() if isinstance(v, ResourceManager)]
        texts["reprs"] = reprs
        texts["exceptions"] = [t for exc in errors for t in exception_texts(exc)]
        texts["result dicts"] = [json.dumps(res, default=repr)]
        texts["emulator request log"] = [json.dumps(emu.control.request_log())]
        captured = capsys.readouterr()
        texts["stdout/stderr"] = [captured.out, captured.err]
        bad.close()
        saved.close()

        leaks = [(where, s[:6] + "...") for where, found in texts.items() for text in found
                 for s in secrets if s in text]
        row.tries = len(tokens) + 2  # secrets checked: the tokens, the good and the wrong secret
        rec.note(f"secrets: {len(tokens)} tokens + 2 client secrets searched in {debug_logs.records} "
                 f"DEBUG log records, {len(reprs)} reprs, {len(errors)} exceptions: {len(leaks)} leaks")
        assert debug_logs.records > 20  # the loggers really were at DEBUG
        assert leaks == []
