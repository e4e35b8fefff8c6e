"""2. Retries: transient failures are retried, never a POST that may have landed.

Each scenario is read from both sides: what the caller got, and what the
emulator's request log and store say happened.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from metadata_client import (
    ConnectionFailed,
    MetadataClientError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnparseableResponseError,
)
from metadata_client.modules import Run

from _reliability_helpers import Forwarder, closed_port

RUN = {"run_number": 4321, "experiment_id": -1, "sample_id": -1, "first_train": 1,
       "begin_at": "2026-11-27T10:00:00.000+01:00", "flg_status": 1}


def statuses(entries: list[dict[str, Any]]) -> list[int | None]:
    return [e["status"] for e in entries]


def burst(emu, method: str, path: str, codes: list[int], **extra: Any) -> None:
    """One fault per status, consumed in this order by the next matching requests."""
    for code in codes:
        emu.fault(method=method, path=path, action="status", status=code, count=1, **extra)


# -- idempotent calls through bursts shorter than max_retries ---------------------


def test_get_survives_a_502_503_504_burst(emu, make_client, rec) -> None:
    with rec("2. GET through a 502/503/504 burst (< max_retries) succeeds", tries=2):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        burst(emu, "GET", r"^/api/runs/-1$", [502, 503, 504])
        assert client.runs.get(-1)["run_number"] == 1
        assert statuses(emu.log(r"^/api/runs/-1$")) == [502, 503, 504, 200]

        # The 4.2.1 dict API, same burst.
        emu.control.clear_log()
        burst(emu, "GET", r"^/api/runs/-1$", [504, 502, 503])
        res = Run.get_by_id(client, -1)
        assert res["success"] is True and res["data"]["run_number"] == 1, res
        assert statuses(emu.log(r"^/api/runs/-1$")) == [504, 502, 503, 200]


def test_put_survives_a_burst_and_applies_once(emu, make_client, rec) -> None:
    with rec("2. PUT through a 503/502 burst succeeds, store updated", tries=1):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        burst(emu, "PUT", r"^/api/runs/-2$", [503, 502])
        updated = client.runs.update(-2, description="after the burst")
        assert updated["description"] == "after the burst"
        assert statuses(emu.log(r"^/api/runs/-2$", "PUT")) == [503, 502, 200]
        assert emu.store.get("runs", -2)["description"] == "after the burst"


def test_delete_survives_a_burst(emu, make_client, rec) -> None:
    with rec("2. DELETE through a 502/504 burst succeeds, record gone", tries=1):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        sample = client.samples.create(name="retry-delete", proposal_id=-1, sample_type_id=1)
        burst(emu, "DELETE", r"^/api/samples/", [502, 504])
        client.samples.delete(sample["id"])
        assert statuses(emu.log(r"^/api/samples/\d+$", "DELETE")) == [502, 504, 204]
        assert emu.store.get("samples", sample["id"]) is None


def test_burst_longer_than_max_retries_fails_after_exactly_max_retries(emu, make_client, rec) -> None:
    with rec("2. 503 burst > max_retries: fails after exactly 1 + max_retries attempts", tries=2):
        client = make_client(max_retries=2, backoff_factor=0.01, timeout=5)
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=503, count=10)
        with pytest.raises(ServerError) as caught:
            client.runs.get(-1)
        assert caught.value.status == 503
        assert statuses(emu.log(r"^/api/runs/-1$")) == [503, 503, 503]

        emu.control.clear_log()
        res = Run.get_by_id(client, -1)
        assert res["success"] is False and res["app_info"] == "Injected fault: HTTP 503", res
        assert statuses(emu.log(r"^/api/runs/-1$")) == [503, 503, 503]


# -- POST: at most once when it may have reached the server ------------------------


def test_post_answered_503_after_processing_is_sent_once(emu, make_client, rec) -> None:
    with rec("2. POST processed, answer replaced by 503: sent once, one record", tries=2):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        emu.fault(method="POST", path=r"^/api/runs/?$", action="status", status=503, after=True, count=5)
        with pytest.raises(ServerError):
            client.runs.create(**RUN)
        assert statuses(emu.log(r"^/api/runs/?$", "POST")) == [503]
        assert emu.store.count("runs", run_number=RUN["run_number"], experiment_id=-1) == 1

        # The 4.2.1 dict API: success False, still one POST, still one record.
        emu.control.clear_log()
        res = Run.create_from_dict(client, {**RUN, "run_number": 4322})
        assert res["success"] is False, res
        assert statuses(emu.log(r"^/api/runs/?$", "POST")) == [503]
        assert emu.store.count("runs", run_number=4322, experiment_id=-1) == 1


def test_post_whose_connection_dropped_after_processing_is_not_resent(emu, make_client, rec) -> None:
    with rec("2. POST processed, connection dropped: not resent, one record", tries=1):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        emu.fault(method="POST", path=r"^/api/samples/?$", action="drop", after=True, count=5)
        with pytest.raises(ConnectionFailed) as caught:
            client.samples.create(name="dropped-answer", proposal_id=-1, sample_type_id=1)
        assert caught.value.unsent is False
        assert len(emu.log(r"^/api/samples/?$", "POST")) == 1
        assert emu.store.count("samples", name="dropped-answer") == 1


def test_post_refused_before_sending_is_retried(emu, make_client, mymdc_server, rec) -> None:
    """The first attempt meets a closed port (ECONNREFUSED: nothing was sent).

    The client's retry wait opens the port (a forwarder to the emulator), so
    the retry is the first and only POST the server sees.
    """
    with rec("2. POST refused before sending (ECONNREFUSED) is retried, lands once", tries=1):
        from metadata_client import MetadataClient

        api = urlsplit(emu.api_url)
        port = closed_port()
        forwarder = Forwarder(port, ("127.0.0.1", int(api.port)))
        # Tokens come straight from the emulator; API calls go to the closed port.
        client = MetadataClient(
            emu.client_id, emu.client_secret, emu.token_url, None, None, "", emu.user_email,
            f"http://127.0.0.1:{port}{api.path}", max_retries=3, timeout=5, backoff_factor=0.01,
        )
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 1:
                forwarder.start()
            time.sleep(seconds)

        client._transport._sleep = sleep
        try:
            sample = client.samples.create(name="refused-then-sent", proposal_id=-1, sample_type_id=1)
        finally:
            client.close()
            forwarder.stop()
        assert len(waits) == 1, waits  # exactly one retry
        assert forwarder.accepted == 1
        posts = emu.log(r"^/api/samples/?$", "POST")
        assert statuses(posts) == [201]
        assert emu.store.count("samples", name="refused-then-sent") == 1
        assert emu.store.get("samples", sample["id"])["name"] == "refused-then-sent"


# -- 429 and Retry-After -------------------------------------------------------------


def test_429_retry_after_seconds_is_honoured(emu, make_client, rec) -> None:
    with rec("2. 429 Retry-After: 1 (seconds) honoured, then success", tries=1):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        client.runs.get(-1)
        emu.control.clear_log()
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=429,
                  headers={"Retry-After": "1"}, count=1)
        started = time.monotonic()
        assert client.runs.get(-1)["id"] == -1
        elapsed = time.monotonic() - started
        assert 0.95 <= elapsed < 1.6, elapsed
        log = emu.log(r"^/api/runs/-1$")
        assert statuses(log) == [429, 200]
        assert log[1]["time"] - log[0]["time"] >= 0.95


def test_429_retry_after_http_date_is_honoured(emu, make_client, rec) -> None:
    with rec("2. 429 Retry-After: <HTTP date> honoured, then success", tries=1):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=6)
        client.runs.get(-1)
        emu.control.clear_log()
        now = time.time()
        when = int(now) + 2  # HTTP dates have whole seconds
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=429,
                  headers={"Retry-After": email.utils.formatdate(when, usegmt=True)}, count=1)
        started = time.monotonic()
        assert client.runs.get(-1)["id"] == -1
        elapsed = time.monotonic() - started
        expected = when - now
        assert expected - 0.1 <= elapsed < expected + 0.6, (elapsed, expected)
        assert statuses(emu.log(r"^/api/runs/-1$")) == [429, 200]


def test_429_beyond_the_deadline_fails_at_once(emu, make_client, rec) -> None:
    with rec("2. 429 Retry-After beyond the deadline: fails at once (both APIs)", tries=3):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=2)
        client.runs.get(-1)
        emu.control.clear_log()
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=429,
                  headers={"Retry-After": "30"}, count=3)
        started = time.monotonic()
        with pytest.raises(RateLimitedError) as caught:
            client.runs.get(-1)
        assert time.monotonic() - started < 0.5
        assert caught.value.retry_after is not None and 29 <= caught.value.retry_after <= 30
        assert caught.value.status == 429

        started = time.monotonic()
        res = Run.get_by_id(client, -1)
        assert time.monotonic() - started < 0.5
        assert res["success"] is False, res

        when = email.utils.formatdate(time.time() + 60, usegmt=True)
        emu.control.clear_faults()
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="status", status=429,
                  headers={"Retry-After": when}, count=1)
        started = time.monotonic()
        with pytest.raises(RateLimitedError) as caught:
            client.runs.get(-1)
        assert time.monotonic() - started < 0.5
        assert 55 <= caught.value.retry_after <= 61
        assert statuses(emu.log(r"^/api/runs/-1$")) == [429, 429, 429]  # one attempt per call


# -- unusable answers -------------------------------------------------------------------


def test_garbage_body_gives_typed_errors_and_failure_dicts(emu, make_client, rec) -> None:
    with rec("2. garbage (HTML 200) body: UnparseableResponseError / success False", tries=4):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="garbage", count=1)
        with pytest.raises(UnparseableResponseError) as caught:
            client.runs.get(-1)
        assert caught.value.status == 200
        assert statuses(emu.log(r"^/api/runs/-1$")) == [200]  # a 200 is not retried

        emu.fault(method="GET", path=r"^/api/runs/-1$", action="garbage", count=1)
        res = Run.get_by_id(client, -1)
        assert res["success"] is False and "not JSON" in str(res["app_info"]), res

        emu.fault(method="GET", path=r"^/api/data_group_types", action="garbage", count=1)
        res = client.get_all_data_group_types()
        assert res["success"] is False, res

        emu.fault(method="POST", path=r"^/api/runs/?$", action="garbage", count=1)
        res = Run.create_from_dict(client, dict(RUN))
        assert res["success"] is False, res
        assert emu.store.count("runs", run_number=RUN["run_number"]) == 0  # not processed


def test_garbage_error_page_with_5xx_status(emu, make_client, rec) -> None:
    with rec("2. HTML 502 error page (non-JSON 5xx): retried, then typed error", tries=2):
        client = make_client(max_retries=2, backoff_factor=0.01, timeout=5)
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="garbage", status=502, count=10)
        with pytest.raises(MetadataClientError) as caught:
            client.runs.get(-1)
        assert isinstance(caught.value, (UnparseableResponseError, ServerError)), repr(caught.value)
        assert caught.value.status == 502
        assert statuses(emu.log(r"^/api/runs/-1$")) == [502, 502, 502]
        res = Run.get_by_id(client, -1)
        assert res["success"] is False, res


def test_truncated_body_gives_typed_errors_and_failure_dicts(emu, make_client, rec) -> None:
    with rec("2. truncated body (Content-Length > body): typed error / success False, GET retried",
             tries=4):
        client = make_client(max_retries=2, backoff_factor=0.01, timeout=5)
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="truncate", count=10)
        started = time.monotonic()
        with pytest.raises((UnparseableResponseError, TransportError)):
            client.runs.get(-1)
        assert time.monotonic() - started < 5
        assert len(emu.log(r"^/api/runs/-1$")) == 3  # 1 + max_retries

        # A single truncated answer is survived by a GET's retry.
        emu.control.clear_faults()
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="truncate", count=1)
        assert client.runs.get(-1)["id"] == -1

        # The 4.2.1 API: a success False dict, from a module class and from the facade.
        emu.control.clear_faults()
        emu.fault(method="GET", path=r"^/api/runs/-1$", action="truncate", count=10)
        res = Run.get_by_id(client, -1)
        assert res["success"] is False, res
        emu.fault(method="GET", path=r"^/api/data_group_types", action="truncate", count=10)
        res = client.get_all_data_group_types()
        assert res["success"] is False, res


def test_truncated_post_answer_is_not_resent(emu, make_client, rec) -> None:
    with rec("2. POST processed, answer truncated: not resent, one record", tries=1):
        client = make_client(max_retries=3, backoff_factor=0.01, timeout=5)
        emu.fault(method="POST", path=r"^/api/samples/?$", action="truncate", after=True, count=5)
        with pytest.raises((UnparseableResponseError, TransportError)):
            client.samples.create(name="cut-answer", proposal_id=-1, sample_type_id=1)
        assert len(emu.log(r"^/api/samples/?$", "POST")) == 1
        assert emu.store.count("samples", name="cut-answer") == 1
