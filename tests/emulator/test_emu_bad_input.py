"""Malformed and hostile requests: always a 4xx JSON answer, never a 500, and the
store unchanged."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
from typing import Any

import pytest
import requests

from metadata_client.emulator import EmulatorServer

from emu_helpers import JSON_TYPE, Api


def fingerprint(server: EmulatorServer) -> str:
    store = server.store
    text = repr([store.rows(f'SELECT * FROM "{table}" ORDER BY id') for table in store.tables()])
    return hashlib.sha256(text.encode()).hexdigest()


def raw(server: EmulatorServer, payload: bytes, half_close: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Send bytes on a new connection; parse one HTTP response."""
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        try:
            sock.sendall(payload)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def request_bytes(api: Api, method: str, path: str, body: bytes = b"", headers: dict[str, str | None] | None = None,
                  auth: bool = True) -> bytes:
    lines = [f"{method} {api.server.prefix}{path} HTTP/1.1", f"Host: 127.0.0.1:{api.server.port}",
             "Connection: close"]
    if auth:
        lines += [f"Authorization: Bearer {api.token}", f"X-User-Email: {api.server.user_email}"]
    merged: dict[str, str | None] = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    merged.update(headers or {})
    lines += [f"{k}: {v}" for k, v in merged.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def assert_json_4xx(status: int, headers: dict[str, str], body: bytes, expected: int | None = None) -> Any:
    assert 400 <= status < 500, (status, body[:300])
    if expected is not None:
        assert status == expected, (status, body[:300])
    assert headers["content-type"] == JSON_TYPE
    parsed = json.loads(body)
    assert isinstance(parsed, dict) and "info" in parsed
    return parsed


NESTED = b"[" * 100_000 + b"]" * 100_000

BODIES = [
    ("truncated json", b'{"run": {', 400),
    ("json list", b"[1, 2]", 400),
    ("json string", b'"string"', 400),
    ("json null", b"null", 400),
    ("json number", b"42", 400),
    ("empty object", b"{}", 400),
    ("empty body", b"", 400),
    ("wrapper is a string", b'{"sample": "x"}', 400),
    ("wrapper is a list", b'{"sample": []}', 400),
    ("wrapper is empty", b'{"sample": {}}', 400),
    ("only unknown keys", b'{"creator_id": 1, "colour": "red"}', 400),
    ("invalid utf-8", b'{"sample": {"name": "\xff\xfe"}}', 400),
    ("NaN", b'{"sample": {"name": "x", "proposal_id": NaN}}', 400),
    ("Infinity", b'{"sample": {"name": "x", "proposal_id": -Infinity}}', 400),
    ("deep nesting", NESTED, 400),
    ("huge integer", b'{"sample": {"proposal_id": ' + b"9" * 5000 + b"}}", 400),
    ("single quotes", b"{'sample': {'name': 'x'}}", 400),
    ("trailing garbage", b'{"sample": {"name": "x", "proposal_id": -1}} xyz', 400),
    ("lone surrogate", b'{"sample": {"name": "\\ud800", "proposal_id": -1}}', 422),
    ("long name", b'{"sample": {"name": "' + b"n" * 900_000 + b'", "proposal_id": -1}}', 422),
    ("object as name", b'{"sample": {"name": {"$ne": null}, "proposal_id": -1}}', 422),
    ("bool proposal", b'{"sample": {"name": "x", "proposal_id": true}}', 422),
    ("missing proposal", b'{"sample": {"name": "x", "proposal_id": -424242}}', 422),
]


@pytest.mark.parametrize("name,body,status", BODIES, ids=[b[0] for b in BODIES])
def test_malformed_bodies(api: Api, name: str, body: bytes, status: int) -> None:
    before = fingerprint(api.server)
    assert_json_4xx(*raw(api.server, request_bytes(api, "POST", "/api/samples/", body)), expected=status)
    assert fingerprint(api.server) == before


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml",
    "text/html",
])
def test_wrong_content_types(api: Api, content_type: str) -> None:
    before = fingerprint(api.server)
    body = b'{"sample": {"name": "x", "proposal_id": -1}}'
    status, headers, answer = raw(api.server, request_bytes(api, "POST", "/api/samples/", body,
                                                            {"Content-Type": content_type}))
    assert_json_4xx(status, headers, answer, 415)
    assert fingerprint(api.server) == before


def test_json_variants_are_accepted(api: Api) -> None:
    body = b'{"sample": {"name": "x", "proposal_id": -1}}'
    for content_type in ("application/json; charset=utf-8", "application/vnd.api+json", None):
        status, _, answer = raw(api.server, request_bytes(api, "POST", "/api/samples/", body,
                                                          {"Content-Type": content_type}))
        assert status in (201, 422), answer  # 422: the duplicate of the first one
    assert api.server.store.count("samples", name="x") == 1


def test_oversized_body(api: Api) -> None:
    before = fingerprint(api.server)
    big = json.dumps({"sample": {"name": "x", "description": "d" * (1024 * 1024), "proposal_id": -1}}).encode()
    response = requests.post(api.server.api_url + "samples/", data=big, headers=api.headers())
    assert response.status_code == 413
    assert response.headers["Content-Type"] == JSON_TYPE and "info" in response.json()

    def chunks():
        for _ in range(20):
            yield b" " * 65536
        yield big

    response = requests.post(api.server.api_url + "samples/", data=chunks(), headers=api.headers())
    assert response.status_code == 413
    assert fingerprint(api.server) == before


def test_broken_chunked_body(api: Api) -> None:
    payload = request_bytes(api, "POST", "/api/samples/", b"", {"Content-Length": None,
                                                                "Transfer-Encoding": "chunked"})
    status, headers, body = raw(api.server, payload + b"zz\r\nnot a chunk\r\n0\r\n\r\n")
    assert_json_4xx(status, headers, body, 400)


def test_body_shorter_than_content_length(api: Api) -> None:
    before = fingerprint(api.server)
    payload = request_bytes(api, "POST", "/api/samples/", b'{"sample": {"name"', {"Content-Length": "500"})
    status, headers, body = raw(api.server, payload, half_close=True)
    assert_json_4xx(status, headers, body, 400)
    assert fingerprint(api.server) == before


SQL = ["' OR 1=1 --", "1; DROP TABLE samples;--", "x'); DELETE FROM runs; --", '" OR ""="', "%' --"]


@pytest.mark.parametrize("text", SQL)
def test_sql_looking_strings(api: Api, text: str) -> None:
    before = fingerprint(api.server)
    response = api.get("samples/", params={"name": text, "proposal_id": -1})
    assert response.status_code == 200 and response.content == b"[]"
    assert api.get("runs/", params={"run_number": text}).content == b"[]"
    for path in (f"runs/{text}", f"proposals//by_number/{text}"):
        response = api.get(path.replace("#", "%23").replace("?", "%3F"))
        assert response.status_code == 404 and response.headers["Content-Type"] == JSON_TYPE
    assert fingerprint(api.server) == before
    created = api.ok("POST", "samples/", {"sample": {"name": text, "proposal_id": -1, "description": text}}, 201)
    assert api.ok("GET", f"samples/{created['id']}")["name"] == text
    assert api.server.store.count("runs") == 2 and api.server.store.count("samples") == 3


RAW = [
    ("garbage request line", b"HELLO\r\n\r\n", 400),
    ("bad version", b"GET /metadata/api/me HTTP/9.9\r\n\r\n", 400),
    ("bad version text", b"GET /metadata/api/me HTTX/1.1\r\n\r\n", 400),
    ("request line too long", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
    ("too many headers", b"GET /metadata/api/me HTTP/1.1\r\n" + b"".join(
        b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
    ("header line too long", b"GET /metadata/api/me HTTP/1.1\r\nX-Long: " + b"v" * 70000 + b"\r\n\r\n", 431),
]


@pytest.mark.parametrize("name,payload,status", RAW, ids=[r[0] for r in RAW])
def test_malformed_http(api: Api, name: str, payload: bytes, status: int) -> None:
    assert_json_4xx(*raw(api.server, payload), expected=status)


@pytest.mark.parametrize("name,headers", [
    ("content-length not a number", {"Content-Length": "abc"}),
    ("negative content-length", {"Content-Length": "-5"}),
])
def test_bad_content_length(api: Api, name: str, headers: dict[str, str | None]) -> None:
    before = fingerprint(api.server)
    assert_json_4xx(*raw(api.server, request_bytes(api, "POST", "/api/samples/", b"{}", headers)), expected=400)
    assert fingerprint(api.server) == before


PATHS = [
    ("/api/../api/runs/-1", 404), ("/api/%2e%2e/api/runs/-1", 404), ("/api/runs/%00", 404),
    ("/api/runs/-1%00", 404), ("/api/runs/" + "9" * 5000, 404), ("/api/" + "x/" * 3000, 404),
    ("/api/runs/-1;drop", 404), ("/api/runs/%ZZ", 404), ("/api/runs/\u00e9", 404), ("/api/runs/-1/..", 404),
    ("/api/samples/?proposal_id=%ZZ&name=%00", 200), ("/api/samples/?page=%00&page_size=%FF", 200),
]


@pytest.mark.parametrize("path,status", PATHS, ids=[p[0][:40] for p in PATHS])
def test_path_tricks(api: Api, path: str, status: int) -> None:
    before = fingerprint(api.server)
    payload = request_bytes(api, "GET", path.encode("utf-8").decode("latin-1"), b"", {"Content-Length": None})
    code, headers, body = raw(api.server, payload)
    assert code == status, body[:200]
    assert headers["content-type"] == JSON_TYPE
    json.loads(body)
    assert fingerprint(api.server) == before


def test_outside_prefix_is_json_404(api: Api) -> None:
    for path in ("/", "/other/api/me", "/metadataX/api/me", "/favicon.ico"):
        response = requests.get(f"http://127.0.0.1:{api.server.port}{path}")
        assert response.status_code == 404
        assert response.headers["Content-Type"] == JSON_TYPE and "info" in response.json()


@pytest.mark.parametrize("method", ["BREW", "TRACE", "CONNECT", "PROPFIND"])
def test_unknown_methods(api: Api, method: str) -> None:
    code, headers, body = raw(api.server, request_bytes(api, method, "/api/runs/", b""))
    assert_json_4xx(code, headers, body)


def test_odd_headers(api: Api) -> None:
    odd: list[dict[str, str | None]] = [{"Authorization": "Bearer \xff\xfe"}, {"X-User-Email": "\xff@\xfe"},
                                        {"Authorization": "Bearer " + "a" * 10000}]
    for headers in odd:
        payload = request_bytes(api, "GET", "/api/me", b"", {"Content-Length": None, **headers}, auth=False)
        assert_json_4xx(*raw(api.server, payload))


def test_bulk_bodies_of_the_wrong_shape(api: Api) -> None:
    before = fingerprint(api.server)
    for path, body in (("parameters/bulk_create", {"parameters": {"a": 1}}),
                       ("parameters/bulk_create", {"parameters": [1, 2]}),
                       ("parameters/bulk_create", {"parameters": []}),
                       ("dataset_files/bulk_update", {"dataset_files": "x"}),
                       ("dataset_files/bulk_delete", {"dataset_file": {"ids": "x"}}),
                       ("dataset_files/bulk_delete", {"ids": [1]}),
                       ("dataset_files/bulk_check", {"dataset_files": [1]}),
                       ("parameters/bulk_delete", {"parameter": {"data_group_id": "x"}}),
                       ("parameters/bulk_delete", [])):
        response = api.post(path, body)
        assert 400 <= response.status_code < 500, (path, response.text)
        assert response.headers["Content-Type"] == JSON_TYPE
    assert fingerprint(api.server) == before


def test_keep_alive_survives_errors(api: Api, session: requests.Session) -> None:
    """Errors answered before the body was read do not desynchronise the connection."""
    for _ in range(3):
        assert api.post("instruments/", {"instrument": {"name": "x" * 5000}}).status_code == 405
        assert api.request("POST", "samples/", data=b"{broken", ).status_code == 400
        assert api.get("me").status_code == 200
