"""Emulator throughput: requests per second for one simple GET, 8 client threads.

``GET <api>/data_group_types/?page=1&page_size=100`` with a fixed bearer token,
over keep-alive connections, for ``seconds``. Load generators, each in its
own process: ``wrk -t8 -c8`` when installed (C, so the client's own cost
hardly counts against the 2 cores), then 8 Python threads with
``http.client`` and 8 with ``requests`` sessions (these share the 2 cores
with the server, so they understate it).

When the best figure is under the target, the emulator is profiled under the
same load: each server connection thread runs under its own ``cProfile``
measuring thread CPU time, so waiting for the socket or the GIL is not
counted (the handler class of the running server is swapped for a profiling
subclass; no library file is touched), and the merged profile's top entries
are reported.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import shutil
import subprocess
import threading
import time

from harness import NEUTRAL_CWD, Row, Section, clean_env, fmt, log, median, run_driver, verdict

TARGET = 1000.0
PATH = "data_group_types/"
PARAMS = {"page": 1, "page_size": 100}


def _token(server: dict) -> str:
    from driver import fetch_token

    return fetch_token(server)


def run_wrk(server: dict, token: str, threads: int, seconds: float) -> dict | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    url = f"{server['api_url']}{PATH}?page=1&page_size=100"
    command = [wrk, f"-t{threads}", f"-c{threads}", f"-d{max(1, round(seconds))}s",
               "-H", f"Authorization: Bearer {token}", "-H", f"X-User-Email: {server['user_email']}",
               "-H", "Accept: application/json; version=1", url]
    done = subprocess.run(command, cwd=NEUTRAL_CWD, env=clean_env(), capture_output=True, text=True,
                          timeout=seconds + 60)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", done.stdout)
    if done.returncode != 0 or rps is None:
        log(f"wrk failed: {done.stderr.strip()[:200]}")
        return None
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", done.stdout)
    errors = re.search(r"Socket errors:.*", done.stdout)
    return {"rps": float(rps.group(1)), "bad": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(0) if errors else ""}


def run_python(ctx, kind: str, server: dict, token: str, threads: int, seconds: float) -> dict:
    return run_driver(ctx.pythons.ours, {
        "kind": kind, "task": "load", "server": server, "token": token, "threads": threads,
        "seconds": seconds, "path": PATH, "params": PARAMS,
    }, timeout=seconds + 120)


def profile(ctx, emu, server: dict, token: str, seconds: float, top: int = 25) -> tuple[str, list[list[str]]]:
    """Profile the emulator's connection threads under the ``http.client`` load."""
    httpd = emu._server  # the running socketserver; only its handler class is swapped
    original = httpd.RequestHandlerClass
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    class Profiled(original):  # type: ignore[misc, valid-type]
        def handle(self) -> None:
            profiler = cProfile.Profile(time.thread_time)  # CPU time: waits for data or the GIL don't count
            profiler.enable()
            try:
                super().handle()
            finally:
                profiler.disable()
                with lock:
                    profiles.append(profiler)

    httpd.RequestHandlerClass = Profiled
    try:
        out = run_python(ctx, "httpclient", server, token, ctx.settings.load_threads, seconds)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # connection threads finish once the driver exits
            with lock:
                if len(profiles) >= ctx.settings.load_threads:
                    break
            time.sleep(0.05)
    finally:
        httpd.RequestHandlerClass = original
    with lock:
        collected = list(profiles)
    if not collected:
        return "no profile collected", []
    stream = io.StringIO()
    stats = pstats.Stats(collected[0], stream=stream)
    for p in collected[1:]:
        stats.add(p)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    for (filename, line, name), (cc, nc, tt, ct, callers) in entries[:top]:
        where = _short(filename)
        rows.append([f"`{where}:{line}({name})`", str(nc), fmt(tt / total * 100, 1), fmt(ct / total * 100, 1)])
    cum_rows = []
    own = [kv for kv in stats.stats.items() if "metadata_client" in kv[0][0]]  # type: ignore[attr-defined]
    for (filename, line, name), (cc, nc, tt, ct, callers) in sorted(own, key=lambda kv: kv[1][3],
                                                                    reverse=True)[:12]:
        cum_rows.append([f"`{_short(filename)}:{line}({name})`", str(nc), fmt(tt / total * 100, 1),
                         fmt(ct / total * 100, 1)])
    summary = (f"profiled {out.get('requests', 0)} requests at {fmt(out.get('rps'))} req/s under cProfile "
               f"({len(collected)} connection threads, {total:.2f} s of profiled thread time)")
    return summary, [["**by own time**", "", "", ""], *rows, ["**emulator code by cumulative time**", "", "", ""],
                     *cum_rows]


def _short(filename: str) -> str:
    from driver import short_path

    return short_path(filename)


def run(ctx) -> Section:
    s = ctx.settings
    emu = ctx.emulator()
    emu.control.reset()
    server = ctx.emulator_server()
    token = _token(server)
    results: dict[str, list[float]] = {"wrk": [], "httpclient": [], "requests": []}
    bad: dict[str, int] = {}
    for rep in range(s.load_reps):
        log(f"emulator: rep {rep + 1}/{s.load_reps}, {s.load_threads} threads, {s.load_seconds:.0f} s per loader")
        w = run_wrk(server, token, s.load_threads, s.load_seconds)
        if w is not None:
            results["wrk"].append(w["rps"])
            bad["wrk"] = bad.get("wrk", 0) + w["bad"]
        for kind in ("httpclient", "requests"):
            try:
                out = run_python(ctx, kind, server, token, s.load_threads, s.load_seconds)
            except Exception as exc:  # noqa: BLE001
                log(f"emulator: {kind} load failed: {exc}")
                continue
            results[kind].append(out["rps"])
            bad[kind] = bad.get(kind, 0) + sum(out["bad"].values())
        emu.control.clear_log()
    med = {k: median(v) for k, v in results.items()}
    best_kind = max((k for k in med if med[k] is not None), key=lambda k: med[k], default=None)
    best = med[best_kind] if best_kind else None

    section = Section("emulator")
    section.rows.append(Row(
        figure=f"emulator req/s, GET data_group_types, {s.load_threads} client threads",
        ours=f"{fmt(best, 0)} ({best_kind})" if best_kind else "n/a",
        target=f">= {TARGET:,.0f} req/s", status=verdict(best, TARGET, higher_is_better=True),
    ))
    section.detail_header = ["load generator", "req/s (median)", "runs", "non-200"]
    for kind, label in (("wrk", "wrk -t8 -c8 (C)"), ("httpclient", "8 threads, http.client"),
                        ("requests", "8 threads, requests.Session")):
        section.detail.append([label, fmt(med[kind], 0), str(len(results[kind])), str(bad.get(kind, "n/a"))])
    section.data = {"rps": results, "non_200": bad}
    if best is not None and (best < TARGET or ctx.extras.get("profile")):
        log("emulator: profiling the emulator under load")
        try:
            summary, table = profile(ctx, emu, server, token, s.profile_seconds)
            section.notes.append(summary)
            section.data["profile"] = table
            section.extra_tables = [(["function", "calls", "own %", "cumulative %"], table)]
        except Exception as exc:  # noqa: BLE001
            section.notes.append(f"profiling failed: {exc}")
    emu.control.reset()
    return section
