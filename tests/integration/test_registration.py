"""Run registration as the DAQ does it, checked through the API and the emulator's store."""

from __future__ import annotations

from typing import Any

import pytest

from metadata_client import MetadataClient, NotFoundError

RUN = {"run_number": 126, "begin_at": "2026-11-27T10:00:00.000+01:00", "first_train": 126,
       "runs_techniques_attributes": [{"technique_id": -1}]}
GROUP = {"data_group_type_id": 1, "creator_id": -1, "prefix_path": "/tmp/xfel/p000000/r0126"}
FILES = [{"filename": "RAW-R0126-DA01-S00000.h5", "relative_path": "raw/r0126"}]
CLOSE = {"end_at": "2026-11-27T10:05:00.000+01:00", "last_train": 4000}


def cleanup(client: MetadataClient, ids: dict[str, Any]) -> None:
    """Delete what a test registered (needed against a real deployment)."""
    for manager, key in ((client.data_files, "data_file_id"), (client.runs, "run_id"),
                         (client.data_groups, "data_group_id")):
        if ids.get(key):
            try:
                manager.delete(int(ids[key]))
            except NotFoundError:
                pass


def test_register_run_data_close_and_replica(mymdc_client: MetadataClient) -> None:
    client = mymdc_client
    reg = client.register_run(-1, -1, dict(RUN), dict(GROUP))
    assert reg["success"] and reg["info"] == "Run registered successfully", reg
    ids = dict(reg["data"])
    try:
        assert ids["experiment_id"] == "-1" and "-1" in ids["techniques"]
        data = client.register_run_data(-1, -1, ids["run_id"], ids["data_group_id"],
                                        {"data_group_type_id": 1, "creator_id": -1}, FILES)
        assert data["success"] and data["info"] == "Run data registered successfully", data
        ids["data_file_id"] = data["data"]["data_file_id"]
        run_dict = {**CLOSE, "runs_techniques_attributes": [{"technique_id": -2}]}
        before = {k: (list(v) if isinstance(v, list) else v) for k, v in run_dict.items()}
        closed = client.close_run(-1, -1, ids["run_id"], ids["data_group_id"], run_dict)
        assert closed["success"] and closed["info"] == "Run closed successfully", closed
        assert run_dict == before, "close_run must not change the caller's dict"
        assert client.runs.get(int(ids["run_id"]))["flg_status"] == 2
        assert [t["id"] for t in client.runs.get(int(ids["run_id"]))["techniques"]] == [-1, -2]

        replica = client.register_run_replica("000000", 126, "XFEL_GPFS_OFFLINE_RAW_CC")
        assert replica["success"] and replica["info"] == "Run replica registered successfully"
        assert replica["data"] == [{"data_group_id": ids["data_group_id"], "repository_id": "11",
                                    "flg_available": "true"}]
        status = client.get_run_register_repositories("000000", 126, "XFEL_GPFS_OFFLINE_RAW_CC")
        assert status["success"] and status["data"][0]["flg_available"] == "true"
        again = client.get_run_register_repositories("000000", 126, "XFEL_GPFS_OFFLINE_RAW_CC")
        assert again["data"] == status["data"], "reading must not change the replica"
        gone = client.unregister_run_replica("000000", 126, "XFEL_GPFS_OFFLINE_RAW_CC")
        assert gone["success"] and gone["data"][0]["flg_available"] == "false"
    finally:
        cleanup(client, ids)


def test_register_run_rolls_back_when_the_data_group_fails(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.register_run(-1, -1, dict(RUN), {**GROUP, "prefix_path": None})
    assert res["success"] is False
    assert res["app_info"] == {"prefix_path": ["can't be blank", "is too short (minimum is 2 characters)"]}
    assert "deleted again" in res["info"]
    assert mymdc_client.runs.list(run_number=126, experiment_id=-1) == []


def test_register_run_reports_the_servers_validation(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.register_run(-1, -1, {**RUN, "run_number": 125, "first_train": None}, dict(GROUP))
    assert res["success"] is False and res["info"] == "Error creating run"
    assert res["app_info"] == {"first_train": ["can't be blank", "is not a number"]}


def test_register_run_data_and_results_without_files(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.register_run_data_and_results(-1, -1, {**RUN, **CLOSE}, dict(GROUP), None)
    try:
        assert res["success"] and res["info"] == "Run closed successfully", res
        assert res["data"]["data_file_id"] is None
    finally:
        cleanup(mymdc_client, res["data"])


def test_failed_close_names_the_records_that_remain(mymdc_client: MetadataClient, mymdc_control: Any) -> None:
    mymdc_control.add_fault(method="PUT", path="^/api/runs/", action="status", status=422,
                            body='{"info": {"last_train": ["is invalid"]}}')
    res = mymdc_client.register_run_data_and_results(-1, -1, {**RUN, **CLOSE}, dict(GROUP), FILES)
    try:
        assert res["success"] is False and res["info"] == "Error updating run"
        assert res["app_info"] == {"last_train": ["is invalid"]}
        assert res["data"]["run_id"] and res["data"]["data_group_id"] and res["data"]["data_file_id"]
        assert mymdc_client.runs.get(int(res["data"]["run_id"]))["run_number"] == 126
    finally:
        cleanup(mymdc_client, res["data"])


@pytest.mark.parametrize("call, message", [
    (lambda c: c.register_run(None, None, {}, {}),
     "The following fields are mandatory: ['experiment_id', 'run.run_number', 'run.begin_at', "
     "'run.first_train', 'data_group.data_group_type_id', 'data_group.creator_id', "
     "'data_group.prefix_path']"),
    (lambda c: c.close_run(-1, -1, 1, 1, {"first_train": 100}),
     "The following fields are mandatory: ['run.end_at', 'run.last_train']"),
])
def test_client_side_mandatory_fields(mymdc_client: MetadataClient, call: Any, message: str) -> None:
    assert call(mymdc_client) == {"success": False, "info": message, "app_info": {}, "data": {}}
