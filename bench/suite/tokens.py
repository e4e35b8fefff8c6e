"""Token fetches when 8 threads share one client across 1-second tokens.

The emulator issues 1-second tokens (``control.set_token_lifetime(1)``); a
driver runs ``threads`` threads x ``calls`` GETs through one client, paced
over ``seconds`` so the run spans a known number of token lifetimes whatever
the machine's speed. The emulator's request log gives the token fetches and
the 401s it answered; the driver counts what reached the caller.

Expiry windows: a client that renews ``leeway`` before expiry (ours: a tenth
of the lifetime, so 0.9 s of use per 1-second token) needs one token at the
start and one more each ``lifetime - leeway``, i.e. ``floor(D / 0.9) + 1``
over a span D; no client that never sends an expired token can do with fewer
than ``ceil(D / lifetime)``. The target is met when the fetches fall in that
range and no 401 reaches the caller.
"""

from __future__ import annotations

import math

from harness import Row, Section, fmt, log, median, run_driver

LIFETIME = 1.0
LEEWAY = LIFETIME / 10  # ours: min(60 s, lifetime / 10)


def run(ctx) -> Section:
    s = ctx.settings
    emu = ctx.emulator()
    server = ctx.emulator_server()
    kinds = [k for k in ("ours", "v421") if ctx.pythons.for_kind(k)]
    results: dict[str, list[dict]] = {k: [] for k in ("ours", "v421")}
    try:
        for rep in range(s.token_reps):
            for kind in kinds if rep % 2 == 0 else kinds[::-1]:
                emu.control.reset()
                emu.control.set_token_lifetime(LIFETIME)
                log(f"tokens: {kind} rep {rep + 1}/{s.token_reps}: {s.token_threads} threads x "
                    f"{s.token_calls} calls over {s.token_seconds:.0f} s, {LIFETIME:.0f}-second tokens")
                try:
                    out = run_driver(ctx.pythons.for_kind(kind), {
                        "kind": kind, "task": "tokens", "server": server, "threads": s.token_threads,
                        "calls": s.token_calls, "seconds": s.token_seconds,
                    })
                except Exception as exc:  # noqa: BLE001
                    log(f"tokens: {kind}: {exc}")
                    continue
                results[kind].append(_judge(out, emu.control.request_log()))
    finally:
        emu.control.set_token_lifetime(7200)
        emu.control.reset()

    section = Section("tokens")
    section.detail_header = ["client", "rep", "span (s)", "token fetches (server)", "fetches (client)",
                             "windows [min, max]", "401 at server", "401/errors to caller", "calls ok"]
    for kind in ("ours", "v421"):
        for i, r in enumerate(results[kind], 1):
            section.detail.append([
                "ours" if kind == "ours" else "4.2.1", str(i), fmt(r["span"], 2), str(r["fetches"]),
                "n/a" if r["client_fetches"] is None else str(r["client_fetches"]),
                f"[{r['windows_min']}, {r['windows_max']}]", str(r["server_401"]),
                str(r["caller_failures"]), f"{r['ok']}/{r['calls']}",
            ])

    def summary(kind: str) -> str:
        rs = results[kind]
        if not rs:
            return "n/a"
        return ", ".join(f"{r['fetches']} (windows {r['windows_min']}-{r['windows_max']})" for r in rs)

    ours = results["ours"]
    fetch_ok = bool(ours) and all(r["windows_min"] <= r["fetches"] <= r["windows_max"] for r in ours)
    caller_ok = bool(ours) and all(r["caller_failures"] == 0 and r["ok"] == r["calls"] for r in ours)
    section.rows.append(Row(
        figure=f"token fetches, {s.token_threads} threads x {s.token_calls} calls, 1 s tokens",
        ours=summary("ours"), v421=summary("v421"),
        target="= expiry windows", status="met" if fetch_ok else ("n/a" if not ours else "MISSED"),
    ))
    section.rows.append(Row(
        figure="401s / errors reaching the caller (same run)",
        ours=", ".join(str(r["caller_failures"]) for r in ours) or "n/a",
        v421=", ".join(str(r["caller_failures"]) for r in results["v421"]) or "n/a",
        target="0", status="met" if caller_ok else ("n/a" if not ours else "MISSED"),
    ))
    section.notes.append(
        "windows: min = ceil(span / lifetime), max = floor(span / (lifetime - leeway)) + 1 with "
        "our leeway of lifetime/10; span = first to last API request in the emulator's log. "
        f"Median span {fmt(median(r['span'] for r in ours), 2)} s."
    )
    section.data = {"results": results, "lifetime": LIFETIME}
    return section


def _judge(out: dict, entries: list[dict]) -> dict:
    fetch_times = [e["time"] for e in entries if e.get("token_fetch")]
    api = [e for e in entries if not e.get("token_fetch") and str(e.get("path", "")).startswith("/api/")]
    times = [e["time"] for e in api]
    span = (max(times) - min(times)) if times else 0.0
    statuses = out.get("statuses", {})
    ok = statuses.get("200", 0)
    gaps = [b - a for a, b in zip(fetch_times, fetch_times[1:])]
    return {
        "span": span, "fetches": len(fetch_times), "client_fetches": out.get("client_fetches"),
        "windows_min": max(1, math.ceil(span / LIFETIME)),
        "windows_max": math.floor(span / (LIFETIME - LEEWAY)) + 1,
        "server_401": sum(1 for e in api if e.get("status") == 401),
        "caller_failures": sum(n for k, n in statuses.items() if k != "200"),
        "ok": ok, "calls": out.get("calls", 0), "statuses": statuses, "errors": out.get("errors", []),
        "min_gap_between_fetches": min(gaps) if gaps else None, "wall_s": out.get("wall_s"),
    }
