"""Shared pieces of the benchmark harness: paths, the 4.2.1 venv, subprocesses, statistics.

Every client is measured in a subprocess started the same way
(``python bench/driver.py '<json config>'``); the driver times its own
section and prints one JSON line. The orchestrator only starts servers,
seeds data, runs drivers and collects numbers.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
VENV_421 = CACHE / "venv-421"
DRIVER = BENCH / "driver.py"
FASTSERVER = BENCH / "fastserver.py"
# Subprocesses run from here so that ``import metadata_client`` never picks up
# the working tree by accident (the 4.2.1 venv must import 4.2.1).
NEUTRAL_CWD = CACHE

SUBPROCESS_TIMEOUT = 600.0


def log(message: str) -> None:
    """A progress line on stderr (stdout is kept for the table)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- the 4.2.1 client in its own venv -------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_v421(install: bool = True) -> Path | None:
    """The Python of a venv holding metadata_client 4.2.1, installing it once.

    Returns None (after logging why) when it cannot be had: the harness then
    reports "n/a" for every 4.2.1 column instead of failing.
    """
    python = _venv_python(VENV_421)
    check = [str(python), "-c",
             "import importlib.metadata as m; assert m.version('metadata_client') == '4.2.1'"]
    if python.exists() and _ok(check):
        return python
    if not install:
        log("metadata_client 4.2.1 venv missing and --no-install given: 4.2.1 columns are n/a")
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"installing metadata_client==4.2.1 into {VENV_421} (one time)")
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV_421)],
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "metadata_client==4.2.1"],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, cwd=NEUTRAL_CWD, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log(f"4.2.1 install failed ({exc}); 4.2.1 columns are n/a")
            return None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            log(f"4.2.1 install failed: {' | '.join(tail)}; 4.2.1 columns are n/a")
            return None
    if not _ok(check):
        log("4.2.1 venv does not import metadata_client 4.2.1; 4.2.1 columns are n/a")
        return None
    return python


def _ok(command: Sequence[str]) -> bool:
    try:
        return subprocess.run(command, cwd=NEUTRAL_CWD, capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# -- running the driver -----------------------------------------------------------------


def clean_env(insecure_http: bool = False) -> dict[str, str]:
    """The environment of a client subprocess: no PYTHONPATH, no proxies."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "OAUTHLIB_INSECURE_TRANSPORT")
           and not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONHASHSEED"] = "0"
    if insecure_http:
        # 4.2.1 refuses http token URLs without it; ours accepts loopback http by itself.
        env["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    return env


@dataclass
class Pythons:
    """Interpreters for each client kind (``v421`` may be None)."""

    ours: str
    v421: str | None

    def for_kind(self, kind: str) -> str | None:
        return self.v421 if kind.startswith("v421") else self.ours


class DriverError(RuntimeError):
    pass


def run_driver(python: str, config: dict[str, Any], timeout: float = SUBPROCESS_TIMEOUT) -> dict[str, Any]:
    """Run ``driver.py`` with ``config`` under ``python``; return its JSON result.

    The driver's stderr (progress lines) goes straight to ours.
    """
    kind = config["kind"]
    command = [python, str(DRIVER), json.dumps(config)]
    try:
        done = subprocess.run(
            command, cwd=NEUTRAL_CWD, env=clean_env(kind.startswith("v421")),
            stdout=subprocess.PIPE, stderr=None, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise DriverError(f"driver {kind}/{config['task']} timed out after {timeout:.0f} s") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise DriverError(f"driver {kind}/{config['task']} failed (exit {done.returncode})")
    result = json.loads(lines[-1])
    if result.get("error"):
        raise DriverError(f"driver {kind}/{config['task']}: {result['error']}")
    return result


def interleaved(kinds: Sequence[str], reps: int, run: Callable[[str, int], dict[str, Any] | None]
                ) -> dict[str, list[dict[str, Any]]]:
    """Run ``run(kind, rep)`` as A B C A B C ..., rotating the order each round.

    Rotating keeps any "first after a pause" effect from always landing on
    the same kind. A kind whose run returns None is skipped from then on.
    """
    results: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    alive = list(kinds)
    for rep in range(reps):
        shift = rep % len(kinds)
        order = [k for k in list(kinds)[shift:] + list(kinds)[:shift] if k in alive]
        for kind in order:
            try:
                value = run(kind, rep)
            except Exception as exc:  # noqa: BLE001 - one broken kind must not sink the rest
                log(f"{kind}: {exc}; dropping {kind}")
                value = None
            if value is None:
                alive.remove(kind)
                results[kind] = []
                continue
            results[kind].append(value)
    return results


# -- statistics -----------------------------------------------------------------------


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are not None (None if there are none)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float | None:
    """Median over repetitions of ``a_i / b_i``: drift between rounds cancels."""
    pairs = [a / b for a, b in zip(numerators, denominators) if a is not None and b]
    return statistics.median(pairs) if pairs else None


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def column(runs: dict[str, list[dict[str, Any]]], kind: str, key: str) -> list[float]:
    return [r[key] for r in runs.get(kind, []) if r.get(key) is not None]


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}f}{unit}"


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}x" if value < 0.1 else f"{value:.2f}x"


def verdict(value: float | None, limit: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value >= limit if higher_is_better else value <= limit
    return "met" if ok else "MISSED"


@dataclass
class Row:
    """One line of the summary table."""

    figure: str
    ours: str
    v421: str = "n/a"
    floor: str = "n/a"
    vs_421: str = "n/a"
    vs_floor: str = "n/a"
    target: str = ""
    status: str = ""

    def cells(self) -> list[str]:
        return [self.figure, self.ours, self.v421, self.floor, self.vs_421, self.vs_floor,
                self.target, self.status]


SUMMARY_HEADER = ["figure", "ours", "4.2.1", "floor", "ours/4.2.1", "ours/floor", "target", "status"]


@dataclass
class Section:
    """What one measurement returns: summary rows, a detail table, raw data."""

    name: str
    rows: list[Row] = field(default_factory=list)
    detail_header: list[str] = field(default_factory=list)
    detail: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    extra_tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start
