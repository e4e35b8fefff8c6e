"""The control plane: faults, request log, reset, tokens; HTTP and in-process."""

from __future__ import annotations

import time

import pytest
import requests

from metadata_client.emulator import EmulatorServer

from emu_helpers import JSON_TYPE, Api, Ctl, fetch_token

SAMPLE = {"sample": {"name": "fault probe", "proposal_id": -1}}


def _samples(api: Api) -> int:
    return api.server.store.count("samples", name="fault probe")


def test_fault_crud(api: Api, ctl: Ctl) -> None:
    fault = ctl.post("faults", {"method": "GET", "path": "^/api/runs", "action": "status", "status": 503,
                                "count": 2})
    assert {k: fault[k] for k in ("method", "path", "count", "action", "status", "after")} == {
        "method": "GET", "path": "^/api/runs", "count": 2, "action": "status", "status": 503, "after": False}
    listed = ctl.request("GET", "faults").json()
    assert [f["id"] for f in listed] == [fault["id"]]
    assert ctl.request("DELETE", "faults").status_code == 204
    assert ctl.request("GET", "faults").content == b"[]"


def test_status_fault_counts(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "GET", "path": "^/api/runs", "action": "status", "status": 503, "count": 2})
    api.get("me")  # does not match
    for _ in range(2):
        response = api.get("runs/-1")
        assert response.status_code == 503
        assert response.headers["Content-Type"] == JSON_TYPE
        assert response.json() == {"info": "Injected fault: HTTP 503"}
    assert api.get("runs/-1").status_code == 200
    assert ctl.request("GET", "faults").content == b"[]"


def test_status_fault_before_auth_with_body_and_headers(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"path": "^/api/me$", "action": "status", "status": 429, "body": "slow down",
                        "headers": {"Retry-After": "1", "Content-Type": "text/plain"}})
    response = requests.get(api.server.api_url + "me")  # no token at all
    assert response.status_code == 429
    assert response.text == "slow down"
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == "text/plain"


def test_status_fault_does_not_process_post(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "POST", "path": "^/api/samples", "action": "status", "status": 500})
    assert api.post("samples/", SAMPLE).status_code == 500
    assert _samples(api) == 0
    assert api.post("samples/", SAMPLE).status_code == 201
    assert _samples(api) == 1


def test_status_fault_after_processing(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "POST", "path": "^/api/samples", "action": "status", "status": 504,
                        "after": True})
    assert api.post("samples/", SAMPLE).status_code == 504
    assert _samples(api) == 1
    assert api.post("samples/", SAMPLE).status_code == 422  # the retry sees the duplicate


def test_delay_fault(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "GET", "path": "^/api/runs/-1$", "action": "delay", "delay": 0.3})
    started = time.monotonic()
    response = api.get("runs/-1")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200 and response.json()["id"] == -1
    ctl.post("faults", {"path": "^/api/samples", "action": "delay", "delay": 0.1, "status": 502})
    assert api.post("samples/", SAMPLE).status_code == 502
    assert _samples(api) == 0


def test_delay_triggers_client_timeout(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"path": "^/api/me", "action": "delay", "delay": 0.5})
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get("me", timeout=0.1)


def test_drop_fault(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "POST", "path": "^/api/samples", "action": "drop"})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("samples/", SAMPLE)
    assert _samples(api) == 0
    ctl.post("faults", {"method": "POST", "path": "^/api/samples", "action": "drop", "after": True})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("samples/", SAMPLE)
    assert _samples(api) == 1
    assert api.get("me").status_code == 200  # the server is fine afterwards


def test_drop_on_fresh_connection(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "GET", "path": "^/api/me", "action": "drop"})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(api.server.api_url + "me", headers=api.headers())


def test_garbage_fault(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "GET", "path": "^/api/me", "action": "garbage"})
    response = api.get("me")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert api.get("me").json()["email"] == api.server.user_email


def test_truncate_fault(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "GET", "path": "^/api/runs", "action": "truncate"})
    with pytest.raises(requests.exceptions.RequestException):
        api.get("runs/-1")
    assert api.get("runs/-1").status_code == 200


def test_fault_on_token_endpoint(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "POST", "path": "^/oauth/token$", "action": "status", "status": 503})
    response = requests.post(api.server.token_url, data={"grant_type": "client_credentials"},
                             auth=(api.server.client_id, api.server.client_secret))
    assert response.status_code == 503
    assert fetch_token(api.server)
    entries = [e for e in ctl.log() if e["token_fetch"]]
    assert [(e["status"], e["fault"]) for e in entries] == [(503, "status"), (200, None)]


def test_fault_matches_collapsed_path(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"method": "*", "path": "^/api/proposals/by_number/", "action": "status", "status": 500})
    assert api.get("proposals//by_number/900061").status_code == 500


@pytest.mark.parametrize("spec", [
    {"path": "^/api", "action": "explode"},
    {"path": "(", "action": "status"},
    {"path": "^/api", "action": "status", "count": 0},
    {"path": "^/api", "action": "status", "count": "2"},
    {"path": "^/api", "action": "status", "status": 99},
    {"path": "^/api", "action": "status", "status": True},
    {"path": "^/api", "action": "delay"},
    {"path": "^/api", "action": "delay", "delay": -1},
    {"path": "^/api", "action": "status", "method": "FETCH"},
    {"path": "^/api", "action": "status", "headers": {"X-Bad": "a\r\nb"}},
    {"path": "^/api", "action": "status", "body": 5},
    {"path": "^/api", "action": "status", "after": "yes"},
    {"path": "^/api", "action": "status", "color": "red"},
    ["not", "an", "object"],
])
def test_invalid_fault_specs(api: Api, ctl: Ctl, spec: object) -> None:
    response = ctl.request("POST", "faults", spec)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == JSON_TYPE
    assert isinstance(response.json()["info"], str)
    assert ctl.request("GET", "faults").content == b"[]"


def test_request_log(api: Api, ctl: Ctl) -> None:
    api.get("runs/?run_number=1&page=1&page_size=10")
    ctl.post("faults", {"method": "GET", "path": "^/api/me", "action": "status", "status": 500})
    api.get("me")
    api.get("nowhere")
    log = ctl.log()
    assert [(e["method"], e["path"], e["status"], e["fault"], e["token_fetch"]) for e in log] == [
        ("POST", "/oauth/token", 200, None, True),
        ("GET", "/api/runs/", 200, None, False),
        ("GET", "/api/me", 500, "status", False),
        ("GET", "/api/nowhere", 404, None, False),
    ]
    assert log[1]["query"] == "run_number=1&page=1&page_size=10"
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    for entry in log:
        assert set(entry) == {"seq", "time", "method", "path", "query", "status", "token_fetch", "fault",
                              "duration_ms"}
        assert entry["duration_ms"] >= 0 and abs(entry["time"] - time.time()) < 60
    assert ctl.request("DELETE", "log").status_code == 204
    assert ctl.log() == []


def test_reset_clears_faults_and_log(api: Api, ctl: Ctl) -> None:
    ctl.post("faults", {"path": "^/api", "action": "status", "status": 500})
    api.request("GET", "me")
    ctl.post("reset")
    assert ctl.log() == [] and ctl.request("GET", "faults").content == b"[]"


def test_control_plane_routes(api: Api, ctl: Ctl) -> None:
    assert ctl.request("GET", "reset").status_code == 405
    assert ctl.request("GET", "nothing").status_code == 404
    response = ctl.session.post(ctl.base + "reset", data="{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.headers["Content-Type"] == JSON_TYPE
    assert ctl.request("POST", "reset", {"keep_tokens": "yes"}).status_code == 400
    assert ctl.request("POST", "tokens/revoke", {"token": 5}).status_code == 400


def test_control_plane_off_by_default() -> None:
    with EmulatorServer() as server:
        for method, path in (("POST", "reset"), ("GET", "log"), ("GET", "faults"), ("POST", "tokens/expire")):
            response = requests.request(method, f"{server.url}/_emulator/{path}")
            assert response.status_code == 404
            assert response.headers["Content-Type"] == JSON_TYPE
        # the in-process control still works
        server.control.add_fault(path="^/api/me", action="status", status=418)
        headers = {"Authorization": f"Bearer {fetch_token(server)}", "X-User-Email": server.user_email}
        assert requests.get(server.api_url + "me", headers=headers).status_code == 418


def test_python_control_api(emulator: EmulatorServer, api: Api) -> None:
    control, store = emulator.control, emulator.store
    control.reset()
    assert control.request_log() == [] and control.faults() == []
    fault = control.add_fault(method="GET", path="^/api/me", action="status", status=500, count=3)
    assert control.faults() == [fault]
    control.clear_faults()
    assert control.faults() == []
    with pytest.raises(ValueError):
        control.add_fault(path="^/", action="nope")
    assert api.get("me").status_code == 200
    assert [e["path"] for e in control.request_log()] == ["/oauth/token", "/api/me"]
    control.clear_log()
    assert control.request_log() == []
    assert control.expire_tokens() == 1
    assert api.get("me").status_code == 401
    api._token = None
    assert api.get("me").status_code == 200
    assert control.revoke_tokens() == 2
    control.set_token_lifetime(60)
    api._token = None
    assert api.get("me").status_code == 200
    with pytest.raises(ValueError):
        control.set_token_lifetime(-1)
    control.set_token_lifetime(7200)
    assert store.count("runs") == 2 and store.count("runs", run_number=1) == 1
    row = store.get("runs", -1)
    assert row is not None and row["run_number"] == 1 and store.get("runs", 12345) is None
    assert "runs_techniques" in store.tables()
