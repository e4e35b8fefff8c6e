"""4b. Malformed raw HTTP to the emulator: 4xx JSON, never a 500, store unchanged.

Requests are written with ``http.client`` (and a raw socket for what
``http.client`` refuses to send), with a valid bearer token and e-mail
unless the case is about those.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

OK_GET = "2xx"  # a well-formed GET whose odd values simply match nothing


@dataclass
class Raw:
    name: str
    method: str
    path: str  # under the application prefix, e.g. "/api/runs"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: Any = "4xx"  # "4xx", OK_GET, or an exact status
    auth: bool = True
    email: bool = True
    json_type: bool = True


def j(value: Any) -> bytes:
    return json.dumps(value).encode()


RUN = {"run_number": 777, "experiment_id": -1, "first_train": 1, "begin_at": "2026-01-01T00:00:00Z"}

CASES = [
    # bodies
    Raw("malformed JSON", "POST", "/api/runs", b'{"run": {"run_number": 1,'),
    Raw("not JSON at all", "POST", "/api/runs", b"<xml>run</xml>"),
    Raw("JSON array body", "POST", "/api/runs", j([RUN])),
    Raw("JSON string body", "POST", "/api/runs", j("run")),
    Raw("JSON null body", "POST", "/api/runs", b"null"),
    Raw("JSON number body", "POST", "/api/runs", b"42"),
    Raw("record is a string", "POST", "/api/runs", j({"run": "x"})),
    Raw("record is a list", "POST", "/api/runs", j({"run": [RUN]})),
    Raw("empty record", "POST", "/api/runs", j({"run": {}})),
    Raw("empty body", "POST", "/api/runs", b""),
    Raw("wrong content type (text/plain)", "POST", "/api/runs", j({"run": RUN}),
        headers={"Content-Type": "text/plain"}, json_type=False),
    Raw("wrong content type (form)", "POST", "/api/runs", b"run[run_number]=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, json_type=False),
    Raw("NaN in body", "POST", "/api/runs", b'{"run": {"run_number": NaN}}'),
    Raw("invalid UTF-8", "POST", "/api/runs", b'{"run": {"run_alias": "\xff\xfe"}}'),
    Raw("deeply nested JSON", "POST", "/api/runs", b"[" * 100_000 + b"]" * 100_000),
    Raw("oversized body (2 MB)", "POST", "/api/runs", j({"run": {**RUN, "description": "x" * 2_000_000}})),
    Raw("wrong types", "POST", "/api/runs",
        j({"run": {"run_number": [1], "experiment_id": {"a": 1}, "first_train": "many", "begin_at": 5}})),
    Raw("wrong type of flag", "PUT", "/api/runs/-1", j({"run": {"flg_available": {"x": 1}}})),
    Raw("huge integer field", "POST", "/api/data_groups_repositories",
        j({"data_group_repository": {"data_group_id": 10 ** 30, "repository_id": 11}})),
    Raw("huge integer reference", "PUT", "/api/runs/-2", j({"run": {"sample_id": 2 ** 64}})),
    Raw("negative huge run number", "POST", "/api/runs", j({"run": {**RUN, "run_number": -(10 ** 25)}})),
    Raw("first_train after last_train", "PUT", "/api/runs/-2", j({"run": {"first_train": 10, "last_train": 5}})),
    Raw("duplicate run number", "POST", "/api/runs", j({"run": {**RUN, "run_number": 1}})),
    Raw("delete a record others depend on", "DELETE", "/api/experiments/-1"),
    # SQL-looking values
    Raw("SQL in an id", "GET", "/api/runs/1;DROP%20TABLE%20runs", expect=404),
    Raw("SQL in an update id", "PUT", "/api/runs/-1%20OR%201=1", j({"run": {"description": "x"}}), expect=404),
    Raw("SQL in a filter", "GET", "/api/runs?run_number=1%27%20OR%20%271%27=%271", expect=OK_GET),
    Raw("SQL in a text filter", "GET", "/api/samples?name=x%27%3B%20DELETE%20FROM%20samples%3B--", expect=OK_GET),
    Raw("SQL in a proposal number", "GET", "/api/proposals/by_number/0%20OR%201=1", expect=404),
    Raw("SQL in a created value", "PUT", "/api/runs/-1",
        j({"run": {"run_number": "1); DELETE FROM runs; --"}})),
    # paths and ids
    Raw("path traversal to the token endpoint", "GET", "/api/runs/..%2F..%2Foauth%2Ftoken", expect=404),
    Raw("path traversal with dot segments", "GET", "/api/../../etc/passwd", expect=404),
    Raw("traversal outside the prefix", "GET", "/../etc/passwd", expect=404),
    Raw("id is text", "GET", "/api/runs/abc", expect=404),
    Raw("id is a float", "GET", "/api/runs/1.5", expect=404),
    Raw("id overflows 64 bits", "GET", "/api/runs/99999999999999999999999999", expect=404),
    Raw("id overflows on delete", "DELETE", "/api/runs/99999999999999999999999999", expect=404),
    Raw("id with NUL", "GET", "/api/runs/1%00", expect=404),
    Raw("id with encoded newline", "GET", "/api/runs/1%0D%0AX:%20y", expect=404),
    Raw("page numbers out of range", "GET", "/api/runs?page=-5&page_size=100000000000000000000", expect=OK_GET),
    Raw("page numbers not numbers", "GET", "/api/runs?page=abc&page_size=%00", expect=OK_GET),
    Raw("filter overflows 64 bits", "GET", "/api/runs?run_number=99999999999999999999999", expect=OK_GET),
    # routes and methods
    Raw("unknown route", "GET", "/api/no_such_things", expect=404),
    Raw("unknown route outside /api", "GET", "/no_such_place", expect=404),
    Raw("PATCH on a collection", "PATCH", "/api/runs", j({}), expect=405),
    Raw("DELETE on a collection", "DELETE", "/api/runs", expect=405),
    Raw("TRACE method", "TRACE", "/api/runs/-1", expect="4xx"),
    Raw("made-up method", "FROB", "/api/runs/-1", expect="4xx"),
    # credentials
    Raw("no Authorization", "GET", "/api/runs/-1", auth=False, expect=401),
    Raw("garbage bearer token", "GET", "/api/runs/-1", auth=False,
        headers={"Authorization": "Bearer not-a-token"}, expect=401),
    Raw("empty bearer token", "GET", "/api/runs/-1", auth=False, headers={"Authorization": "Bearer "}, expect=401),
    Raw("Basic instead of Bearer", "GET", "/api/runs/-1", auth=False,
        headers={"Authorization": "Basic aWQ6c2VjcmV0"}, expect=401),
    Raw("8 KB bearer token", "GET", "/api/runs/-1", auth=False,
        headers={"Authorization": "Bearer " + "A" * 8000}, expect=401),
    Raw("token with SQL", "GET", "/api/runs/-1", auth=False,
        headers={"Authorization": "Bearer ' OR 1=1 --"}, expect=401),
    Raw("no X-User-Email", "GET", "/api/runs/-1", email=False, expect=403),
    Raw("malformed X-User-Email", "GET", "/api/runs/-1", email=False,
        headers={"X-User-Email": "xxxxxxxxxxxxxx"}, expect=403),
    Raw("unknown X-User-Email", "GET", "/api/runs/-1", email=False,
        headers={"X-User-Email": "nobody@example.org"}, expect=403),
    Raw("SQL in X-User-Email", "GET", "/api/runs/-1", email=False,
        headers={"X-User-Email": "' OR '1'='1"}, expect=403),
    Raw("create without a token", "POST", "/api/runs", j({"run": {**RUN, "run_number": 778}}),
        auth=False, expect=401),
    # the token endpoint
    Raw("token request as JSON", "POST", "/oauth/token", j({"grant_type": "client_credentials"}),
        auth=False, email=False, expect=400),
    Raw("token request, wrong grant", "POST", "/oauth/token", b"grant_type=password&username=a&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=False, email=False,
        json_type=False, expect=400),
    Raw("token request, no grant", "POST", "/oauth/token", b"",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=False, email=False,
        json_type=False, expect=400),
    Raw("token request, wrong secret", "POST", "/oauth/token",
        b"grant_type=client_credentials&client_id=mymdc-emulator-client&client_secret=wrong",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=False, email=False,
        json_type=False, expect=401),
    Raw("token request, GET", "GET", "/oauth/token", auth=False, email=False, expect=405),
]


@pytest.fixture
def token(emu) -> str:
    answer = requests.post(emu.token_url, data={"grant_type": "client_credentials"},
                           auth=(emu.client_id, emu.client_secret), timeout=5)
    assert answer.status_code == 200
    return answer.json()["access_token"]


def send(emu, case: Raw, token: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(emu.url)
    headers = {"Accept": "application/json"}
    if case.json_type and case.body is not None:
        headers["Content-Type"] = "application/json"
    if case.auth:
        headers["Authorization"] = f"Bearer {token}"
    if case.email:
        headers["X-User-Email"] = emu.user_email
    headers.update(case.headers)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(case.method, parts.path + case.path, body=case.body, headers=headers)
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def raw_exchange(emu, request: bytes) -> tuple[int, bytes]:
    """Send raw bytes; return the status and body of the answer (bounded wait)."""
    parts = urlsplit(emu.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < _expected_length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1."), f"no HTTP status line in the answer: {data[:200]!r}"
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def _expected_length(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + 4 + int(value.strip())
    return 1 << 30


def check_answer(case_name: str, status: int, headers: dict[str, str], body: bytes, expect: Any) -> None:
    assert status != 500 and status < 500, f"{case_name}: server error {status}: {body[:200]!r}"
    if expect == OK_GET:
        assert 200 <= status < 300, (case_name, status, body[:200])
    elif expect == "4xx":
        assert 400 <= status < 500, (case_name, status, body[:200])
    else:
        assert status == expect, (case_name, status, body[:200])
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    assert content_type.startswith("application/json"), (case_name, content_type)
    if body:
        json.loads(body)  # JSON, not an HTML error page


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_request_gets_a_json_4xx_and_changes_nothing(emu, token, rec, case) -> None:
    with rec("4. malformed raw HTTP -> 4xx JSON (never 5xx), store unchanged", tries=1):
        before = emu.snapshot()
        status, headers, body = send(emu, case, token)
        check_answer(case.name, status, headers, body, case.expect)
        assert emu.snapshot() == before, f"{case.name}: the store changed"
        assert all(e["status"] is None or e["status"] < 500 for e in emu.control.request_log())


RAW_CASES = [
    ("garbage request line", b"HELLO\r\n\r\n"),
    ("request line with bad version", b"GET /metadata/api/runs HTTP/9.9\r\nHost: x\r\n\r\n"),
    ("request line with bad method chars", b"G(E)T /metadata/api/runs HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("header without colon", b"GET /metadata/api/runs HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
    ("non-numeric Content-Length", b"POST /metadata/api/runs HTTP/1.1\r\nHost: x\r\n"
                                   b"Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}"),
    ("negative Content-Length", b"POST /metadata/api/runs HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: application/json\r\nContent-Length: -5\r\n\r\n{}"),
    ("70 KB request line", b"GET /metadata/api/runs/" + b"1" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("CR/LF smuggled into the e-mail header", b"GET /metadata/api/runs/-1 HTTP/1.1\r\nHost: x\r\n"
                                              b"X-User-Email: test@example.org\rX-Admin: 1\r\n\r\n"),
]


@pytest.mark.parametrize("name,request_bytes", RAW_CASES, ids=[n for n, _ in RAW_CASES])
def test_malformed_raw_bytes_get_a_4xx_and_change_nothing(emu, rec, name, request_bytes) -> None:
    with rec("4. malformed raw HTTP -> 4xx JSON (never 5xx), store unchanged", tries=1):
        before = emu.snapshot()
        status, body = raw_exchange(emu, request_bytes)
        assert 400 <= status < 500, (name, status, body[:200])
        if body:
            json.loads(body)
        assert emu.snapshot() == before


def test_enough_malformed_http_cases() -> None:
    assert len(CASES) + len(RAW_CASES) >= 30
