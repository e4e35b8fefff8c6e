"""Shared machinery of the reliability and security suite.

* ``emu``: the session's emulator (from the ``mymdc_server`` fixture of the
  package's pytest plugin), reset to its seed before and after each test,
  with the default token lifetime restored and no fault left behind;
* ``make_client``: ``MetadataClient`` instances with the options a test
  needs (timeout, max_retries, backoff...), closed after the test;
* ``rec``: the session recorder; every scenario runs inside
  ``with rec("scenario name") as s:`` and adds its attempts to ``s.tries``.
  The table "scenario, tries, held" is printed at the end of the session
  (and written to ``$MYMDC_RELIABILITY_TABLE`` when that is set).

Every wait in this suite is bounded in count and in time, and all traffic
stays on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest

# Tables whose contents must not change when the emulator refuses a request.
MAIN_TABLES = (
    "proposals", "experiments", "samples", "runs", "data_groups", "data_files",
    "dataset_files", "data_groups_repositories", "repositories", "parameters",
    "users", "techniques", "instruments", "runs_data_groups", "runs_techniques",
)


# -- the recorder ---------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    tries: int = 0
    runs: int = 0
    failed: int = 0
    known_bug: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> str:
        if self.known_bug:
            if self.failed == self.runs:
                return "no: known bug, xfail"
            return f"{self.runs - self.failed} of {self.runs} XPASS"
        if self.failed:
            return f"NO ({self.failed} of {self.runs} failed)"
        return "yes"


class Recorder:
    """Collects (scenario, tries, held) rows; rows with the same name add up."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.notes: list[str] = []
        self.seconds = 0.0  # summed setup/call/teardown time of this directory's tests
        self.tests = 0
        self._lock = threading.Lock()

    def row(self, scenario: str) -> Row:
        with self._lock:
            return self.rows.setdefault(scenario, Row(scenario))

    @contextmanager
    def __call__(self, scenario: str, tries: int = 0) -> Iterator[Row]:
        row = self.row(scenario)
        row.runs += 1
        row.tries += tries
        try:
            yield row
        except BaseException:
            row.failed += 1
            raise

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(text)

    def table(self) -> str:
        rows = sorted(self.rows.values(), key=lambda r: r.scenario.split(".", 1)[0])  # stable
        width = max([len("Scenario")] + [len(r.scenario) for r in rows])
        lines = [f"| {'Scenario'.ljust(width)} | Tries | Held |",
                 f"|{'-' * (width + 2)}|------:|------|"]
        for r in rows:
            lines.append(f"| {r.scenario.ljust(width)} | {r.tries:5d} | {r.held} |")
        return "\n".join(lines)


RECORDER = Recorder()


class ScenarioRecorder:
    """The recorder as one test sees it: a test marked xfail (a known bug) is
    recorded in its own "BUG (xfail)" row, so the table keeps the two apart."""

    def __init__(self, recorder: Recorder, known_bug: bool) -> None:
        self._recorder = recorder
        self._known_bug = known_bug

    def __call__(self, scenario: str, tries: int = 0) -> Any:
        if self._known_bug and not scenario.startswith("BUG"):
            number, _, text = scenario.partition(". ")
            scenario = f"{number}. BUG (xfail): {text}"
            self._recorder.row(scenario).known_bug = True
        return self._recorder(scenario, tries)

    def note(self, text: str) -> None:
        self._recorder.note(text)


@pytest.fixture
def rec(request: pytest.FixtureRequest) -> ScenarioRecorder:
    """The session's scenario recorder (see the module docstring)."""
    return ScenarioRecorder(RECORDER, request.node.get_closest_marker("xfail") is not None)


def pytest_runtest_logreport(report: Any) -> None:
    # Called for the tests of this directory only (a conftest hook is path-scoped).
    RECORDER.seconds += report.duration
    if report.when == "call":
        RECORDER.tests += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RECORDER.rows:
        return
    terminalreporter.section("reliability scenarios")
    table = RECORDER.table()
    terminalreporter.write_line(table)
    for note in RECORDER.notes:
        terminalreporter.write_line(note)
    terminalreporter.write_line(f"(tests/reliability: {RECORDER.tests} tests, {RECORDER.seconds:.1f} s "
                                "of setup, call and teardown)")
    target = os.environ.get("MYMDC_RELIABILITY_TABLE")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            out.write(table + "\n\n" + "\n\n".join(RECORDER.notes) + "\n\n"
                      f"tests/reliability: {RECORDER.tests} tests, {RECORDER.seconds:.1f} s\n")


# -- the emulator -------------------------------------------------------------------


class Emu:
    """The emulator for one test: its URLs, control plane, store and helpers."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.control = server.control
        self.store = server.store
        self.url = server.url
        self.token_url = server.token_url
        self.api_url = server.api_url
        self.client_id = server.client_id
        self.client_secret = server.client_secret
        self.user_email = server.user_email
        self.max_delay = 0.0
        self.last_request = 0.0  # when the latest call of make_client's clients returned (monotonic)

    # faults ------------------------------------------------------------------
    def fault(self, **spec: Any) -> dict[str, Any]:
        """Add a fault; a ``delay`` also makes :meth:`settle` wait it out."""
        if spec.get("delay"):
            self.max_delay = max(self.max_delay, float(spec["delay"]))
        return self.control.add_fault(**spec)

    def settle(self) -> None:
        """Wait (bounded) until requests stalled by delay faults have been answered.

        A stalled request was sent before its call returned, so it is answered
        ``max_delay`` after the latest call of our clients returned at the
        latest; without this wait it would land in the next test's request log.
        """
        if self.max_delay:
            left = self.last_request + self.max_delay + 0.2 - time.monotonic()
            if left > 0:
                time.sleep(min(left, 10.0))

    # the request log -----------------------------------------------------------
    def log(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """Request-log entries, optionally those whose path matches a regex and method."""
        entries = self.control.request_log()
        if path is not None:
            entries = [e for e in entries if re.search(path, e["path"])]
        if method is not None:
            entries = [e for e in entries if e["method"] == method]
        return entries

    def api_log(self) -> list[dict[str, Any]]:
        return [e for e in self.control.request_log() if not e["token_fetch"]]

    def token_log(self) -> list[dict[str, Any]]:
        return [e for e in self.control.request_log() if e["token_fetch"]]

    def wait_log(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 5.0) -> list[dict[str, Any]]:
        """Poll the request log until ``predicate(entries)`` holds (bounded)."""
        end = time.monotonic() + timeout
        entries = self.control.request_log()
        while not predicate(entries) and time.monotonic() < end:
            time.sleep(0.02)
            entries = self.control.request_log()
        return entries

    # the store ----------------------------------------------------------------------
    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of the main tables (to prove that nothing changed)."""
        return {table: self.store.select(table) for table in MAIN_TABLES if table in self.store.tables()}

    def counts(self) -> dict[str, int]:
        return {table: self.store.count(table) for table in MAIN_TABLES if table in self.store.tables()}

    def reset(self) -> None:
        self.control.clear_faults()
        self.control.set_token_lifetime(7200)
        self.control.reset()


@pytest.fixture
def emu(mymdc_server: Any) -> Iterator[Emu]:
    """The emulator, reset to its seed before and after the test."""
    if mymdc_server.control is None:
        pytest.skip("the reliability suite needs the emulator's control plane")
    e = Emu(mymdc_server)
    e.reset()
    try:
        yield e
    finally:
        e.control.clear_faults()
        e.settle()
        e.reset()


@pytest.fixture
def make_client(emu: Emu, mymdc_server: Any) -> Iterator[Callable[..., Any]]:
    """``make_client(**options)``: a MetadataClient for the emulator, closed after the test."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        client = mymdc_server.client(**options)
        made.append(client)
        # Every request of a client, token requests included, goes through
        # Transport.request; each attempt starts before its call returns.
        transport = client._transport
        send = transport.request

        def request(*args: Any, **kwargs: Any) -> Any:
            try:
                return send(*args, **kwargs)
            finally:
                emu.last_request = max(emu.last_request, time.monotonic())

        transport.request = request
        return client

    yield make
    for client in made:
        client.close()
