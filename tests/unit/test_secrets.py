"""No secret in any log record, repr or exception, with every logger at DEBUG.

A real HTTP server on loopback (not ``responses``) so urllib3 logs exactly
what it would in production.
"""

from __future__ import annotations

import base64
import logging
import os
from typing import Any, Iterator

import pytest
import requests

import metadata_client
from metadata_client import AuthenticationError, MetadataClientError, ServerError

from .conftest import BASIC, CLIENT_ID, CLIENT_SECRET, make_client

LOGGERS = ["", "metadata_client", "metadata_client.transport", "metadata_client.auth", "urllib3",
           "urllib3.connectionpool", "requests", "requests_oauthlib", "oauthlib"]
WRONG_SECRET = "wr0ng-s3cret-Pp9Kd"
WRONG_BASIC = base64.b64encode(f"{CLIENT_ID}:{WRONG_SECRET}".encode()).decode()
PACKAGE_DIR = os.path.dirname(metadata_client.__file__)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(pathname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.texts.append(self.format(record))  # includes the formatted traceback, if any
        self.texts.append(repr(record.args))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        logger.addHandler(handler)  # on each: catches loggers that do not propagate too
    yield handler
    for logger, level, disabled in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _run(fn, raised: list[BaseException]) -> Any:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - every exception is inspected below
        raised.append(exc)
        return None


def test_no_secret_or_token_anywhere_through_auth_refresh_retries_and_failures(
        capture, mini_mdc, refused_url):
    raised: list[BaseException] = []
    mini_mdc.reject_first_token = True
    mini_mdc.script = {
        "/api/runs/2": [(503, {"info": "busy"}), (503, {"info": "busy"}), (200, {"id": 2})],
        "/api/runs/3": [(500, {"info": "boom"})],
        "/api/runs/4": [(401, {"info": "token revoked"})],
        "/api/runs/": [(503, {"info": "busy"})],
    }

    # Bad credentials.
    bad = make_client(mini_mdc.base, mini_mdc.token_url, client_secret=WRONG_SECRET)
    _run(lambda: bad.runs.get(1), raised)
    assert isinstance(raised[-1], AuthenticationError)
    assert "invalid_client" in str(raised[-1])

    client = make_client(mini_mdc.base, mini_mdc.token_url, max_retries=3)
    # The first token is refused by the API: one re-fetch, then success.
    assert client.runs.get(1) == {"ok": True}
    assert client.token_fetches == 2
    # 5xx retried to success; 5xx failure; a 401 that survives the re-fetch; a POST 503.
    assert client.runs.get(2) == {"id": 2}
    _run(lambda: client.runs.get(3), raised)
    assert isinstance(raised[-1], ServerError)
    _run(lambda: client.runs.get(4), raised)
    assert isinstance(raised[-1], AuthenticationError)
    assert client.api_post(mini_mdc.base + "runs/", json={"run": {}}).status_code == 503
    # The token endpoint failing, then nothing listening at all.
    mini_mdc.token_status = 503
    fresh = make_client(mini_mdc.base, mini_mdc.token_url, max_retries=1)
    _run(lambda: fresh.runs.get(1), raised)
    assert isinstance(raised[-1], ServerError)
    gone = make_client(refused_url + "/api/", refused_url + "/oauth/token", max_retries=1)
    _run(lambda: gone.runs.get(1), raised)
    assert isinstance(raised[-1], requests.exceptions.ConnectionError)

    # The capture really saw the traffic (so an empty search proves something).
    text = "\n".join(capture.texts)
    assert "Starting new HTTP connection" in text  # urllib3 at DEBUG
    assert "/oauth/token" in text
    assert "fetching an access token" in text
    assert "retrying in" in text
    assert len(mini_mdc.issued) >= 3

    secrets = [CLIENT_SECRET, BASIC, WRONG_SECRET, WRONG_BASIC, *mini_mdc.issued]
    places = {
        "logs": text,
        "repr(client)": repr(client) + repr(bad) + repr(fresh) + repr(gone),
        "repr(tokens)": repr(client._transport.tokens) + repr(client._transport.tokens._token),
        "managers": repr(client.runs),
        "exceptions": "\n".join(f"{e!s}\n{e!r}\n{getattr(e, 'body', '')!r}"
                                for exc in raised for e in _chain(exc)),
    }
    for where, content in places.items():
        for secret in secrets:
            assert secret not in content, f"a secret leaked into {where}"


def test_library_logs_go_to_the_metadata_client_logger_never_root(capture, mini_mdc):
    mini_mdc.script = {"/api/runs/2": [(503, {}), (200, {"id": 2})]}
    client = make_client(mini_mdc.base, mini_mdc.token_url)
    client.runs.get(2)
    ours = [r for r in capture.records if r.pathname.startswith(PACKAGE_DIR)]
    assert ours, "the library logged nothing at DEBUG"
    for record in ours:
        assert record.name == "metadata_client" or record.name.startswith("metadata_client."), record.name
    assert not any(r.name == "root" and r.pathname.startswith(PACKAGE_DIR) for r in capture.records)
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("metadata_client").handlers)


def test_library_logs_nothing_above_debug_on_a_normal_call(capture, mini_mdc):
    client = make_client(mini_mdc.base, mini_mdc.token_url)
    client.runs.get(1)
    ours = [r for r in capture.records if r.name.startswith("metadata_client")]
    assert ours and all(r.levelno <= logging.DEBUG for r in ours)


def test_exceptions_from_every_failure_kind_hide_the_secret(rsps):
    """The ``responses`` variant: failures the loopback server cannot easily script."""
    from .conftest import BASE, TOKEN_URL

    raised: list[BaseException] = []
    rsps.post(TOKEN_URL, json={"access_token": "tok-rsps-secret-1", "token_type": "Bearer"})
    rsps.get(BASE + "runs/1", body=requests.exceptions.ReadTimeout("slow"))
    rsps.get(BASE + "runs/2", body=requests.exceptions.SSLError("bad certificate"))
    rsps.get(BASE + "runs/3", status=401, json={"info": "no"})
    rsps.get(BASE + "runs/4", status=422, json={"info": {"name": ["bad"]}})
    client = make_client(max_retries=1)
    for n in range(1, 5):
        _run(lambda: client.runs.get(n), raised)
    assert len(raised) == 4
    assert all(isinstance(e, MetadataClientError) for e in raised)
    for exc in raised:
        for e in _chain(exc):
            for secret in (CLIENT_SECRET, BASIC, "tok-rsps-secret-1"):
                assert secret not in str(e) and secret not in repr(e)
