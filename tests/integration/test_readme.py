"""The README's calls, as written, against a myMdC with the seeded test records (§5)."""

from __future__ import annotations

import pytest

from metadata_client import MetadataClient


def test_data_group_types(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_all_data_group_types()
    assert res["success"] is True
    assert res["info"] == "Got data_group_type successfully"
    assert [t["identifier"] for t in res["data"][:6]] == ["RAW", "CAL", "PROC", "REDU", "SIM", "UNK"]
    assert set(res["pagination"]) == {"Date", "X-Total-Pages", "X-Count-Per-Page", "X-Current-Page",
                                      "X-Total-Count"}


def test_first_data_group_type_with_page_size_one(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_all_data_group_types(page=1, page_size=1)
    assert res["success"] and len(res["data"]) == 1
    assert res["data"][0]["id"] == 1 and res["data"][0]["description"] == ""


def test_xfel_instruments(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_all_xfel_instruments()
    assert res["success"] is True
    assert {"SPB", "FXE"} <= {i["identifier"] for i in res["data"]}
    assert all(i["facility_id"] == 1 for i in res["data"])


def test_no_active_proposal(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_active_proposal_by_instrument(-2)
    assert res == {"success": False, "info": "Error getting proposal", "app_info": "Resource not found!",
                   "pagination": {}, "data": {}}


def test_proposal_runs_and_paging(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_proposal_runs(0)
    assert res["success"] and res["info"] == "Got proposal successfully"
    runs = res["data"]["runs"]
    assert [r["run_number"] for r in runs] == [1, 2]
    assert isinstance(runs[0]["num_files"], int)
    assert runs[0]["repositories"]["XFEL_TESTS_REPO"]["data_groups"] == 1
    second = mymdc_client.get_proposal_runs(0, page=2, page_size=1)
    assert [r["id"] for r in second["data"]["runs"]] == [-2]
    missing = mymdc_client.get_proposal_runs(-99)
    assert missing["success"] is False and missing["app_info"] == "Proposal number -99 not found"


def test_proposal_samples(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_proposal_samples(0)
    assert res["success"] and res["data"][0]["id"] == -1
    assert res["data"][0]["name"] == "TestSample DO NOT DELETE!"
    beyond = mymdc_client.get_proposal_samples(0, page=100, page_size=3)
    assert beyond == {"success": False, "info": "Error getting sample", "app_info": {},
                      "pagination": {}, "data": {}}


def test_proposal_experiments(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_proposal_experiments("000000")
    assert res["success"] and res["info"] == "Got experiment successfully"
    assert res["data"][0]["name"] == "TestExperiment DO NOT DELETE!"


@pytest.mark.parametrize("allowed, success", [(["SPB", "FXE"], True), (["SA1", "SA2", "SA3"], False)])
def test_proposal_info(mymdc_client: MetadataClient, allowed: list[str], success: bool) -> None:
    res = mymdc_client.get_proposal_info(900061, allowed)
    assert res["success"] is success
    if success:
        assert res["data"]["proposal_folder"] == "p900061"
        assert res["data"]["def_proposal_path"] == "/gpfs/exfel/exp/SPB/200030/p900061/raw"
    else:
        assert res["info"] == "Error getting proposal" and res["data"] == {}
        assert res["app_info"] == ("The proposal doesn't match this DAQ instance configured list "
                                   "of allowed instruments!")


def test_proposal_without_samples(mymdc_client: MetadataClient) -> None:
    res = mymdc_client.get_proposal_info(900966, ["SPB"])
    assert res["success"] is False
    assert res["app_info"] == "The proposal has no Samples defined yet in myMdC!"


def test_current_user(mymdc_client: MetadataClient) -> None:
    me = mymdc_client.users.me()
    assert me["email"] == mymdc_client.user_email
