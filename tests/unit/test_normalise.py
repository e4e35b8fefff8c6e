"""4.2.1's result dict: every row of the decision table of ``format_response``."""

from __future__ import annotations

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from metadata_client.normalise import (
    CREATE, DELETE, GET, PAGINATION_HEADERS, SUCCESS_CODE, UPDATE, first_record, format_response,
    load_json_from_str, pagination, response_success,
)

from .conftest import BASE, api_calls, make_client

PAGES = {"Date": "Tue, 01 Jul 2025 10:00:00 GMT", "X-Total-Pages": "21", "X-Count-Per-Page": "1",
         "X-Current-Page": "3", "X-Total-Count": "21"}


def answer(status: int, body: bytes | str = b"", headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode() if isinstance(body, str) else body
    response.headers = CaseInsensitiveDict(headers or {})
    return response


def fmt(status, body, action=GET, headers=None, module="run"):
    return format_response(answer(status, body, headers), action, SUCCESS_CODE[action], module)


def test_success_codes_of_4_2_1():
    assert SUCCESS_CODE[CREATE] == 201
    assert SUCCESS_CODE[GET] == 200
    assert SUCCESS_CODE[UPDATE] == 200
    assert SUCCESS_CODE[DELETE] == 204


# Row 1: success code and a truthy body.
@pytest.mark.parametrize("action, status, body, data", [
    (GET, 200, '{"id": 1}', {"id": 1}),
    (GET, 200, '[{"id": 1}, {"id": 2}]', [{"id": 1}, {"id": 2}]),
    (CREATE, 201, '{"id": 9, "name": "x"}', {"id": 9, "name": "x"}),
    (UPDATE, 200, '{"id": 9}', {"id": 9}),
    (DELETE, 204, '{"id": 9}', {"id": 9}),
])
def test_row1_success_code_and_truthy_body(action, status, body, data):
    res = fmt(status, body, action, PAGES)
    assert res["success"] is True
    assert res["data"] == data
    assert res["app_info"] == {}
    assert res["pagination"] == PAGES


# Row 2: 204 with an empty body, for any action.
@pytest.mark.parametrize("action", [DELETE, GET, UPDATE, CREATE])
def test_row2_204_and_empty_body_is_success(action):
    res = fmt(204, "", action)
    assert res["success"] is True
    assert res["data"] == {}


# Row 3: success code and a body that parses to [] without being exactly "[]".
@pytest.mark.parametrize("body", ["[ ]", "[]\n", " []", "[\n]"])
def test_row3_success_and_an_empty_list_not_written_as_exactly_brackets(body):
    res = fmt(200, body, GET, PAGES)
    assert res["success"] is True
    assert res["data"] == []
    assert res["info"] == "Got run successfully"
    assert res["pagination"] == PAGES


# Row 4: success code and '', exactly '[]' or '{}'.
@pytest.mark.parametrize("body", ["", "[]", "{}"])
@pytest.mark.parametrize("action", [GET, UPDATE, CREATE])
def test_row4_success_code_with_empty_body_is_a_failure(action, body):
    res = fmt(SUCCESS_CODE[action], body, action)
    assert res["success"] is False
    assert res["app_info"] == {}
    assert res["data"] == {}
    assert res["pagination"] == {}


# Row 5: anything else.
@pytest.mark.parametrize("status, body, app_info", [
    (404, '{"info": "run not found"}', "run not found"),
    (403, '{"info": "Incorrect request header: \'X-User-Email\'!"}', "Incorrect request header: 'X-User-Email'!"),
    (422, '{"info": {"name": ["has already been taken"]}}', {"name": ["has already been taken"]}),
    (401, '{"info": null}', None),
    (500, '{"error": "boom"}', "HTTP request status code:500"),
    (404, "[]", "HTTP request status code:404"),
    (404, "", "HTTP request status code:404"),
    (400, '["info"]', "HTTP request status code:400"),
    (200, '{"id": 1}', "HTTP request status code:200"),  # GET success code is 200; CREATE below
])
def test_row5_error_answers(status, body, app_info):
    action = CREATE if status == 200 else GET  # a create answered 200 is a failure in 4.2.1
    res = fmt(status, body, action)
    assert res["success"] is False
    assert res["app_info"] == app_info
    assert res["data"] == {}
    assert res["pagination"] == {}


def test_a_200_with_an_empty_body_for_delete_is_a_failure():
    res = fmt(200, "", DELETE)
    assert res["success"] is False
    assert res["app_info"] == "HTTP request status code:200"


@pytest.mark.parametrize("status, body", [
    (502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    (503, "Service Unavailable"),
    (200, "<html>login page</html>"),
    (200, '{"id": 1'),
    (200, b"\xff\xfe\x00garbage"),
    (201, "not json at all"),
])
def test_non_json_bodies_give_a_failure_and_never_raise(status, body):
    for action in (GET, CREATE, UPDATE, DELETE):
        res = fmt(status, body, action)
        assert res["success"] is False
        assert res["app_info"].startswith(f"HTTP request status code:{status}")
        assert res["data"] == {}


@pytest.mark.parametrize("action, ok, failed", [
    (GET, "Got data_group_type successfully", "Error getting data_group_type"),
    (CREATE, "data_group_type created successfully", "Error creating data_group_type"),
    (UPDATE, "data_group_type updated successfully", "Error updating data_group_type"),
    (DELETE, "data_group_type deleted successfully", "Error deleting data_group_type"),
])
def test_messages(action, ok, failed):
    good = fmt(SUCCESS_CODE[action], '{"id": 1}', action, module="data_group_type")
    bad = fmt(500, '{"info": "x"}', action, module="data_group_type")
    assert good["info"] == ok
    assert bad["info"] == failed


def test_unknown_action_is_reported():
    res = format_response(answer(200, '{"id": 1}'), "FROB", 200, "run")
    assert res["success"] is False
    assert res["info"] == "ACTION is not correct!"


def test_pagination_reads_the_five_headers_and_defaults_to_none():
    assert PAGINATION_HEADERS == ("Date", "X-Total-Pages", "X-Count-Per-Page", "X-Current-Page",
                                  "X-Total-Count")
    assert pagination(answer(200, "[1]", {**PAGES, "X-Other": "1"})) == PAGES
    lower = {k.lower(): v for k, v in PAGES.items()}
    assert pagination(answer(200, "[1]", lower)) == PAGES
    assert pagination(answer(200, "[1]")) == dict.fromkeys(PAGINATION_HEADERS)
    assert pagination({}) == {}


def test_load_json_from_str_quirk():
    assert load_json_from_str("") == {}
    assert load_json_from_str("[]") == {}
    assert load_json_from_str("[ ]") == []
    assert load_json_from_str('{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError):
        load_json_from_str("<html>")


def test_result_shape_is_exactly_the_five_keys():
    assert set(fmt(200, '{"id": 1}')) == {"success", "info", "app_info", "pagination", "data"}
    assert set(fmt(500, "x")) == {"success", "info", "app_info", "pagination", "data"}
    assert set(response_success("run", GET, {}, [1])) == {"success", "info", "app_info", "pagination", "data"}


def test_first_record():
    res = fmt(200, '[{"id": 1}, {"id": 2}]', GET, PAGES)
    first = first_record(res, "run", 1)
    assert first["data"] == {"id": 1} and first["success"] is True
    empty = first_record(fmt(200, "[ ]"), "run", 5)
    assert empty["data"] == {} and empty["info"] == 'run "5" could not be found!'
    none = first_record(fmt(200, "[ ]"), "run")
    assert none["info"] == "No run could be found respecting the specified search criteria"


# -- the table through the 4.2.1 module classes, over the mocked wire ------------------

def test_module_class_result_for_an_html_502_never_raises(rsps, tokens):
    from metadata_client.modules.run import Run

    rsps.get(BASE + "runs/5", status=502, body="<html>Bad Gateway</html>", content_type="text/html")
    res = Run.get_by_id(make_client(max_retries=0), 5)
    assert res["success"] is False
    assert res["app_info"] == "HTTP request status code:502"
    assert len(api_calls(rsps)) == 1


def test_module_class_result_carries_pagination_headers(rsps, tokens):
    from metadata_client.modules.data_group_type import DataGroupType

    rsps.get(BASE + "data_group_types/", json=[{"id": 1, "name": "Raw"}], headers=PAGES)
    res = DataGroupType.get_all_by_name(make_client(), "Raw")
    assert res["success"] is True
    assert res["data"] == [{"id": 1, "name": "Raw"}]
    assert res["pagination"]["X-Total-Pages"] == "21"
    assert res["pagination"]["X-Total-Count"] == "21"
