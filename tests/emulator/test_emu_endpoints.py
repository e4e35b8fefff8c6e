"""Every row of MYMDC_SERVER.md §3.0 is routed, plus the catch-all for crashes."""

from __future__ import annotations

import logging

import pytest
import requests

from metadata_client.emulator import EmulatorServer

from emu_helpers import JSON_TYPE, Api, fetch_token

M = "GET PUT DELETE"
# (§3.0 row, methods, path after /api/); member rows use id 0, which does not exist
ROWS = [
    (1, "POST", "dark_runs/"), (2, "GET", "dark_runs/0"), (3, "PUT", "dark_runs/0"), (4, "DELETE", "dark_runs/0"),
    (5, "GET", "dark_runs/?proposal_id=-1&page=1&page_size=100"),
    (6, "GET", "dark_runs/?detector_id=-2&page=1&page_size=100"),
    (7, "POST", "data_files/"), (8, M, "data_files/0"), (9, "GET", "data_files/?data_group_id=-1&page=1&page_size=1"),
    (10, "GET", "data_files/search_data_files?run_number=1&proposal_number=0"),
    (11, "POST", "data_groups/"), (12, M, "data_groups/0"), (13, "GET", "data_groups/?name=x&page=1&page_size=1"),
    (14, "GET", "data_groups/?experiment_id=-1&page=1&page_size=1"),
    (15, "POST", "data_groups_repositories/"), (16, M, "data_groups_repositories/0"),
    (17, "GET", "data_groups_repositories/?data_group_id=-1&page=1&page_size=1"),
    (18, "GET", "data_groups_repositories/?data_group_id=-1&repository_id=-1&page=1&page_size=1"),
    (19, "POST", "data_group_types/"), (20, M, "data_group_types/0"),
    (21, "GET", "data_group_types/?name=Raw&page=1&page_size=1"), (22, "GET", "data_group_types/?page=1&page_size=1"),
    (23, "GET", "data_source_groups/?name=x"),
    (24, "GET", "data_source_group_versions/?data_source_group_id=-1&name=x"),
    (25, "PUT", "data_source_group_versions/0"),
    (26, "POST", "data_types/"), (27, M, "data_types/0"), (28, "GET", "data_types/?name=x&page=1&page_size=1"),
    (29, "POST", "dataset_files/"), (30, M, "dataset_files/0"),
    (31, "GET", "dataset_files/?data_group_id=-1&page=1&page_size=1"),
    (32, "POST", "dataset_files/bulk_create"), (33, "POST", "dataset_files/bulk_delete"),
    (34, "POST", "dataset_files/bulk_update"), (35, "POST", "dataset_files/bulk_check"),
    (36, "GET", "dataset_files/search_dataset_files?run_number=1&proposal_number=0"),
    (37, "POST", "experiments/"), (38, M, "experiments/0"),
    (39, "GET", "experiments/?name=x&proposal_id=-1&page=1&page_size=1"),
    (40, "GET", "experiments/?proposal_id=-1&page=1&page_size=1"),
    (41, "POST", "experiment_types/"), (42, M, "experiment_types/0"),
    (43, "GET", "experiment_types/?name=x&page=1&page_size=1"),
    (44, "GET", "instruments/0"), (45, "GET", "instruments/?page=1&page_size=1"),
    (46, "GET", "instruments/?identifier=SPB&page=1&page_size=1"),
    (47, "GET", "instruments/?facility_id=1&page=1&page_size=1"),
    (48, "GET", "instruments/?topic_id=-1&page=1&page_size=1"), (49, "GET", "instruments/0/active_proposal"),
    (50, "POST", "instrument_cycles/"), (51, M, "instrument_cycles/0"),
    (52, "POST", "parameters/"), (53, "POST", "parameters/bulk_create"), (54, "POST", "parameters/bulk_delete"),
    (55, M, "parameters/0"), (56, "GET", "parameters/?data_source=x&name=y&page=1&page_size=1"),
    (57, "POST", "parameter_types/"), (58, M, "parameter_types/0"),
    (59, "GET", "parameter_types/?name=x&page=1&page_size=1"),
    (60, "POST", "proposals/"), (61, M, "proposals/0"), (62, "GET", "proposals/?number=0&page=1&page_size=1"),
    (63, "GET", "proposals//by_number/0"), (64, "GET", "proposals//by_number_daq_info/900061"),
    (65, "GET", "proposals/by_number/0/runs?page=1&page_size=1"),
    (66, "GET", "proposals/by_number/0/runs/1?page=1&page_size=1"),
    (67, "GET", "proposals_techniques/?proposal_id=-2&page=1&page_size=1"),
    (68, "GET", "proposals_techniques/?technique_id=-1&page=1&page_size=1"),
    (69, "POST", "reports/"), (70, M, "reports/0"), (71, "GET", "reports/?page=1&page_size=1"),
    (72, "GET", "reports/?run_id=-1&page=1&page_size=1"),
    (73, "POST", "repositories/"), (74, M, "repositories/0"), (75, "GET", "repositories/?page=1&page_size=1"),
    (76, "GET", "repositories/?name=x&page=1&page_size=1"), (77, "GET", "repositories/?identifier=XFEL_TESTS_REPO"),
    (78, "POST", "runs/"), (79, M, "runs/0"), (80, "GET", "runs/?run_number=1&page=1&page_size=1"),
    (81, "GET", "runs/?run_number=1&experiment_id=-1"),
    (82, "GET", "runs/runs_by_proposal?proposal_number=0&page=1&page_size=1"),
    (83, "GET", "runs/all_raw_data_groups_ids?run_number=1&proposal_number=0"),
    (84, "POST", "samples/"), (85, M, "samples/0"), (86, "GET", "samples/?proposal_id=-1&page=1&page_size=1"),
    (87, "GET", "samples/?name=x&proposal_id=-1&page=1&page_size=1"),
    (88, "POST", "techniques/"), (89, M, "techniques/0"), (90, "GET", "techniques/?name=x&page=1&page_size=1"),
    (91, "GET", "techniques/?identifier=x&page=1&page_size=1"),
    (92, "POST", "units/"), (93, M, "units/0"), (94, "GET", "units/?page=1&page_size=1"),
    (95, "GET", "me"), (96, "GET", "users/0"),
]


def test_rows_are_complete() -> None:
    assert [row for row, _, _ in ROWS] == list(range(1, 97))


@pytest.mark.parametrize("row,methods,path", ROWS, ids=[f"{r[0]}-{r[2][:30]}" for r in ROWS])
def test_every_row_is_routed(api: Api, row: int, methods: str, path: str) -> None:
    for method in methods.split():
        response = api.request(method, path, {} if method in ("POST", "PUT") else None)
        assert response.headers["Content-Type"] == JSON_TYPE
        assert response.status_code not in (405, 500), (method, path, response.text)
        info = response.json().get("info", "") if response.content.startswith(b"{") else ""
        assert not str(info).startswith("No route"), (method, path, info)
        if method == "GET" and not path.endswith("/0") and "active_proposal" not in path:
            assert response.status_code == 200, (path, response.text)


def test_unfiltered_lists(api: Api) -> None:
    assert [r["id"] for r in api.ok("GET", "repositories/?page=1&page_size=100")] == [-1, 11]
    report = api.ok("POST", "reports/", {"report": {"name": "a.pdf", "cal_report_path": "/r", "run_id": -1}}, 201)
    assert [r["id"] for r in api.ok("GET", "reports/?page=1&page_size=100")] == [report["id"]]
    assert [i["id"] for i in api.ok("GET", "instruments/?page=1&page_size=100")] == [-2, -1, 1, 2]


def test_unexpected_exception_is_json_500(caplog: pytest.LogCaptureFixture) -> None:
    with EmulatorServer(control=True) as server:
        def explode(*args: object) -> None:
            raise RuntimeError("boom")

        server.records.read = explode  # type: ignore[method-assign, assignment]
        headers = {"Authorization": f"Bearer {fetch_token(server)}", "X-User-Email": server.user_email}
        with caplog.at_level(logging.ERROR, logger="metadata_client.emulator"):
            response = requests.get(server.api_url + "runs/-1", headers=headers)
        assert response.status_code == 500
        assert response.headers["Content-Type"] == JSON_TYPE
        assert response.json() == {"info": "Internal Server Error"}
        assert any("boom" in (r.exc_text or "") for r in caplog.records)
        assert server.control.request_log()[-1]["status"] == 500
        assert requests.get(server.api_url + "me", headers=headers).status_code == 200
