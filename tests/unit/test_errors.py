"""The exception tree, what each error carries, and the status → error mapping."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
from requests.structures import CaseInsensitiveDict

import metadata_client
from metadata_client import errors
from metadata_client.errors import (
    APIError, AuthenticationError, BadRequestError, ConnectionFailed, ConnectTimeout, DeadlineExceeded,
    MetadataClientError, NotFoundError, PermissionDeniedError, RateLimitedError, ReadTimeout, ServerError,
    TransportError, UnparseableResponseError, ValidationError, error_for_status,
)
from metadata_client.requestor import decode

from .conftest import BASE, api_calls, make_client

URL = BASE + "runs/1"


def test_every_error_derives_from_metadata_client_error():
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, MetadataClientError), name
            assert getattr(metadata_client, name) is obj, f"{name} is not exported"


@pytest.mark.parametrize("ours, theirs", [
    (TransportError, requests.RequestException),
    (ConnectTimeout, requests.exceptions.ConnectTimeout),
    (ConnectTimeout, requests.exceptions.Timeout),
    (ReadTimeout, requests.exceptions.ReadTimeout),
    (ReadTimeout, requests.exceptions.Timeout),
    (DeadlineExceeded, requests.exceptions.Timeout),
    (ConnectionFailed, requests.exceptions.ConnectionError),
])
def test_transport_errors_are_also_the_requests_classes(ours, theirs):
    assert issubclass(ours, TransportError)
    assert issubclass(ours, theirs)


def test_api_errors_are_not_transport_errors():
    for cls in (APIError, BadRequestError, PermissionDeniedError, NotFoundError, ValidationError,
                RateLimitedError, ServerError, UnparseableResponseError):
        assert issubclass(cls, APIError)
        assert not issubclass(cls, requests.RequestException)


@pytest.mark.parametrize("failure, expected", [
    (requests.exceptions.ReadTimeout("slow"), requests.exceptions.ReadTimeout),
    (requests.exceptions.ConnectTimeout("no route"), requests.exceptions.ConnectTimeout),
    (requests.exceptions.ConnectionError("reset"), requests.exceptions.ConnectionError),
    (requests.exceptions.ChunkedEncodingError("cut"), requests.exceptions.ConnectionError),
    (requests.exceptions.SSLError("bad cert"), requests.RequestException),
])
def test_code_written_for_requests_keeps_catching_transport_failures(rsps, tokens, failure, expected):
    rsps.get(URL, body=failure)
    client = make_client(max_retries=1)
    try:
        client.api_get(URL)
    except expected as exc:
        caught = exc
    else:  # pragma: no cover - the test fails
        pytest.fail("nothing raised")
    assert isinstance(caught, TransportError)
    assert caught.method == "GET"
    assert caught.url == URL
    assert caught.status is None
    assert "GET" in str(caught) and URL in str(caught)
    with pytest.raises(requests.RequestException):
        client.api_get(URL)


def test_api_errors_carry_method_url_status_and_body(rsps, tokens):
    rsps.put(URL, status=422, json={"info": {"run_number": ["must be positive"]}})
    with pytest.raises(ValidationError) as info:
        make_client().runs.update(1, run_number=-5)
    error = info.value
    assert error.method == "PUT"
    assert error.url == URL
    assert error.status == 422
    assert error.body == {"info": {"run_number": ["must be positive"]}}
    assert error.errors == {"run_number": ["must be positive"]}
    assert error.info == {"run_number": ["must be positive"]}
    assert "422" in str(error) and URL in str(error)


def test_authentication_error_carries_the_token_request(rsps):
    rsps.post(BASE.replace("/api/", "/oauth/token"), status=401, json={"error": "invalid_client"})
    with pytest.raises(AuthenticationError) as info:
        make_client().runs.get(1)
    assert info.value.method == "POST"
    assert info.value.url.endswith("/oauth/token")
    assert info.value.status == 401
    assert info.value.body == {"error": "invalid_client"}


# -- decode: status → error -----------------------------------------------------------

def answer(status, body=b"", headers=None, method="GET"):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode() if isinstance(body, str) else body
    response.headers = CaseInsensitiveDict(headers or {})
    response.url = URL
    response.request = requests.Request(method, URL).prepare()
    return response


@pytest.mark.parametrize("status, cls", [
    (400, BadRequestError), (401, AuthenticationError), (403, PermissionDeniedError),
    (404, NotFoundError), (409, BadRequestError), (418, BadRequestError), (422, ValidationError),
    (429, RateLimitedError), (500, ServerError), (502, ServerError), (503, ServerError),
    (504, ServerError), (599, ServerError),
])
def test_decode_maps_status_to_error(status, cls):
    with pytest.raises(cls) as info:
        decode(answer(status, '{"info": "nope"}', method="DELETE"))
    assert type(info.value) is cls
    assert info.value.status == status
    assert info.value.method == "DELETE"
    assert info.value.url == URL
    assert info.value.body == {"info": "nope"}
    assert info.value.message == "nope"
    assert error_for_status(status) is cls


def test_decode_validation_errors():
    with pytest.raises(ValidationError) as info:
        decode(answer(422, '{"info": {"name": ["can\'t be blank"], "identifier": ["taken"]}}'))
    assert info.value.errors == {"name": ["can't be blank"], "identifier": ["taken"]}
    assert "name" in str(info.value)
    with pytest.raises(ValidationError) as plain:
        decode(answer(422, '{"info": "record invalid"}'))
    assert plain.value.errors == {}


def test_decode_rate_limited_carries_retry_after_in_seconds():
    with pytest.raises(RateLimitedError) as info:
        decode(answer(429, '{"info": "slow down"}', {"Retry-After": "7"}))
    assert info.value.retry_after == 7.0
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    with pytest.raises(RateLimitedError) as dated:
        decode(answer(429, '{"info": "slow down"}', {"Retry-After": when}))
    assert 18.5 <= dated.value.retry_after <= 20.5
    with pytest.raises(RateLimitedError) as without:
        decode(answer(429, '{"info": "slow down"}'))
    assert without.value.retry_after is None


@pytest.mark.parametrize("status", [200, 201])
@pytest.mark.parametrize("body", ["<html>login</html>", '{"id": 1', b"\xff\xfe"])
def test_decode_non_json_success_is_unparseable(status, body):
    with pytest.raises(UnparseableResponseError) as info:
        decode(answer(status, body))
    assert info.value.status == status


@pytest.mark.parametrize("status, cls", [(502, ServerError), (503, ServerError), (404, NotFoundError),
                                         (429, RateLimitedError)])
def test_decode_non_json_error_page_keeps_the_status_class(status, cls):
    with pytest.raises(cls) as info:
        decode(answer(status, "<html><h1>Bad Gateway</h1></html>", {"Retry-After": "4"}))
    assert info.value.status == status
    assert info.value.body is None
    if cls is RateLimitedError:
        assert info.value.retry_after == 4.0


@pytest.mark.parametrize("status, body, value", [
    (200, '{"id": 1}', {"id": 1}), (200, "[]", []), (200, "[ ]", []), (201, '[{"id": 1}]', [{"id": 1}]),
    (204, "", None), (200, "   ", None), (200, "null", None), (200, "5", 5),
])
def test_decode_success_values(status, body, value):
    assert decode(answer(status, body)) == value


def test_managers_raise_the_typed_errors_over_the_wire(rsps, tokens):
    rsps.get(BASE + "runs/404", status=404, json={"info": "Run not found"})
    rsps.get(BASE + "runs/403", status=403, json={"info": "Incorrect request header: 'X-User-Email'!"})
    rsps.get(BASE + "runs/500", status=500, body="Internal Server Error")
    client = make_client(max_retries=0)
    with pytest.raises(NotFoundError, match="Run not found"):
        client.runs.get(404)
    with pytest.raises(PermissionDeniedError, match="X-User-Email"):
        client.runs.get(403)
    with pytest.raises(ServerError):
        client.runs.get(500)
    assert len(api_calls(rsps)) == 3


def test_a_rate_limited_get_that_runs_out_of_retries_raises_rate_limited(rsps, tokens):
    rsps.get(URL, status=429, headers={"Retry-After": "0"}, json={"info": "slow down"})
    with pytest.raises(RateLimitedError) as info:
        make_client(max_retries=2).runs.get(1)
    assert info.value.retry_after == 0.0
    assert len(api_calls(rsps)) == 3
