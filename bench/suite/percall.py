"""Per-call cost of one GET against the fast server: wall and client CPU per call.

Each repetition is a fresh driver process per kind that warms up, then times
``calls`` sequential calls (``time.perf_counter`` for wall,
``time.process_time`` for the client process's CPU). Every kind ends with the
decoded JSON in hand: ``get_all_data_group_types_api().json()``, the facade's
result dict, or ``json.loads`` of the body for the two floors.
"""

from __future__ import annotations

from harness import (Row, Section, column, fmt, fmt_ratio, interleaved, log, median, paired_ratio,
                     run_driver, verdict)

KINDS = {
    "ours:api": ("ours", "api"),
    "v421:api": ("v421", "api"),
    "requests": ("requests", "api"),
    "urllib3": ("urllib3", "api"),
    "httpclient": ("httpclient", "api"),
    "ours:facade": ("ours", "facade"),
    "v421:facade": ("v421", "facade"),
}

TARGETS = {"wall_us": 0.8, "cpu_us": 0.7}


def run(ctx) -> Section:
    s = ctx.settings
    server = ctx.fast_server()
    kinds = [k for k, (kind, _) in KINDS.items() if ctx.pythons.for_kind(kind)]

    def one(label: str, rep: int) -> dict:
        kind, op = KINDS[label]
        return run_driver(ctx.pythons.for_kind(kind), {
            "kind": kind, "op": op, "task": "get", "server": server,
            "calls": s.percall_calls, "warmup": s.percall_warmup,
        })

    log(f"per call: {len(kinds)} kinds x {s.percall_reps} reps x {s.percall_calls} calls")
    runs = interleaved(kinds, s.percall_reps, one)

    section = Section("per_call")
    section.detail_header = ["client", "call", "wall µs/call", "CPU µs/call", "wall min", "CPU min", "reps"]
    for label, (kind, op) in KINDS.items():
        wall, cpu = column(runs, label, "wall_us"), column(runs, label, "cpu_us")
        section.detail.append([
            {"ours": "ours", "v421": "4.2.1", "requests": "requests.Session (floor)",
             "urllib3": "urllib3 pool (floor)", "httpclient": "http.client (floor)"}[kind],
            {"api": "`get_all_data_group_types_api().json()`" if kind in ("ours", "v421") else "GET + json",
             "facade": "`get_all_data_group_types()`"}[op],
            fmt(median(wall)), fmt(median(cpu)), fmt(min(wall, default=None)), fmt(min(cpu, default=None)),
            str(len(wall)),
        ])
    for op, name in (("api", "`*_api`"), ("facade", "facade")):
        for key, what in (("wall_us", "wall"), ("cpu_us", "CPU")):
            ours, v421 = column(runs, f"ours:{op}", key), column(runs, f"v421:{op}", key)
            floor = column(runs, "requests", key)
            vs_421 = paired_ratio(ours, v421)
            section.rows.append(Row(
                figure=f"GET {name} {what} (µs/call)",
                ours=fmt(median(ours)), v421=fmt(median(v421)), floor=fmt(median(floor)),
                vs_421=fmt_ratio(vs_421), vs_floor=fmt_ratio(paired_ratio(ours, floor)),
                target=f"<= {TARGETS[key]}x 4.2.1", status=verdict(vs_421, TARGETS[key]),
            ))
    u3, hc = (median(column(runs, k, "wall_us")) for k in ("urllib3", "httpclient"))
    section.notes.append(
        f"floor = a bare `requests.Session` with a pre-fetched token; below it, a bare `urllib3` pool "
        f"takes {fmt(u3)} µs/call and `http.client` {fmt(hc)} µs/call wall (detail table)."
    )
    section.data = {"runs": runs}
    missed = any(row.status == "MISSED" for row in section.rows)
    if missed or ctx.extras.get("profile"):
        _profile(ctx, server, section, [k for k in ("ours:api", "v421:api", "requests") if k in kinds])
    return section


def _profile(ctx, server: dict, section: Section, labels: list[str]) -> None:
    """One extra run per kind under cProfile: where each client's time goes."""
    log("per call: profiling (one extra run per client, under cProfile)")
    profiles = {}
    for label in labels:
        kind, op = KINDS[label]
        try:
            profiles[label] = run_driver(ctx.pythons.for_kind(kind), {
                "kind": kind, "op": op, "task": "get", "server": server, "profile": True,
                "calls": ctx.settings.percall_calls, "warmup": ctx.settings.percall_warmup,
            })
        except Exception as exc:  # noqa: BLE001
            log(f"per call: profiling {label} failed: {exc}")
    if not profiles:
        return
    names = {"ours:api": "ours", "v421:api": "4.2.1", "requests": "requests floor"}
    layers = sorted({name for p in profiles.values() for name in p["profile_layers"]},
                    key=lambda n: -max(p["profile_layers"].get(n, 0) for p in profiles.values()))
    per_call = {label: p["profile_total_s"] / p["calls"] * 1e6 for label, p in profiles.items()}
    section.extra_tables.append((
        ["own time by layer (cProfile, % of the profiled loop)", *(names[l] for l in profiles)],
        [[layer, *(fmt(p["profile_layers"].get(layer), 1) for p in profiles.values())] for layer in layers]
        + [["profiled µs/call (with profiler overhead)", *(fmt(per_call[l]) for l in profiles)]],
    ))
    if "ours:api" in profiles:
        section.extra_tables.append((
            ["ours `*_api`: top functions by own time", "calls", "own %", "cumulative %"],
            [[f"`{name}`", str(calls), fmt(own, 1), fmt(cum, 1)]
             for name, calls, own, cum in profiles["ours:api"]["profile_top"][:20]],
        ))
    section.data["profiles"] = profiles
