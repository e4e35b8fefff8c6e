"""Everything a caller passes is checked before anything is sent."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from metadata_client.requestor import Requestor, page_values, path_value

from .conftest import BASE, HOST, api_calls, make_client

BAD_SEGMENTS = [
    "/", "a/b", "..", ".", "...", "?", "a?b=1", "#", "a#b", "%2F", "%2e%2e", "a%20b", "a b", " ",
    "a\r\nb", "a\n", "\t", "\x00", "caf\u00e9", "\u0661\u0662", "\uff11", "", None, True, False,
    1.0, 1.5, float("nan"), 2 ** 63, -(2 ** 63) - 1, 10 ** 30, "9" * 30, "-" + "9" * 20,
    b"12", [1], {"id": 1}, "x" * 256,
]

SURFACES = {
    "manager.get": lambda c, v: c.runs.get(v),
    "manager.update": lambda c, v: c.runs.update(v, run_number=1),
    "manager.delete": lambda c, v: c.runs.delete(v),
    "get_run_by_id_api": lambda c, v: c.get_run_by_id_api(v),
    "delete_run_api": lambda c, v: c.delete_run_api(v),
    "update_run_api": lambda c, v: c.update_run_api(v, {"run_number": 1}),
    "get_proposal_by_number_api": lambda c, v: c.get_proposal_by_number_api(v),
    "proposals.by_number": lambda c, v: c.proposals.by_number(v),
    "get_runs_by_proposal_number_api(run)": lambda c, v: c.get_runs_by_proposal_number_api(1, v),
    "instruments.active_proposal": lambda c, v: c.instruments.active_proposal(v),
}


# run_number=None is 4.2.1's way to leave the optional segment out, so it is valid there.
CASES = [(surface, value) for surface in SURFACES for value in BAD_SEGMENTS
         if not (value is None and surface == "get_runs_by_proposal_number_api(run)")]


@pytest.mark.parametrize("surface, value", CASES, ids=[f"{s}-{v!r:.24}" for s, v in CASES])
def test_bad_path_values_are_refused_before_anything_is_sent(rsps, tokens, surface, value):
    client = make_client()
    with pytest.raises(ValueError):
        SURFACES[surface](client, value)
    assert len(rsps.calls) == 0, "something was sent"


GOOD_SEGMENTS = [
    (0, "0"), (-1, "-1"), (77, "77"), (2 ** 63 - 1, str(2 ** 63 - 1)), (-(2 ** 63), str(-(2 ** 63))),
    ("abc", "abc"), ("A-b_c.1", "A-b_c.1"), ("-666", "-666"), ("x" * 255, "x" * 255), ("1e5", "1e5"),
]


@pytest.mark.parametrize("value, segment", GOOD_SEGMENTS, ids=[s[:20] for _, s in GOOD_SEGMENTS])
def test_good_path_values_are_placed_once_and_unchanged(rsps, tokens, value, segment):
    rsps.get(BASE + f"runs/{segment}", json={"id": 1})
    make_client().runs.get(value)
    (call,) = api_calls(rsps)
    assert call.request.url == BASE + f"runs/{segment}"
    assert urlsplit(call.request.url).path == f"/api/runs/{segment}"


def test_path_value_encodes_exactly_once():
    # Nothing it accepts needs escaping; it must never come back escaped twice.
    for value, segment in GOOD_SEGMENTS:
        assert path_value(value, "id") == segment
    with pytest.raises(ValueError, match="run_id"):
        path_value("a/b", "run_id")


def test_an_optional_segment_is_left_out_only_when_none(rsps, tokens):
    rsps.get(BASE + "proposals/by_number/900/runs", json={})
    rsps.get(BASE + "proposals/by_number/900/runs/5", json={})
    client = make_client()
    client.get_runs_by_proposal_number_api(900)
    client.get_runs_by_proposal_number_api(900, 5)
    paths = [urlsplit(c.request.url).path for c in api_calls(rsps)]
    assert paths == ["/api/proposals/by_number/900/runs", "/api/proposals/by_number/900/runs/5"]


# -- paging ------------------------------------------------------------------------

BAD_PAGING = [
    {"page": 0}, {"page": -1}, {"page": True}, {"page": "1"}, {"page": 1.0}, {"page": None},
    {"page_size": 0}, {"page_size": -5}, {"page_size": 501}, {"page_size": True},
    {"page_size": False}, {"page_size": "100"}, {"page_size": 100.0},
]


@pytest.mark.parametrize("kwargs", BAD_PAGING, ids=[repr(k) for k in BAD_PAGING])
def test_bad_paging_is_refused_before_anything_is_sent(rsps, tokens, kwargs):
    client = make_client()
    with pytest.raises(ValueError):
        client.runs.list(**kwargs)
    with pytest.raises(ValueError):
        client.get_all_data_group_types_api(**kwargs)
    with pytest.raises(ValueError):
        client.get_all_runs_by_run_number_api(1, **kwargs)
    if "page_size" in kwargs:
        with pytest.raises(ValueError):
            list(client.runs.iter(page_size=kwargs["page_size"]))
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("page, page_size", [(1, 1), (1, 500), (3, 100), (10 ** 6, 250)])
def test_valid_paging_is_sent_as_given(rsps, tokens, page, page_size):
    rsps.get(BASE + "data_group_types/", json=[{"id": 1}])
    make_client().get_all_data_group_types_api(page=page, page_size=page_size)
    (call,) = api_calls(rsps)
    assert call.request.params == {"page": str(page), "page_size": str(page_size)}


def test_page_values_helper():
    assert page_values(1, 500) == {"page": 1, "page_size": 500}
    for page, size in [(0, 1), (1, 0), (1, 501), (True, 1), (1, False)]:
        with pytest.raises(ValueError):
            page_values(page, size)


# -- records and filters ----------------------------------------------------------------

@pytest.mark.parametrize("record", ["run", 5, None, ("a", 1), 1.5, b"{}", True],
                         ids=lambda r: type(r).__name__)
def test_records_that_are_not_dicts_raise_type_error(rsps, tokens, record):
    client = make_client()
    with pytest.raises(TypeError):
        client.create_run_api(record)
    with pytest.raises(TypeError):
        client.update_run_api(1, record)
    with pytest.raises(TypeError):
        client.create_proposal_api(record)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("value", [None, True, "a\r\nb", "a\x00", [1], {"a": 1}, 2 ** 63],
                         ids=lambda v: repr(v)[:16])
def test_bad_filter_values_are_refused_before_anything_is_sent(rsps, tokens, value):
    client = make_client()
    with pytest.raises(ValueError):
        client.get_all_data_group_types_by_name_api(value)
    with pytest.raises(ValueError):
        client.runs.list(run_number=value)
    assert len(rsps.calls) == 0


def test_unknown_filters_and_fields_are_refused_before_anything_is_sent(rsps, tokens):
    client = make_client()
    with pytest.raises(ValueError, match="no_such_filter"):
        client.runs.list(no_such_filter=1)
    with pytest.raises(ValueError, match="no_such_field"):
        client.runs.update(1, no_such_field=1)
    assert len(rsps.calls) == 0


def test_query_values_are_encoded_by_requests_not_by_hand(rsps, tokens):
    rsps.get(BASE + "data_group_types/", json=[{"id": 1}])
    make_client().get_all_data_group_types_by_name_api("a b/c&d=e")
    (call,) = api_calls(rsps)
    assert call.request.params["name"] == "a b/c&d=e"
    assert "name=a+b%2Fc%26d%3De" in call.request.url


# -- api_get and friends stay on the API origin ----------------------------------------

FOREIGN = [
    "https://evil.example.net/api/runs/1",
    "http://mdc.example.org/api/runs/1",
    "https://mdc.example.org:8443/api/runs/1",
    "https://mdc.example.org.evil.example.net/api/runs/1",
    "https://mdc.example.org@evil.example.net/api/runs/1",
    "https://user:pw@mdc.example.org/api/runs/1",
    "//evil.example.net/api/runs/1",
    "runs/1",
    "/api/runs/1",
    "",
    "https://mdc.example.org/api/runs/1\r\nX-Injected: 1",
    5,
    None,
]


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("url", FOREIGN, ids=lambda u: repr(u)[:40])
def test_api_methods_refuse_urls_outside_the_api_origin(rsps, tokens, method, url):
    client = make_client()
    with pytest.raises(ValueError):
        getattr(client, f"api_{method}")(url)
    assert len(rsps.calls) == 0, "the token (or the request) left for another origin"


def test_api_get_under_the_origin_works_and_carries_the_token(rsps, tokens):
    rsps.get(BASE + "runs/1", json={"id": 1})
    rsps.get(HOST + "/other/path", json={})
    client = make_client()
    assert client.api_get(BASE + "runs/1").json() == {"id": 1}
    assert client.api_get(client.get_api_url("runs", "/1")).status_code == 200
    assert client.api_get(HOST + "/other/path").status_code == 200
    assert all(c.request.headers["Authorization"].startswith("Bearer ") for c in api_calls(rsps))


@pytest.mark.parametrize("kwargs", [{"verify": False}, {"auth": ("a", "b")}, {"proxies": {}},
                                    {"cert": "x"}, {"stream": True}])
def test_api_methods_refuse_requests_options_that_bypass_the_transport(rsps, tokens, kwargs):
    with pytest.raises(TypeError):
        make_client().api_get(BASE + "runs/1", **kwargs)
    assert len(rsps.calls) == 0


def test_api_methods_refuse_header_injection(rsps, tokens):
    with pytest.raises(ValueError):
        make_client().api_get(BASE + "runs/1", headers={"X-Note": "a\r\nX-Evil: 1"})
    assert len(rsps.calls) == 0


def test_requestor_check_url_directly():
    requestor = Requestor(transport=None, base_api_url=BASE)  # type: ignore[arg-type]
    assert requestor.check_url(BASE + "runs/1") == BASE + "runs/1"
    for url in FOREIGN:
        with pytest.raises(ValueError):
            requestor.check_url(url)
