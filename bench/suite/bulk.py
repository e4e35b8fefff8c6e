"""Registering N dataset files (10,000; 1,000 with --quick) in one data group.

Ours: ``client.dataset_files.bulk_create(files, chunk_size=500, progress=...)``
(progress lines on stderr). 4.2.1: one ``create_dataset_file_api`` per file,
as its callers do. Floor: the same 500-file chunks POSTed by a bare
``requests.Session``. Without --quick, ours one-by-one (the 4.2.1-compatible
``create_dataset_file_api``) is measured too. Every repetition writes new
file names; the files are generated before the clock starts.
"""

from __future__ import annotations

from harness import (Row, Section, column, fmt, fmt_ratio, interleaved, log, median, paired_ratio,
                     run_driver, verdict)

TARGET = 0.05

KINDS = {
    "ours:bulk": ("ours", "bulk"),
    "v421:perfile": ("v421", "perfile"),
    "requests:bulk": ("requests", "bulk"),
    "ours:perfile": ("ours", "perfile"),
}


def _with(value: float | None, how: str) -> str:
    return "n/a" if value is None else f"{fmt(value, 3)} ({how})"


def make_data_group(emu) -> int:
    records = emu.records
    res = records.resources
    experiment = records.create(res["experiments"], {
        "name": "bench bulk", "proposal_id": 1, "experiment_type_id": 1})
    group = records.create(res["data_groups"], {
        "name": "bench bulk", "data_group_type_id": 1, "experiment_id": experiment["id"],
        "prefix_path": "/gpfs/exfel/bench/bulk", "flg_available": True})
    return int(group["id"])


def run(ctx) -> Section:
    s = ctx.settings
    emu = ctx.emulator()
    emu.control.reset()
    group = make_data_group(emu)
    server = ctx.emulator_server()
    labels = [k for k, (kind, _) in KINDS.items()
              if ctx.pythons.for_kind(kind) and (k != "ours:perfile" or s.bulk_ours_perfile)]

    def one(label: str, rep: int) -> dict:
        kind, mode = KINDS[label]
        tag = f"bench-{label.replace(':', '-')}-r{rep}"
        before = emu.store.count("dataset_files", data_group_id=group)
        out = run_driver(ctx.pythons.for_kind(kind), {
            "kind": kind, "task": "bulk", "mode": mode, "server": server, "tag": tag,
            "data_group_id": group, "files": s.bulk_files, "chunk_size": s.bulk_chunk,
        })
        added = emu.store.count("dataset_files", data_group_id=group) - before
        if added != s.bulk_files or out["stored"] != s.bulk_files:
            raise RuntimeError(f"{label} stored {added} files ({out['stored']} acknowledged), "
                               f"wanted {s.bulk_files}")
        return out

    log(f"bulk: {len(labels)} kinds x {s.bulk_reps} reps, {s.bulk_files} files")
    try:
        runs = interleaved(labels, s.bulk_reps, one)
    finally:
        emu.control.reset()

    ours, v421, floor = (column(runs, k, "wall_s") for k in ("ours:bulk", "v421:perfile", "requests:bulk"))
    vs_421 = paired_ratio(ours, v421)
    section = Section("bulk")
    section.rows.append(Row(
        figure=f"register {s.bulk_files:,} dataset files (s)",
        ours=_with(median(ours), "bulk"), v421=_with(median(v421), "one by one"),
        floor=_with(median(floor), "bulk"),
        vs_421=fmt_ratio(vs_421), vs_floor=fmt_ratio(paired_ratio(ours, floor)),
        target=f"<= {TARGET}x 4.2.1", status=verdict(vs_421, TARGET),
    ))
    section.detail_header = ["client", "how", "wall (s)", "client CPU (s)", "requests", "files/s", "reps"]
    for label in KINDS:
        kind, mode = KINDS[label]
        wall = median(column(runs, label, "wall_s"))
        reqs = [r["requests"] for r in runs.get(label, [])]
        section.detail.append([
            "4.2.1" if kind == "v421" else kind,
            f"chunks of {s.bulk_chunk}" if mode == "bulk" else "one create per file",
            fmt(wall, 3), fmt(median(column(runs, label, "cpu_s")), 3),
            str(reqs[0]) if reqs else "n/a", fmt(wall and s.bulk_files / wall, 0), str(len(reqs)),
        ])
    section.data = {"runs": runs, "files": s.bulk_files, "chunk_size": s.bulk_chunk}
    return section
