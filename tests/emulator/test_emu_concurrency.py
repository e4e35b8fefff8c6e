"""Concurrent writers: no lost or duplicated rows, uniqueness holds under races."""

from __future__ import annotations

import threading
from collections import Counter

import requests

from emu_helpers import Api

THREADS = 8
PER_THREAD = 1000


def _run_threads(target, count: int = THREADS) -> None:
    errors: list[BaseException] = []

    def wrapped(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]


def test_parallel_creates(api: Api) -> None:
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def writer(index: int) -> None:
        with requests.Session() as session:
            headers = api.headers()
            url = api.server.api_url + "samples/"
            for n in range(PER_THREAD):
                body = f'{{"sample": {{"name": "t{index}-s{n}", "proposal_id": -1}}}}'
                status = session.post(url, data=body, headers=headers, timeout=60).status_code
                with lock:
                    statuses[status] += 1

    _run_threads(writer)
    assert statuses == Counter({201: THREADS * PER_THREAD})
    rows = api.server.store.rows("SELECT id, name FROM samples WHERE id >= 1000")
    assert len(rows) == THREADS * PER_THREAD
    assert len({row["name"] for row in rows}) == THREADS * PER_THREAD
    assert sorted(row["id"] for row in rows) == list(range(1000, 1000 + THREADS * PER_THREAD))
    listed = api.get("samples/?proposal_id=-1&page=17&page_size=500")
    assert listed.headers["X-Total-Count"] == str(THREADS * PER_THREAD + 1)
    assert listed.headers["X-Total-Pages"] == "17"


def test_uniqueness_under_races(api: Api) -> None:
    names = [f"contested-{n}" for n in range(100)]
    created: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def racer(index: int) -> None:
        with requests.Session() as session:
            headers = api.headers()
            for name in names[index % 2::1]:
                body = {"data_group_type": {"name": name, "identifier": name}}
                response = session.post(api.server.api_url + "data_group_types/", json=body, headers=headers)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 201:
                        created[name] += 1
                    else:
                        assert response.json() == {"info": {"identifier": ["has already been taken"],
                                                            "name": ["has already been taken"]}}

    _run_threads(racer)
    assert set(statuses) <= {201, 422} and statuses[201] == len(names)
    assert all(created[name] == 1 for name in names)
    assert api.server.store.count("data_group_types") == 7 + len(names)
