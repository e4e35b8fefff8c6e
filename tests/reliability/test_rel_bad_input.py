"""4a. Bad input to the client: refused with ValueError/TypeError before any traffic.

Each case runs against a fresh client for the emulator with its request log
cleared first; afterwards the log must be empty (not even a token fetch).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from metadata_client import MetadataClient
from metadata_client.modules import Run

Case = Callable[[MetadataClient, Any], Any]

# ids and numbers that end up in URL paths ---------------------------------------
BAD_IDS: list[tuple[str, Any]] = [
    ("slash", "1/2"),
    ("dotdot", ".."),
    ("dot", "."),
    ("traversal", "../../oauth/token"),
    ("query", "1?page_size=1"),
    ("fragment", "1#x"),
    ("encoded slash", "%2F"),
    ("encoded slash inside", "1%2F2"),
    ("CRLF", "1\r\nX-Injected: 1"),
    ("LF", "1\n"),
    ("NUL", "1\x00"),
    ("space", "1 2"),
    ("unicode digit", "\u0661"),
    ("unicode letters", "r\u00e9sum\u00e9"),
    ("empty", ""),
    ("blank", "   "),
    ("None", None),
    ("True", True),
    ("False", False),
    ("float", 1.5),
    ("nan", float("nan")),
    ("huge int", 2 ** 63),
    ("huge negative int", -(2 ** 63) - 1),
    ("enormous int", 10 ** 40),
    ("huge int as text", "9" * 30),
    ("list", [1]),
    ("dict", {"id": 1}),
    ("bytes", b"1"),
    ("too long", "a" * 300),
]

CASES: list[tuple[str, Case]] = []


def case(name: str) -> Callable[[Case], Case]:
    def add(fn: Case) -> Case:
        CASES.append((name, fn))
        return fn
    return add


for label, value in BAD_IDS:
    CASES.append((f"runs.get({label})", lambda c, v=value: c.runs.get(v)))
for label, value in BAD_IDS[:12]:
    CASES.append((f"get_run_by_id_api({label})", lambda c, v=value: c.get_run_by_id_api(v)))
for label, value in (("slash", "0/../1"), ("query", "0?x"), ("CRLF", "0\r\n"), ("None", None), ("bool", True)):
    CASES.append((f"proposals.by_number({label})", lambda c, v=value: c.proposals.by_number(v)))
for label, value in (("dotdot", ".."), ("encoded", "%2e%2e"), ("float", 2.0)):
    CASES.append((f"runs.delete({label})", lambda c, v=value: c.runs.delete(v)))
    CASES.append((f"runs.update({label})", lambda c, v=value: c.runs.update(v, description="x")))
CASES += [
    ("Run.get_by_id(..) (4.2.1 dict API)", lambda c: Run.get_by_id(c, "..")),
    ("close_run(run_id='1/2')", lambda c: c.close_run(-1, -1, "1/2", -1, {"end_at": "x", "last_train": 1})),
    ("get_proposal_runs('0', run_number='1/..')", lambda c: c.get_proposal_runs("0", "1/..")),
    ("get_active_proposal_by_instrument('-1/..')", lambda c: c.get_active_proposal_by_instrument("-1/..")),
    ("get_repository_by_id(None)", lambda c: c.get_repository_by_id(None)),
]

# paging and filters --------------------------------------------------------------
for label, kwargs in [
    ("page 0", {"page": 0}), ("page -1", {"page": -1}), ("page_size 0", {"page_size": 0}),
    ("page_size -5", {"page_size": -5}), ("page_size 501", {"page_size": 501}),
    ("page_size 10**6", {"page_size": 10 ** 6}), ("page True", {"page": True}),
    ("page '2'", {"page": "2"}), ("page_size 1.5", {"page_size": 1.5}), ("page None", {"page": None}),
]:
    CASES.append((f"runs.list({label})", lambda c, k=kwargs: c.runs.list(**k)))
CASES += [
    ("runs.iter(page_size=0)", lambda c: list(c.runs.iter(page_size=0))),
    ("get_all_data_group_types(page=0)", lambda c: c.get_all_data_group_types(page=0)),
    ("get_all_data_group_types(page_size=-1)", lambda c: c.get_all_data_group_types(page_size=-1)),
    ("get_all_runs_by_run_number_api(1, page_size=501)",
     lambda c: c.get_all_runs_by_run_number_api(1, page_size=501)),
    ("runs.list(run_number='1\\r\\n')", lambda c: c.runs.list(run_number="1\r\nX: y")),
    ("runs.list(run_number=None)", lambda c: c.runs.list(run_number=None)),
    ("runs.list(run_number=[1])", lambda c: c.runs.list(run_number=[1])),
    ("runs.list(run_number=2**64)", lambda c: c.runs.list(run_number=2 ** 64)),
    ("runs.list(unknown filter)", lambda c: c.runs.list(password="x")),
    ("runs.by_proposal(0, page_size=0)", lambda c: list(c.runs.by_proposal(0, page_size=0))),
    ("get_all_samples_by_proposal_id_api(True)", lambda c: c.get_all_samples_by_proposal_id_api(True)),
]

# records and bodies ------------------------------------------------------------------
CASES += [
    ("create_run_api('not a dict')", lambda c: c.create_run_api("not a dict")),
    ("create_run_api(None)", lambda c: c.create_run_api(None)),
    ("create_run_api(42)", lambda c: c.create_run_api(42)),
    ("update_run_api(-1, 'x')", lambda c: c.update_run_api(-1, "x")),
    ("create_run_api([{...}]) (a list for a single record)", lambda c: c.create_run_api([{"run_number": 1}])),
    ("create_run_api({'run': 5})", lambda c: c.create_run_api({"run": 5})),
    ("Run.create_from_dict(c, 'x')", lambda c: Run.create_from_dict(c, "x")),
    ("Run.create_from_dict(c, [1])", lambda c: Run.create_from_dict(c, [1])),
    ("runs.update(-1, description=nan)", lambda c: c.runs.update(-1, description=float("nan"))),
    ("runs.update(-1, first_train=inf)", lambda c: c.runs.update(-1, first_train=float("inf"))),
    ("runs.create(unknown field)", lambda c: c.runs.create(run_number=1, first_train=1, experiment_id=-1,
                                                          password="x")),
    ("runs.create(missing required)", lambda c: c.runs.create(description="x")),
    ("runs.update(-1) with no fields", lambda c: c.runs.update(-1)),
    ("runs.update(-1, description=object())", lambda c: c.runs.update(-1, description=object())),
    ("runs.update(-1, description={1, 2})", lambda c: c.runs.update(-1, description={1, 2})),
    ("dataset_files.bulk_create('x')", lambda c: c.dataset_files.bulk_create("x")),
    ("dataset_files.bulk_create([], chunk_size=0)", lambda c: c.dataset_files.bulk_create([{}], chunk_size=0)),
    ("dataset_files.bulk_create(chunk_size=True)",
     lambda c: c.dataset_files.bulk_create([{}], chunk_size=True)),
    ("api_get(other origin)", lambda c: c.api_get("http://127.0.0.2:1/metadata/api/runs/-1")),
    ("api_get(https origin)", lambda c: c.api_get(c.base_api_url.replace("http:", "https:") + "runs")),
    ("api_get(CRLF in URL)", lambda c: c.api_get(c.base_api_url + "runs/-1\r\nX: y")),
    ("api_get(None)", lambda c: c.api_get(None)),
    ("api_get(unsupported kwarg)", lambda c: c.api_get(c.base_api_url + "runs/-1", auth=("a", "b"))),
    ("api_post(header with CRLF)",
     lambda c: c.api_post(c.base_api_url + "runs/", json={}, headers={"X-A": "1\r\nX-B: 2"})),
]

# constructor arguments ------------------------------------------------------------------
GOOD = dict(client_id="id", client_secret="secret", token_url="http://127.0.0.1:9/oauth/token",
            refresh_url=None, auth_url=None, scope="", user_email="test@example.org",
            base_api_url="http://127.0.0.1:9/api/")


def make(**changes: Any) -> Callable[[MetadataClient], Any]:
    return lambda c: MetadataClient(**{**GOOD, **changes})


for label, changes in [
    ("e-mail with CRLF", {"user_email": "test@example.org\r\nX-Injected: 1"}),
    ("e-mail with LF", {"user_email": "test@example.org\n"}),
    ("e-mail non latin-1", {"user_email": "\u6d4b\u8bd5@example.org"}),
    ("e-mail None", {"user_email": None}),
    ("base URL without scheme", {"base_api_url": "127.0.0.1:9/api/"}),
    ("base URL with credentials", {"base_api_url": "http://user:pw@127.0.0.1:9/api/"}),
    ("base URL ftp", {"base_api_url": "ftp://127.0.0.1/api/"}),
    ("base URL empty", {"base_api_url": ""}),
    ("base URL None", {"base_api_url": None}),
    ("base URL no host", {"base_api_url": "http:///api/"}),
    ("base URL with query", {"base_api_url": "http://127.0.0.1:9/api/?a=1"}),
    ("base URL plain http to a remote host", {"base_api_url": "http://example.org/api/"}),
    ("token URL with credentials", {"token_url": "http://id:secret@127.0.0.1:9/oauth/token"}),
    ("token URL with CRLF", {"token_url": "http://127.0.0.1:9/oauth/token\r\n"}),
    ("client_id empty", {"client_id": ""}),
    ("client_secret None", {"client_secret": None}),
    ("timeout 0", {"timeout": 0}),
    ("timeout -1", {"timeout": -1}),
    ("timeout 'x'", {"timeout": "x"}),
    ("max_retries -1", {"max_retries": -1}),
    ("max_retries 1.5", {"max_retries": 1.5}),
    ("max_retries True", {"max_retries": True}),
    ("ssl_verify 1", {"ssl_verify": 1}),
    ("ssl_verify missing bundle", {"ssl_verify": "/nonexistent/ca.pem"}),
    ("session_token 42", {"session_token": 42}),
]:
    CASES.append((f"MetadataClient({label})", make(**changes)))


def refused_without_traffic(emu, client, call) -> None:
    emu.control.clear_log()
    with pytest.raises((ValueError, TypeError)) as caught:
        result = call(client)
        if hasattr(result, "__next__"):
            list(result)
    text = str(caught.value)
    assert len(text) >= 10, f"unclear message: {text!r}"
    assert "\r" not in text and "\n" not in text, f"raw control characters echoed: {text!r}"
    assert emu.control.request_log() == []


@pytest.mark.parametrize("name,call", CASES, ids=[name for name, _ in CASES])
def test_bad_input_is_refused_before_any_traffic(emu, make_client, rec, name, call) -> None:
    with rec("4. malformed client input -> ValueError/TypeError, no request sent", tries=1):
        refused_without_traffic(emu, make_client(timeout=3, max_retries=0), call)


def test_enough_bad_input_cases() -> None:
    assert len(CASES) >= 40
