"""Every validation message of MYMDC_SERVER.md §4.2, with key and message order."""

from __future__ import annotations

from typing import Any

import pytest

from emu_helpers import Api

TAKEN = ["has already been taken"]


def error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert list(body) == ["info"]
    return body["info"]


def create(api: Api, name: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    return api.ok("POST", f"{name}/", {key: body}, 201)


@pytest.mark.parametrize("name,key", [
    ("data_group_types", "data_group_type"), ("data_types", "data_type"),
    ("experiment_types", "experiment_type"), ("parameter_types", "parameter_type"), ("units", "unit"),
])
def test_named_types(api: Api, name: str, key: str) -> None:
    body = {"name": "Dup type", "identifier": "260527165012", "flg_available": True, "description": ""}
    record = create(api, name, key, body)
    info = error(api.post(f"{name}/", {key: body}))
    assert info == {"identifier": TAKEN, "name": TAKEN}
    assert list(info) == ["identifier", "name"]
    info = error(api.put(f"{name}/{record['id']}", {key: {"name": "n" * 61}}))
    assert info == {"name": ["is too long (maximum is 60 characters)"]}
    assert api.server.store.count(name, name="Dup type") == 1


def test_data_group_repository_duplicate(api: Api) -> None:
    body = {"data_group_id": -1, "repository_id": 11, "flg_available": "true"}
    create(api, "data_groups_repositories", "data_group_repository", body)
    info = error(api.post("data_groups_repositories/", {"data_group_repository": body}))
    assert info == {"data_group_id": TAKEN, "repository_id": TAKEN}
    assert list(info) == ["data_group_id", "repository_id"]


def test_experiment(api: Api) -> None:
    body = {"name": "Dup exp", "experiment_type_id": 1, "proposal_id": -1}
    record = create(api, "experiments", "experiment", body)
    assert error(api.post("experiments/", {"experiment": body})) == {"name": TAKEN}
    info = error(api.put(f"experiments/{record['id']}", {"experiment": {"name": "e" * 61}}))
    assert info == {"name": ["is too long (maximum is 60 characters)"]}
    # the same name in another proposal is fine
    create(api, "experiments", "experiment", {**body, "proposal_id": -2})


def test_instrument_cycle_duplicate(api: Api) -> None:
    body = {"identifier": 202401, "instrument_id": -1, "url": "https://in.xfel.eu/upex/instrument_cycle/202401"}
    record = create(api, "instrument_cycles", "instrument_cycle", body)
    info = error(api.post("instrument_cycles/", {"instrument_cycle": body}))
    assert info == {"identifier": TAKEN, "url": TAKEN, "instrument_id": TAKEN}
    assert list(info) == ["identifier", "url", "instrument_id"]
    # updating with the same url (uniqueness excludes the record itself)
    updated = api.ok("PUT", f"instrument_cycles/{record['id']}", {"instrument_cycle": {
        **body, "identifier": 201701, "instrument_id": -2, "instrument_identifier": "INST_U"}})
    assert (updated["instrument_identifier"], updated["identifier"]) == ("INST_U", 201701)


def test_proposal(api: Api) -> None:
    body = {"number": 4242, "title": 4242, "url": "https://p/4242", "instrument_id": 1, "instrument_cycle_id": -1,
            "begin_at": "2024-01-01T00:00:00.000+01:00", "release_at": "2025-01-01T00:00:00.000+01:00",
            "flg_proposal_system": "U"}
    record = create(api, "proposals", "proposal", body)
    info = error(api.post("proposals/", {"proposal": body}))
    assert info == {"def_proposal_path": TAKEN, "number": TAKEN, "proposal_folder": TAKEN, "url": TAKEN}
    assert list(info) == ["def_proposal_path", "number", "proposal_folder", "url"]
    info = error(api.put(f"proposals/{record['id']}", {"proposal": {"number": 1234567}}))
    assert info == {"number": ["cannot be updated"]}
    for field, value in (("title", "other"), ("begin_at", "2024-01-02T00:00:00.000+01:00"),
                         ("release_at", "2026-01-01T00:00:00.000+01:00"), ("flg_proposal_system", "L")):
        assert error(api.put(f"proposals/{record['id']}", {"proposal": {field: value}})) == \
            {field: ["cannot be updated"]}
    # unchanged values (in another spelling) are accepted
    api.ok("PUT", f"proposals/{record['id']}", {"proposal": {
        "number": "4242", "title": "4242", "begin_at": "2023-12-31T23:00:00Z"}})


def test_repository(api: Api) -> None:
    body = {"name": "Dup repo", "identifier": "DUP_REPO", "mount_point": "/m",
            "transfer_agent_identifier": "new_special_repo_identifier",
            "transfer_agent_server_url": "https://www.new_example.com:12345"}
    record = create(api, "repositories", "repository", body)
    info = error(api.post("repositories/", {"repository": body}))
    assert info == {"identifier": TAKEN, "name": TAKEN, "transfer_agent_identifier": TAKEN,
                    "transfer_agent_server_url": TAKEN}
    assert list(info) == ["identifier", "name", "transfer_agent_identifier", "transfer_agent_server_url"]
    info = error(api.put(f"repositories/{record['id']}", {"repository": {"name": "r" * 61}}))
    assert info == {"name": ["is too long (maximum is 60 characters)"]}


def test_run(api: Api) -> None:
    body = {"run_number": 126, "experiment_id": -1, "sample_id": -1, "first_train": 126}
    record = create(api, "runs", "run", body)
    info = error(api.post("runs/", {"run": body}))
    assert info == {"experiment_id": TAKEN, "run_number": ["must be unique per proposal", "has already been taken"]}
    assert list(info) == ["experiment_id", "run_number"]
    info = error(api.put(f"runs/{record['id']}", {"run": {
        "run_number": "__THIS_NAME_IS_1_CHARACTERS_LONGER_THAN_THE_ALLOWED_MAX_NUM__"}}))
    assert info["run_number"] == ["cannot be updated", "is not a number"]
    info = error(api.put(f"runs/{record['id']}", {
        "run_number": 1234, "end_at": "2025-05-27T14:00:00.000+02:00", "last_train": -1, "flg_available": 1,
        "flg_status": 1, "run_id": record["id"], "experiment_id": -1, "sample_id": -1}))
    assert info == {"run_number": ["cannot be updated"], "run_folder": ["cannot be updated"],
                    "last_train": ["must be greater than or equal to 126"]}
    api.ok("PUT", f"runs/{record['id']}", {"run": {"run_number": "126", "last_train": 126}})


def test_run_number_unique_per_proposal(api: Api) -> None:
    other = create(api, "experiments", "experiment", {"name": "second", "proposal_id": -1})
    info = error(api.post("runs/", {"run": {"run_number": 1, "experiment_id": other["id"], "first_train": 1}}))
    assert info == {"run_number": ["must be unique per proposal"]}
    create(api, "runs", "run", {"run_number": 1, "experiment_id": -2, "first_train": 1})


def test_run_first_train_null_exact(api: Api) -> None:
    response = api.post("runs/", {"run": {
        "run_number": 125, "run_alias": "", "experiment_id": "-1", "sample_id": "-1",
        "begin_at": "2025-05-27T13:00:00.000+02:00", "end_at": "", "first_train": None, "last_train": "",
        "flg_available": "true", "flg_status": "1", "original_format": "", "system_msg": "", "description": "",
        "runs_techniques_attributes": ""}})
    info = error(response)
    assert repr(info) == repr({"first_train": ["can't be blank", "is not a number"]})


def test_sample(api: Api) -> None:
    body = {"name": "Dup sample", "proposal_id": -1, "flg_proposal_system": "upex", "proposal_system_id": "12345"}
    record = create(api, "samples", "sample", body)
    info = error(api.post("samples/", {"sample": body}))
    assert info == {"name": TAKEN, "flg_proposal_system": TAKEN, "proposal_id": TAKEN, "proposal_system_id": TAKEN}
    assert list(info) == ["name", "flg_proposal_system", "proposal_id", "proposal_system_id"]
    info = error(api.put(f"samples/{record['id']}", {"sample": {"name": "s" * 128}}))
    assert info == {"name": ["is too long (maximum is 127 characters)"]}
    # samples without proposal-system ids do not collide on them
    create(api, "samples", "sample", {"name": "a", "proposal_id": -1})
    create(api, "samples", "sample", {"name": "b", "proposal_id": -1})


def test_technique(api: Api) -> None:
    body = {"name": "Dup tech", "identifier": "DUP-TECH", "url": ""}
    record = create(api, "techniques", "technique", body)
    info = error(api.post("techniques/", {"technique": body}))
    assert info == {"name": TAKEN, "identifier": TAKEN}
    info = error(api.put(f"techniques/{record['id']}", {"technique": {"name": "t" * 81}}))
    assert info == {"name": ["is too long (maximum is 80 characters)"]}


def test_report(api: Api) -> None:
    body = {"name": "r.pdf", "cal_report_path": "/gpfs/r/", "run_id": -1, "cal_report_at": "2025-01-01T00:00:00Z"}
    record = create(api, "reports", "report", body)
    info = error(api.post("reports/", {"report": body}))
    assert info == {"name": TAKEN, "cal_report_path": TAKEN, "run_id": TAKEN}
    info = error(api.put(f"reports/{record['id']}", {"report": {"name": "a" * 270}}))
    assert info == {"name": ["is too long (maximum is 128 characters)",
                             "cannot contain spaces and must end with .pdf"]}
    assert error(api.put(f"reports/{record['id']}", {"report": {"name": "a b.pdf"}})) == \
        {"name": ["cannot contain spaces and must end with .pdf"]}


def test_parameter(api: Api) -> None:
    body = {"data_source": "MID/XTD6/ATT/MOTOR/BLADE_TOP", "name": "VelocityLeft", "data_type_id": 70}
    first = create(api, "parameters", "parameter", body)
    create(api, "parameters", "parameter", body)
    info = error(api.put(f"parameters/{first['id']}", {"parameter": {"name": "p" * 300}}))
    assert info == {"name": ["is too long (maximum is 255 characters)"]}


def test_data_file(api: Api) -> None:
    files = "[{'filename': 'obj_01.h5', 'relative_path': ''}]"
    first = create(api, "data_files", "data_file", {"data_group_id": -2, "files": files})
    create(api, "data_files", "data_file", {"data_group_id": -2, "files": files})
    info = error(api.put(f"data_files/{first['id']}", {"data_file": {"files": ""}}))
    assert info == {"files": ["can't be blank", "is too short (minimum is 40 characters)"]}
    response = api.post("data_files/", {"data_file": {"data_group_id": -2,
                                                      "files": "[{'filename':'1','relative_path':'1'}]"}})
    assert repr(error(response)) == repr({"files": ["is too short (minimum is 40 characters)"]})


def test_data_group(api: Api) -> None:
    response = api.post("data_groups/", {"data_group": {
        "name": "", "language": "en", "doi": None, "data_group_type_id": 1, "experiment_id": -1, "user_id": -1,
        "prefix_path": None, "flg_available": "true", "flg_writing": "false", "flg_public": "false", "format": "",
        "data_passport": "", "removed_at": "", "description": "", "runs_data_groups_attributes": [{"run_id": -1}]}})
    assert repr(error(response)) == repr({"prefix_path": ["can't be blank", "is too short (minimum is 2 characters)"]})
    record = create(api, "data_groups", "data_group", {
        "name": "dg", "data_group_type_id": 1, "experiment_id": -1, "user_id": -1, "prefix_path": "/a"})
    info = error(api.put(f"data_groups/{record['id']}", {"data_group": {"name": "n" * 61}}))
    assert info == {"name": ["cannot be updated", "is too long (maximum is 60 characters)"]}
    response = api.put(f"data_groups/{record['id']}", {
        "data_group_type_id": 2, "creator_id": -999, "name": "other", "prefix_path": "bla_bla"})
    info = error(response)
    assert repr(info) == repr({"name": ["cannot be updated"], "data_group_type_id": ["cannot be updated"],
                               "prefix_path": ["cannot be updated"]})
    api.ok("PUT", f"data_groups/{record['id']}", {"data_group_type_id": 1, "creator_id": -1, "name": "dg"})


def test_dataset_file(api: Api) -> None:
    record = create(api, "dataset_files", "dataset_file", {
        "filename": "f.h5", "data_group_id": -1, "checksum": "0123abcd", "format": "hdf5"})
    info = error(api.put(f"dataset_files/{record['id']}", {"dataset_file": {"checksum": ""}}))
    assert info == {"checksum": ["can't be blank", "is the wrong length (should be 8 characters)", "Invalid checksum"]}
    assert error(api.put(f"dataset_files/{record['id']}", {"checksum": "xyzxyzxy"})) == \
        {"checksum": ["Invalid checksum"]}
    assert error(api.put(f"dataset_files/{record['id']}", {"format": "png"})) == \
        {"format": ["is not included in the list"]}


def test_dark_run_report_url(api: Api) -> None:
    info = error(api.put("dark_runs/-11", {"dark_run": {"report_url": "u" * 251}}))
    assert info == {"report_url": ["URL length allows only 250 characters"]}


@pytest.mark.parametrize("field,value,message", [
    ("first_train", "abc", "is not a number"),
    ("first_train", 1.5, "must be an integer"),
    ("first_train", True, "is not a number"),
    ("first_train", [1], "is not a number"),
    ("first_train", {"a": 1}, "is not a number"),
    ("first_train", 2**63, "is out of range"),
    ("first_train", "9" * 5000, "is not a number"),
    ("flg_available", "maybe", "is invalid"),
    ("flg_available", {"x": 1}, "is invalid"),
    ("flg_available", 7, "is invalid"),
    ("begin_at", "yesterday", "is not a valid datetime"),
    ("begin_at", "2024-02-30T00:00:00Z", "is not a valid datetime"),
    ("begin_at", 1700000000, "is not a valid datetime"),
    ("description", {"nested": "object"}, "is invalid"),
    ("description", ["a"], "is invalid"),
    ("sample_id", "x", "is not a number"),
])
def test_wrong_types_are_422(api: Api, field: str, value: Any, message: str) -> None:
    body = {"run_number": 77, "experiment_id": -1, "first_train": 1, field: value}
    info = error(api.post("runs/", {"run": body}))
    assert message in info[field]
    assert api.server.store.count("runs") == 2
