"""Benchmarks of metadata_client against 4.2.1 and against bare HTTP clients.

    python bench/run.py [--quick] [--only NAME[,NAME...]] [--json PATH] [--no-install]

NAME is one of: imports, per_call, tokens, pagination, bulk, emulator.
Prints a markdown summary table and one detail table per measurement on
stdout (progress on stderr), and writes everything, raw repetitions
included, to ``--json`` (default ``bench/results.json``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (BENCH, CACHE, SUMMARY_HEADER, Pythons, Row, Section, ensure_v421, log,  # noqa: E402
                     markdown_table)
from suite import bulk, emulator, imports, pagination, percall, tokens  # noqa: E402
from suite.context import FULL, QUICK, Context, Settings  # noqa: E402

MEASUREMENTS = {
    "imports": imports.run,
    "per_call": percall.run,
    "tokens": tokens.run,
    "pagination": pagination.run,
    "bulk": bulk.run,
    "emulator": emulator.run,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions (< 1 min)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these measurements ({', '.join(MEASUREMENTS)}); repeatable or comma-separated")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json", help="where to write the results")
    parser.add_argument("--profile", action="store_true",
                        help="add the per-call client profiles and the emulator profile even when targets are met")
    parser.add_argument("--no-install", action="store_true",
                        help="do not install metadata_client 4.2.1 if its venv is missing (4.2.1 columns are n/a)")
    args = parser.parse_args(argv)
    names = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in MEASUREMENTS]
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(unknown)} (choose from {', '.join(MEASUREMENTS)})")
    args.names = names or list(MEASUREMENTS)
    return args


def machine() -> dict[str, object]:
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "loadavg_at_start": load}


def render(sections: list[Section], meta: dict) -> str:
    out = [f"## metadata_client benchmarks ({'quick' if meta['quick'] else 'full'} run)", ""]
    load = meta["machine"].get("loadavg_at_start")
    out.append(f"Python {meta['machine']['python']}, {meta['machine']['cpus']} CPUs, load average at start "
               f"{'n/a' if not load else ', '.join(f'{x:.2f}' for x in load)}; 4.2.1: "
               f"{'installed' if meta['v421'] else 'n/a'}; {meta['seconds']:.0f} s in all.")
    out += ["", "Ratios are medians of per-repetition ratios (runs interleaved A B A B ...).", ""]
    rows = [row.cells() for section in sections for row in section.rows]
    out += [markdown_table(SUMMARY_HEADER, rows), ""]
    for section in sections:
        out.append(f"### {section.name}")
        out.append("")
        if section.detail:
            out += [markdown_table(section.detail_header, section.detail), ""]
        for header, table in section.extra_tables:
            out += [markdown_table(header, table), ""]
        out += [f"- {note}" for note in section.notes]
        if section.notes:
            out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    v421 = ensure_v421(install=not args.no_install)
    ctx = Context(Settings(args.quick), Pythons(ours=sys.executable, v421=str(v421) if v421 else None))
    ctx.extras["profile"] = args.profile
    sections: list[Section] = []
    failed = []
    try:
        for name in args.names:
            t0 = time.perf_counter()
            log(f"== {name}")
            try:
                section = MEASUREMENTS[name](ctx)
            except Exception as exc:  # noqa: BLE001 - report it, carry on with the others
                traceback.print_exc()
                failed.append(name)
                section = Section(name, rows=[Row(figure=name, ours="failed", status="error")],
                                  notes=[f"failed: {type(exc).__name__}: {exc}"])
            section.data["seconds"] = round(time.perf_counter() - t0, 2)
            log(f"== {name} done in {section.data['seconds']:.1f} s")
            sections.append(section)
    finally:
        ctx.close()
    meta = {"quick": args.quick, "machine": machine(), "v421": bool(v421),
            "seconds": time.perf_counter() - started, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "settings": dict(QUICK if args.quick else FULL), "measurements": args.names}
    print(render(sections, meta))
    payload = {"meta": meta, "sections": {
        s.name: {"summary": [dict(zip(SUMMARY_HEADER, r.cells())) for r in s.rows],
                 "detail": {"header": s.detail_header, "rows": s.detail},
                 "extra_tables": [{"header": h, "rows": t} for h, t in s.extra_tables],
                 "notes": s.notes, "data": s.data}
        for s in sections}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1, default=str))
    log(f"results written to {args.json} ({meta['seconds']:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
