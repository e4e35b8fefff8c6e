"""The client side of every measurement, run in a fresh subprocess per repetition.

    python bench/driver.py '<json config>'

``config["kind"]`` picks the client:

* ``ours``: this project's ``MetadataClient`` (run by the project's venv);
* ``v421``: metadata_client 4.2.1 (run by ``bench/.cache/venv-421``; same
  import name, hence the separate venv);
* ``requests``: a bare ``requests.Session`` with a bearer token fetched beforehand;
* ``urllib3``: a bare ``urllib3.HTTPConnectionPool`` (what ``requests`` is built on);
* ``httpclient``: ``http.client.HTTPConnection`` keep-alive, token fetched beforehand.

``config["task"]`` picks what is timed: ``get`` (per-call cost), ``tokens``
(threads sharing one client across token expiries), ``paginate`` (list every
run of a proposal), ``bulk`` (register dataset files) and ``load`` (requests
per second against a server). Set-up (imports, constructor, first token,
warm-up calls) is outside the timed section. The result is one JSON line on
stdout; progress goes to stderr. Standard library only besides the client
under test, so the same file runs under both interpreters.
"""

from __future__ import annotations

import base64
import http.client
import json
import sys
import threading
import time
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

JSON_HEADERS = {"content-type": "application/json", "Accept": "application/json; version=1"}
MAX_SECONDS = 900.0  # no task runs longer than this, whatever its configuration


class Timed:
    """Times a block (wall and process CPU); with ``profile`` set, also runs it under cProfile."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.profiler = None
        if cfg.get("profile"):
            import cProfile

            self.profiler = cProfile.Profile()

    def __enter__(self) -> "Timed":
        self.cpu0, self.t0 = time.process_time(), time.perf_counter()
        if self.profiler is not None:
            self.profiler.enable()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.profiler is not None:
            self.profiler.disable()
        self.wall, self.cpu = time.perf_counter() - self.t0, time.process_time() - self.cpu0

    def report(self, result: dict[str, Any], top: int = 25) -> dict[str, Any]:
        """Add the profile (top functions by own time, own time by layer) to ``result``."""
        if self.profiler is None:
            return result
        import pstats

        stats = pstats.Stats(self.profiler)
        total = stats.total_tt or 1.0  # type: ignore[attr-defined]
        entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
        result["profile_top"] = [
            [f"{short_path(f)}:{line}({name})", nc, round(tt / total * 100, 1), round(ct / total * 100, 1)]
            for (f, line, name), (cc, nc, tt, ct, _) in entries[:top]]
        layers: dict[str, float] = {}
        for (f, _, name), (_, _, tt, _, _) in entries:
            layers[layer(f, name)] = layers.get(layer(f, name), 0.0) + tt
        result["profile_layers"] = {k: round(v / total * 100, 1)
                                    for k, v in sorted(layers.items(), key=lambda kv: -kv[1])}
        result["profile_total_s"] = total
        return result


def short_path(filename: str) -> str:
    for marker in ("site-packages/", "/metadata_client/", "/lib/python3."):
        if marker in filename:
            cut = filename.index(marker)
            if marker == "/lib/python3.":
                return "stdlib/" + filename[cut + len(marker):].split("/", 1)[-1]
            return filename[cut + len(marker):] if marker == "site-packages/" else filename[cut + 1:]
    return filename


def layer(filename: str, name: str) -> str:
    """Which layer a profiled function belongs to (for the own-time breakdown)."""
    if "/metadata_client/" in filename:
        return "metadata_client"
    for package in ("requests_oauthlib", "oauthlib", "requests", "urllib3", "oauth2_xfel_client"):
        if f"site-packages/{package}/" in filename:
            return package
    if filename == "~":
        if "socket" in name or "recv" in name or "send" in name or "poll" in name or "select" in name:
            return "socket I/O (C)"
        if "lock" in name or "thread" in name:
            return "threads and locks (C)"
        return "other builtins (C)"
    for module in ("http/client", "email/", "threading", "json/", "urllib/", "socket", "typing"):
        if f"/{module}" in filename:
            return "stdlib " + module.strip("/")
    return "other"


def progress(label: str, done: int, total: int) -> None:
    print(f"  {label}: {done}/{total}", file=sys.stderr, flush=True)


# -- clients ------------------------------------------------------------------------------


def make_library_client(cfg: dict[str, Any]) -> Any:
    """``MetadataClient`` with the 4.2.1 positional constructor (both versions)."""
    from metadata_client import MetadataClient

    s = cfg["server"]
    return MetadataClient(s["client_id"], s["client_secret"], s["token_url"], s["token_url"],
                          s.get("auth_url") or s["token_url"], "", s["user_email"], s["api_url"])


def fetch_token(s: dict[str, Any]) -> str:
    """A bearer token from the token endpoint (floors get theirs before timing)."""
    parts = urlsplit(s["token_url"])
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    basic = base64.b64encode(f"{s['client_id']}:{s['client_secret']}".encode()).decode()
    conn.request("POST", parts.path, body="grant_type=client_credentials",
                 headers={"Content-Type": "application/x-www-form-urlencoded",
                          "Authorization": f"Basic {basic}", "Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"token request refused: {response.status} {body[:200]!r}")
    return json.loads(body)["access_token"]


class RawRequests:
    """The ``requests`` floor: one Session, fixed headers, no checks."""

    def __init__(self, cfg: dict[str, Any], token: str | None = None) -> None:
        import requests

        s = cfg["server"]
        self.base = s["api_url"]
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers.update({**JSON_HEADERS, "X-User-Email": s["user_email"],
                                     "Authorization": f"Bearer {token or fetch_token(s)}"})

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, Any, Any]:
        r = self.session.get(self.base + path, params=params, timeout=(5, 30))
        return r.status_code, r.json(), r.headers

    def post(self, path: str, body: Any) -> tuple[int, Any, Any]:
        r = self.session.post(self.base + path, data=json.dumps(body), timeout=(5, 120))
        return r.status_code, r.json(), r.headers


class RawHTTP:
    """The ``http.client`` floor: one keep-alive connection, fixed headers."""

    def __init__(self, cfg: dict[str, Any], token: str | None = None) -> None:
        s = cfg["server"]
        parts = urlsplit(s["api_url"])
        self.host, self.port, self.base = parts.hostname, parts.port, parts.path
        self.headers = {**JSON_HEADERS, "X-User-Email": s["user_email"],
                        "Authorization": f"Bearer {token or fetch_token(s)}"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def _send(self, method: str, target: str, body: bytes | None) -> tuple[int, Any, Any]:
        for attempt in (1, 2):  # one reconnect if the server closed an idle connection
            try:
                self.conn.request(method, target, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, json.loads(data) if data else None, response.headers
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, Any, Any]:
        return self._send("GET", self.base + path + ("?" + urlencode(params) if params else ""), None)

    def post(self, path: str, body: Any) -> tuple[int, Any, Any]:
        return self._send("POST", self.base + path, json.dumps(body).encode())


class RawUrllib3(RawHTTP):
    """The ``urllib3`` floor: one connection pool, fixed headers (what requests sits on)."""

    def __init__(self, cfg: dict[str, Any], token: str | None = None) -> None:
        import urllib3

        super().__init__(cfg, token)
        self.conn.close()
        self.pool = urllib3.HTTPConnectionPool(self.host, self.port, maxsize=4, retries=False,
                                               timeout=urllib3.Timeout(connect=5, read=30))

    def _send(self, method: str, target: str, body: bytes | None) -> tuple[int, Any, Any]:
        r = self.pool.urlopen(method, target, body=body, headers=self.headers)
        return r.status, json.loads(r.data) if r.data else None, r.headers


FLOORS = {"requests": RawRequests, "httpclient": RawHTTP, "urllib3": RawUrllib3}


def make_floor(cfg: dict[str, Any], token: str | None = None) -> Any:
    return FLOORS[cfg["kind"]](cfg, token)


DGT_QUERY = {"page": 1, "page_size": 100}


def one_get(cfg: dict[str, Any], client: Any) -> Callable[[], Any]:
    """The timed GET: decoded JSON in the caller's hands, status checked."""
    kind, op = cfg["kind"], cfg.get("op", "api")
    if kind in ("ours", "v421"):
        if op == "facade":
            def call() -> Any:
                res = client.get_all_data_group_types()
                if not res["success"]:
                    raise RuntimeError(f"facade call failed: {res['info']} {res['app_info']}")
                return res["data"]
        else:
            def call() -> Any:
                r = client.get_all_data_group_types_api()
                if r.status_code != 200:
                    raise RuntimeError(f"HTTP {r.status_code}")
                return r.json()
        return call

    def floor_call() -> Any:
        status, data, _ = client.get("data_group_types/", DGT_QUERY)
        if status != 200:
            raise RuntimeError(f"HTTP {status}")
        return data
    return floor_call


def make_client(cfg: dict[str, Any]) -> Any:
    return make_library_client(cfg) if cfg["kind"] in ("ours", "v421") else make_floor(cfg)


# -- tasks --------------------------------------------------------------------------------


def task_get(cfg: dict[str, Any]) -> dict[str, Any]:
    client = make_client(cfg)
    call = one_get(cfg, client)
    for _ in range(int(cfg.get("warmup", 50))):
        call()
    n = int(cfg["calls"])
    with Timed(cfg) as timed:
        for _ in range(n):
            call()
    return timed.report({"calls": n, "wall_us": timed.wall / n * 1e6, "cpu_us": timed.cpu / n * 1e6})


def task_tokens(cfg: dict[str, Any]) -> dict[str, Any]:
    """``threads`` threads share one client, each making ``calls`` paced calls over ``seconds``."""
    kind = cfg["kind"]
    if kind not in ("ours", "v421"):
        raise ValueError("the token task needs a library client")
    client = make_library_client(cfg)
    threads, calls, seconds = int(cfg["threads"]), int(cfg["calls"]), float(cfg["seconds"])
    interval = seconds / calls
    statuses: dict[str, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.05
    hard_stop = start + min(MAX_SECONDS, max(60.0, seconds * 20))

    def worker(index: int) -> None:
        offset = interval * index / threads  # spread the threads over one interval
        for i in range(calls):
            due = start + offset + i * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if time.monotonic() > hard_stop:
                with lock:
                    errors.append("hard stop reached")
                return
            try:
                r = client.get_all_data_group_types_api()
                key = str(r.status_code)
            except Exception as exc:  # noqa: BLE001 - every failure reaching the caller counts
                key = type(exc).__name__
                with lock:
                    if len(errors) < 5:
                        errors.append(f"{key}: {str(exc)[:120]}")
            with lock:
                statuses[key] = statuses.get(key, 0) + 1

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=max(0.0, hard_stop - time.monotonic()) + 5)
    wall = time.perf_counter() - t0
    fetches = getattr(client, "token_fetches", None) if kind == "ours" else None
    return {"wall_s": wall, "statuses": statuses, "errors": errors, "client_fetches": fetches,
            "calls": threads * calls}


def task_paginate(cfg: dict[str, Any]) -> dict[str, Any]:
    kind, number = cfg["kind"], cfg["proposal_number"]
    client = make_client(cfg)
    one_get({**cfg, "op": "api"}, client)()  # token and connection, outside the timing
    pages = 0
    timed = Timed(cfg).__enter__()
    if kind == "ours":
        runs = list(client.runs.by_proposal(number))
        pages = -1  # not visible through the iterator
    elif kind == "v421":
        # 4.2.1 offers no iterator: a caller pages with the default page size (100).
        runs, page = [], 1
        while page <= 100_000:
            r = client.get_all_runs_by_proposal_number_api(number, page=page)
            if r.status_code != 200:
                raise RuntimeError(f"HTTP {r.status_code} on page {page}")
            batch = r.json()
            runs.extend(batch)
            pages += 1
            if len(batch) < 100:
                break
            page += 1
    else:
        size = int(cfg.get("page_size", 500))
        runs, page = [], 1
        while page <= 100_000:
            status, batch, headers = client.get(
                "runs/runs_by_proposal", {"proposal_number": number, "page": page, "page_size": size})
            if status != 200:
                raise RuntimeError(f"HTTP {status} on page {page}")
            runs.extend(batch)
            pages += 1
            total = headers.get("X-Total-Pages")
            if (total and page >= int(total)) or len(batch) < size:
                break
            page += 1
    timed.__exit__()
    return timed.report({"wall_s": timed.wall, "cpu_s": timed.cpu, "records": len(runs), "pages": pages,
                         "distinct_ids": len({r["id"] for r in runs})})


def _files(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    tag, group, n = cfg["tag"], cfg["data_group_id"], int(cfg["files"])
    return [{"filename": f"{tag}-S{i:06d}.h5", "data_group_id": group, "checksum": f"{i:08x}",
             "byte_size": 1_000_000 + i, "format": "hdf5", "flg_available": True,
             "flg_immutable": True, "year": 2026} for i in range(n)]


def task_bulk(cfg: dict[str, Any]) -> dict[str, Any]:
    kind, mode = cfg["kind"], cfg["mode"]
    files = _files(cfg)
    total, chunk = len(files), int(cfg.get("chunk_size", 500))
    label = f"{kind}/{mode}"
    every = max(1, total // 5)
    client = make_client(cfg)
    one_get({**cfg, "op": "api"}, client)()  # token and connection, outside the timing
    requests_sent = 0
    timed = Timed(cfg).__enter__()
    deadline = time.monotonic() + MAX_SECONDS
    if kind == "ours" and mode == "bulk":
        chunks = -(-total // chunk)
        created = client.dataset_files.bulk_create(
            files, chunk_size=chunk, progress=lambda done, all_: progress(label, done, all_))
        stored = len(created)
        requests_sent = chunks
    elif mode == "bulk":  # floor: the same chunks straight through the session
        stored = 0
        for i in range(0, total, chunk):
            status, answer, _ = client.post("dataset_files/bulk_create",
                                            {"dataset_files": files[i:i + chunk]})
            if status not in (200, 201):
                raise RuntimeError(f"HTTP {status}: {str(answer)[:200]}")
            stored += len(answer)
            requests_sent += 1
            progress(label, min(i + chunk, total), total)
    else:  # one create per file, as a 4.2.1 caller does it
        stored = 0
        for i, record in enumerate(files, 1):
            if time.monotonic() > deadline:
                raise RuntimeError("hard stop reached")
            if kind in ("ours", "v421"):
                r = client.create_dataset_file_api({"dataset_file": record})
                status = r.status_code
            else:
                status, _, _ = client.post("dataset_files/", {"dataset_file": record})
            if status != 201:
                raise RuntimeError(f"HTTP {status} for file {i}")
            stored += 1
            requests_sent += 1
            if i % every == 0 or i == total:
                progress(label, i, total)
    timed.__exit__()
    return timed.report({"wall_s": timed.wall, "cpu_s": timed.cpu, "stored": stored,
                         "requests": requests_sent})


def task_load(cfg: dict[str, Any]) -> dict[str, Any]:
    """``threads`` floor clients hammer one GET for ``seconds``; requests per second."""
    token = cfg.get("token") or fetch_token(cfg["server"])
    threads, seconds = int(cfg["threads"]), min(float(cfg["seconds"]), MAX_SECONDS)
    path, params = cfg["path"], cfg.get("params")
    clients = [make_floor(cfg, token) for _ in range(threads)]
    for c in clients:
        c.get(path, params)  # connect before the clock starts
    counts = [0] * threads
    bad: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        c = clients[index]
        barrier.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            try:
                status, _, _ = c.get(path, params)
            except Exception as exc:  # noqa: BLE001
                status = type(exc).__name__
            if status != 200:
                with lock:
                    bad[str(status)] = bad.get(str(status), 0) + 1
            n += 1
        counts[index] = n

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    cpu0 = time.process_time()
    barrier.wait()
    for t in pool:
        t.join(timeout=seconds + 60)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    total = sum(counts)
    return {"requests": total, "wall_s": wall, "rps": total / wall, "bad": bad,
            "client_cpu_s": cpu}


TASKS = {"get": task_get, "tokens": task_tokens, "paginate": task_paginate,
         "bulk": task_bulk, "load": task_load}


def main() -> None:
    cfg = json.loads(sys.argv[1])
    try:
        result = TASKS[cfg["task"]](cfg)
    except Exception as exc:  # noqa: BLE001 - reported to the orchestrator as data
        result = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    result["kind"] = cfg["kind"]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
