"""Break-it checks: prove that the suite fails when a property is broken.

A pytest plugin that is inert unless asked. Nothing is changed on disk: the
chosen breakage is monkeypatched into the imported library for that one
pytest process only. Usage (from the repository root)::

    MYMDC_BREAK=post-retry python -m pytest tests/reliability -p _break_it -q

with ``tests/reliability`` on ``PYTHONPATH`` (pytest puts it there when it
collects the suite, but ``-p`` is loaded earlier, so pass
``PYTHONPATH=tests/reliability``). Every breakage must make the tests of its
property fail; see docs/RELIABILITY.md for the outcomes recorded.
"""

from __future__ import annotations

import os
import time
from typing import Any

BREAKAGES: dict[str, str] = {
    "post-retry": "POST counted as idempotent: retried after it may have reached the server",
    "no-path-check": "requestor.path_value passes any value through unchecked",
    "no-retries": "every client built with max_retries=0",
    "no-deadline": "calls get a deadline an hour away (per-attempt timeouts follow it)",
    "token-race": "the token provider fetches without the lock's second look",
    "leak-token": "the token provider logs the access token at DEBUG",
    "no-rollback": "register_run leaves the run behind when its data group fails",
}


def _apply(name: str) -> None:
    import metadata_client.auth as auth
    import metadata_client.requestor as requestor
    import metadata_client.resources.manager as manager
    import metadata_client.transport as transport
    import metadata_client.workflows as workflows

    if name == "post-retry":
        transport.IDEMPOTENT_METHODS = transport.IDEMPOTENT_METHODS | {"POST"}
    elif name == "no-path-check":
        def passthrough(value: Any, name: str) -> str:
            return str(value)
        requestor.path_value = passthrough
        manager.path_value = passthrough
    elif name == "no-retries":
        init = transport.Transport.__init__

        def no_retries(self: Any, **kwargs: Any) -> None:
            init(self, **{**kwargs, "max_retries": 0})
        transport.Transport.__init__ = no_retries
    elif name == "no-deadline":
        transport.Transport.deadline = lambda self: self._clock() + 3600
    elif name == "token-race":
        def token(self: Any, deadline: float) -> str:
            if not self._token.fresh(self._clock()):
                self._token = self._fetch(deadline)
            return self._token.value
        auth.TokenProvider.token = token
    elif name == "leak-token":
        fetch = auth.TokenProvider._fetch

        def leaky(self: Any, deadline: float) -> Any:
            got = fetch(self, deadline)
            auth.log.debug("got token %s", got.value)
            return got
        auth.TokenProvider._fetch = leaky
    elif name == "no-rollback":
        workflows.Workflows._undo_run = lambda self, run_id, failure: failure
    else:
        raise SystemExit(f"MYMDC_BREAK={name!r}: choose one of {sorted(BREAKAGES)}")


def pytest_configure(config: Any) -> None:
    name = os.environ.get("MYMDC_BREAK")
    if name:
        _apply(name)
        config._break_it = (name, time.time())  # noqa: SLF001 - marks the run


def pytest_report_header(config: Any) -> str | None:
    name = os.environ.get("MYMDC_BREAK")
    return f"BREAK-IT RUN: {name}: {BREAKAGES.get(name, '?')}" if name else None
