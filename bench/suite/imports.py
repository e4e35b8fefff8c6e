"""Import time: ``python -X importtime -c "<statement>"`` in fresh processes.

The figure is the sum of the cumulative times of the top-level imports the
statement triggers (everything after a marker written once the interpreter
is up), so interpreter start-up and ``site`` are left out. Our package loads
``MetadataClient`` lazily, so ``import metadata_client`` and ``from
metadata_client import MetadataClient`` are both reported.
"""

from __future__ import annotations

import subprocess

from harness import (NEUTRAL_CWD, Row, Section, clean_env, fmt, fmt_ratio, interleaved, log, median,
                     paired_ratio, verdict)

MARKER = "@@bench-import@@"

CASES = {
    "ours:import": ("ours", "import metadata_client"),
    "ours:from": ("ours", "from metadata_client import MetadataClient"),
    "v421:import": ("v421", "import metadata_client"),
    "v421:from": ("v421", "from metadata_client import MetadataClient"),
    "requests": ("ours", "import requests"),
}


def import_profile(python: str, statement: str, insecure: bool) -> tuple[float, dict[str, tuple[int, int]]]:
    """Microseconds spent importing for ``statement`` in a fresh interpreter, and
    ``{module: (self µs, cumulative µs)}`` for every module it imported."""
    code = f"import sys; sys.stderr.write({MARKER!r} + '\\n'); {statement}"
    done = subprocess.run([python, "-X", "importtime", "-c", code], cwd=NEUTRAL_CWD,
                          env=clean_env(insecure), capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{statement!r} failed: {done.stderr.strip().splitlines()[-1:]}")
    lines = done.stderr.splitlines()
    total = 0
    modules: dict[str, tuple[int, int]] = {}
    for line in lines[lines.index(MARKER) + 1:]:
        if not line.startswith("import time:"):
            continue
        own, cumulative, name = line[len("import time:"):].split("|")
        modules[name.strip()] = (int(own), int(cumulative))
        if name.startswith(" ") and not name.startswith("  "):  # top level: one space, no indent
            total += int(cumulative)
    return float(total), modules


def run(ctx) -> Section:
    s = ctx.settings
    cases = {k: v for k, v in CASES.items() if ctx.pythons.for_kind(v[0])}

    def one(label: str, rep: int) -> dict[str, float] | None:
        kind, statement = cases[label]
        python = ctx.pythons.for_kind(kind)
        total, modules = import_profile(python, statement, kind == "v421")
        profiles.setdefault(label, []).append(modules)
        return {"us": total}

    profiles: dict[str, list[dict[str, tuple[int, int]]]] = {}
    for label in cases:  # compile .pyc files and warm the page cache before timing
        one(label, -1)
    log(f"imports: {len(cases)} statements x {s.import_reps} fresh processes")
    runs = interleaved(list(cases), s.import_reps, one)
    us = {k: [r["us"] for r in runs.get(k, [])] for k in CASES}
    med = {k: median(v) for k, v in us.items()}

    section = Section("imports")
    section.detail_header = ["statement", "interpreter", "median (ms)", "min (ms)", "max (ms)", "n"]
    for label, (kind, statement) in CASES.items():
        values = us[label]
        section.detail.append([
            f"`{statement}`", "4.2.1 venv" if kind == "v421" else "project venv",
            fmt(med[label] and med[label] / 1000, 2),
            fmt(min(values) / 1000 if values else None, 2), fmt(max(values) / 1000 if values else None, 2),
            str(len(values)),
        ])
    for label, text in (("ours:import", "import metadata_client"),
                        ("ours:from", "from metadata_client import MetadataClient")):
        v421 = label.replace("ours", "v421")
        vs_requests = paired_ratio(us[label], us["requests"])
        section.rows.append(Row(
            figure=f"import time `{text}` (ms)",
            ours=fmt(med[label] and med[label] / 1000, 2),
            v421=fmt(med[v421] and med[v421] / 1000, 2),
            floor=fmt(med["requests"] and med["requests"] / 1000, 2) + " (requests)",
            vs_421=fmt_ratio(paired_ratio(us[label], us[v421])),
            vs_floor=fmt_ratio(vs_requests),
            target="<= 1.1x import requests",
            status=verdict(vs_requests, 1.1),
        ))
    extra = _extra_modules(profiles.get("ours:from", [])[1:], profiles.get("requests", [])[1:])
    if extra:
        total = sum(own for _, own, _ in extra)
        section.extra_tables.append((
            ["imported by `from metadata_client import MetadataClient` but not by `import requests`",
             "self (ms, median)", "cumulative (ms, median)"],
            [[f"`{name}`", fmt(own / 1000, 2), fmt(cum / 1000, 2)] for name, own, cum in extra[:12]],
        ))
        section.notes.append(
            f"{len(extra)} modules are imported beyond `import requests`, {total / 1000:.1f} ms of self "
            "time in all (medians over the runs; the heaviest are listed above)."
        )
    section.data = {"microseconds": us, "statements": {k: v[1] for k, v in CASES.items()},
                    "extra_modules": extra}
    return section


def _extra_modules(ours: list[dict[str, tuple[int, int]]], requests: list[dict[str, tuple[int, int]]]
                   ) -> list[tuple[str, float, float]]:
    """Modules that ``ours`` imports and ``import requests`` does not, heaviest self time first."""
    if not ours or not requests:
        return []
    baseline = set().union(*requests)
    names = set().union(*ours) - baseline
    rows = [(name, median(p[name][0] for p in ours if name in p) or 0.0,
             median(p[name][1] for p in ours if name in p) or 0.0) for name in names]
    return sorted(rows, key=lambda r: r[1], reverse=True)
