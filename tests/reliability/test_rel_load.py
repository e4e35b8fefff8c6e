"""7. Load: 8 threads of mixed reads and writes through one shared client.

Bounded in time (LOAD_SECONDS). Afterwards: no 5xx in the request log, every
create the client saw succeed exists exactly once, deleted records are gone,
nothing was sent twice; latency percentiles go to the report.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from metadata_client.modules import Run

from _reliability_helpers import percentiles

THREADS = 8
LOAD_SECONDS = 5.0


def test_mixed_load_through_one_shared_client(emu, make_client, rec) -> None:
    with rec("7. load: 8 threads mixed reads/writes, 5 s: no 5xx, no lost/duplicate rows") as row:
        client = make_client(timeout=10, max_retries=3, backoff_factor=0.05)
        samples_before = emu.store.count("samples")
        latencies: dict[str, list[float]] = defaultdict(list)
        created: dict[str, int] = {}
        deleted: set[int] = set()
        creates_sent = 0
        errors: list[BaseException] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + LOAD_SECONDS
        barrier = threading.Barrier(THREADS, timeout=10)

        def worker(index: int) -> None:
            nonlocal creates_sent
            rng = random.Random(1000 + index)
            mine: list[int] = []
            n = 0
            barrier.wait()
            while time.monotonic() < stop_at:
                n += 1
                roll = rng.random()
                started = time.perf_counter()
                if roll < 0.25 or not mine:
                    kind = "create"
                    name = f"load-{index}-{n}"
                    with lock:
                        creates_sent += 1
                    record = client.samples.create(name=name, proposal_id=-1, sample_type_id=1)
                    assert record["name"] == name
                    mine.append(record["id"])
                    with lock:
                        created[name] = record["id"]
                elif roll < 0.35:
                    kind = "update"
                    ident = rng.choice(mine)
                    text = f"updated by {index} at {n}"
                    assert client.samples.update(ident, description=text)["description"] == text
                elif roll < 0.45:
                    kind = "delete"
                    ident = mine.pop(rng.randrange(len(mine)))
                    client.samples.delete(ident)
                    with lock:
                        deleted.add(ident)
                elif roll < 0.65:
                    kind = "get"
                    ident = rng.choice(mine)
                    assert client.samples.get(ident)["id"] == ident
                elif roll < 0.80:
                    kind = "list"
                    page = client.samples.list(proposal_id=-1, page_size=20)
                    assert isinstance(page, list)
                else:
                    kind = "4.2.1 get"
                    assert Run.get_by_id(client, -1)["success"] is True
                with lock:
                    latencies[kind].append((time.perf_counter() - started) * 1000)

        def main(index: int) -> None:
            try:
                worker(index)
            except BaseException as exc:  # asserted below
                errors.append(exc)

        threads = [threading.Thread(target=main, args=(i,), daemon=True) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(LOAD_SECONDS + 20)
        assert not any(t.is_alive() for t in threads)
        assert errors == [], errors[:3]

        log = emu.api_log()
        total = sum(len(v) for v in latencies.values())
        row.tries = total
        # server side: no 5xx, no 401 leaking through, each create sent exactly once
        assert [e for e in log if e["status"] is None or e["status"] >= 500] == []
        assert sum(1 for e in log if e["method"] == "POST" and e["path"].rstrip("/") == "/api/samples") \
            == creates_sent == len(created)
        assert len(log) >= total
        # the store: every create exists exactly once, deleted ones are gone
        for name, ident in created.items():
            if ident in deleted:
                assert emu.store.get("samples", ident) is None, ident
                assert emu.store.count("samples", name=name) == 0
            else:
                assert emu.store.get("samples", ident)["name"] == name
                assert emu.store.count("samples", name=name) == 1
        assert emu.store.count("samples") == samples_before + len(created) - len(deleted)

        everything = [x for values in latencies.values() for x in values]
        lines = [f"load: {total} calls in {LOAD_SECONDS:.0f} s by {THREADS} threads "
                 f"({total / LOAD_SECONDS:.0f}/s), {len(created)} creates, {len(deleted)} deletes, "
                 "0 server errors",
                 "| operation | calls | p50 ms | p90 ms | p99 ms |", "|---|--:|--:|--:|--:|"]
        for kind, values in sorted(latencies.items()) + [("all", everything)]:
            p = percentiles(values)
            lines.append(f"| {kind} | {len(values)} | {p[50]:.1f} | {p[90]:.1f} | {p[99]:.1f} |")
        server = percentiles([e["duration_ms"] for e in log])
        lines.append(f"| (server-side handling) | {len(log)} | {server[50]:.1f} | {server[90]:.1f} | "
                     f"{server[99]:.1f} |")
        rec.note("\n".join(lines))
        print("\n".join(lines))
