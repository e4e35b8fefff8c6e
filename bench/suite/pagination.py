"""Listing every run of a proposal holding N runs (10,000; 2,000 with --quick).

Seeding (outside any timing): a proposal and an experiment are created
through the emulator's record layer (the same validation a POST gets), then
the N runs are written in one transaction through the store's seeding path
(``store.seed_record`` + ``Store.insert``: coercion and the run's ``prepare``
hook, as the emulator's own seeds). That takes a fraction of a second where
N validated creates take ~1 ms each; the timed part only reads.

Timed: ours ``list(client.runs.by_proposal(number))`` (lazy iterator, pages of
500) vs 4.2.1 ``get_all_runs_by_proposal_number_api(number, page=p)`` page by
page with its default page size (100), decoding each page, until a short page.
Floor: a bare ``requests.Session`` paging by 500.

On loopback a request costs well under a millisecond, so the emulator's
rendering of the records dominates and fewer, larger pages gain little. A
second pass adds a fixed delay per page request (an emulator ``delay``
fault, 20 ms: a round trip plus a Rails request on the real service) to show
what the page count is worth on a network; it is reported on its own row
and the target is judged on the plain loopback figure.
"""

from __future__ import annotations

from harness import (Row, Section, column, fmt, fmt_ratio, interleaved, log, median, paired_ratio,
                     run_driver, verdict)

PROPOSAL_NUMBER = 990001
TARGET = 0.25


def seed_runs(emu, n: int) -> int:
    """Create proposal PROPOSAL_NUMBER with ``n`` runs; returns the proposal number."""
    import time

    records, store = emu.records, emu.store
    res = records.resources
    started = time.perf_counter()
    proposal = records.create(res["proposals"], {
        "number": PROPOSAL_NUMBER, "title": "bench pagination", "instrument_id": 1,
        "flg_beamtime_status": "F", "begin_at": "2026-01-01T00:00:00Z",
    })
    experiment = records.create(res["experiments"], {
        "name": "bench pagination", "proposal_id": proposal["id"], "experiment_type_id": 1,
    })
    runs = res["runs"]
    rows = [{"run_number": i, "experiment_id": experiment["id"], "first_train": 1000 * i,
             "last_train": 1000 * i + 999, "flg_available": True, "flg_status": 2,
             "begin_at": "2026-01-01T00:00:00Z", "run_alias": f"bench run {i}"} for i in range(1, n + 1)]
    try:
        from metadata_client.emulator.fields import utc_now
        from metadata_client.emulator.store import seed_record
    except ImportError:  # the seeding path moved: fall back to validated creates
        records.bulk(runs, rows, "runs")
    else:
        first_id = 5_000_000
        now = utc_now()
        with store.transaction():
            for i, row in enumerate(rows):
                store.insert(runs.table, seed_record(store, runs, {"id": first_id + i, **row}, now))
    count = store.count("runs", proposal_id=proposal["id"])
    if count != n:
        raise RuntimeError(f"seeded {count} runs, wanted {n}")
    log(f"pagination: seeded {n} runs into proposal {PROPOSAL_NUMBER} in "
        f"{time.perf_counter() - started:.2f} s")
    return PROPOSAL_NUMBER


def run(ctx) -> Section:
    s = ctx.settings
    emu = ctx.emulator()
    emu.control.reset()
    number = seed_runs(emu, s.page_runs)
    server = ctx.emulator_server()
    kinds = [k for k in ("ours", "v421", "requests") if ctx.pythons.for_kind(k)]

    def one(kind: str, rep: int) -> dict:
        emu.control.clear_log()
        out = run_driver(ctx.pythons.for_kind(kind), {
            "kind": kind, "task": "paginate", "server": server, "proposal_number": number,
            "page_size": 500,
        })
        if out["records"] != s.page_runs or out["distinct_ids"] != s.page_runs:
            raise RuntimeError(f"{kind} listed {out['records']} runs ({out['distinct_ids']} distinct), "
                               f"wanted {s.page_runs}")
        out["pages"] = sum(1 for e in emu.control.request_log()
                           if str(e.get("path", "")).startswith("/api/runs/runs_by_proposal"))
        return out

    log(f"pagination: {len(kinds)} kinds x {s.page_reps} reps, {s.page_runs} runs")
    try:
        runs = interleaved(kinds, s.page_reps, one)
        latency = s.page_latency_ms / 1000
        log(f"pagination: again with {s.page_latency_ms} ms per page request, {s.page_latency_reps} reps")
        emu.control.add_fault(method="GET", path="^/api/runs/runs_by_proposal", action="delay",
                              delay=latency, count=1_000_000)
        slow = interleaved(kinds, s.page_latency_reps, one)
    finally:
        emu.control.clear_faults()
        emu.control.reset()

    ours, v421, floor = (column(runs, k, "wall_s") for k in ("ours", "v421", "requests"))
    vs_421 = paired_ratio(ours, v421)
    section = Section("pagination")
    section.rows.append(Row(
        figure=f"list {s.page_runs:,} runs of a proposal (s)",
        ours=fmt(median(ours), 3), v421=fmt(median(v421), 3), floor=fmt(median(floor), 3),
        vs_421=fmt_ratio(vs_421), vs_floor=fmt_ratio(paired_ratio(ours, floor)),
        target=f"<= {TARGET}x 4.2.1", status=verdict(vs_421, TARGET),
    ))
    ours_s, v421_s, floor_s = (column(slow, k, "wall_s") for k in ("ours", "v421", "requests"))
    section.rows.append(Row(
        figure=f"same, {s.page_latency_ms} ms per page request (s)",
        ours=fmt(median(ours_s), 3), v421=fmt(median(v421_s), 3), floor=fmt(median(floor_s), 3),
        vs_421=fmt_ratio(paired_ratio(ours_s, v421_s)), vs_floor=fmt_ratio(paired_ratio(ours_s, floor_s)),
        target="(context)", status="",
    ))
    section.detail_header = ["client", "how", "wall (s)", "client CPU (s)", "requests", "reps",
                             f"wall with {s.page_latency_ms} ms/request (s)"]
    for kind, how in (("ours", "`runs.by_proposal()` iterator, pages of 500"),
                      ("v421", "`get_all_runs_by_proposal_number_api` page by page, 100/page"),
                      ("requests", "bare Session, pages of 500 (floor)")):
        pages = [r["pages"] for r in runs.get(kind, [])]
        section.detail.append([
            "4.2.1" if kind == "v421" else kind, how, fmt(median(column(runs, kind, "wall_s")), 3),
            fmt(median(column(runs, kind, "cpu_s")), 3),
            str(median(pages)) if pages else "n/a", str(len(runs.get(kind, []))),
            fmt(median(column(slow, kind, "wall_s")), 3),
        ])
    section.data = {"runs": runs, "records": s.page_runs, "with_latency": slow,
                    "latency_ms": s.page_latency_ms}
    return section
