"""Every 4.2.1 ``*_api`` method on the wire, row by row of ``data/upstream_api.tsv``.

For each row the method is called on a ``MetadataClient`` with sample values
(its defaults honoured), and the one request it sends is compared with the
row: verb, path (placeholders filled; the TSV's ``//`` collapsed, a deliberate
difference), exact query parameters and JSON body. The method must return the
``requests.Response`` itself.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
import requests
import responses

from compat_helpers import ANY_API, EMAIL, api_calls, api_rows, parse_params, wire

ROWS = api_rows()
STRINGS = {"name": "Some name", "identifier": "XFEL_GPFS_RAW", "data_source": "SA1/XTD2 det",
           "version_name": "v1.0 beta"}
NUMBERS = {"id", "number", "run_number", "proposal_number"}
OPTIONAL = re.compile(r"\[/\{(\w+)\} if (\w+)\]")


def sample_args(row: dict[str, str], variant: str) -> dict[str, Any]:
    """Sample values for the row's arguments without a default (and the variant's extras)."""
    casts = set(re.findall(r"int\((\w+)\)", row["body"]))
    values: dict[str, Any] = {}
    for index, (name, default) in enumerate(parse_params(row["arguments"])):
        if default is not inspect.Parameter.empty:
            continue
        if name in STRINGS:
            value: Any = STRINGS[name]
        elif name == "dataset_files_ids":
            value = [31, 32, 33]
        elif name.endswith("_list"):
            value = [{"filename": "r0001/a.h5", "byte_size": 10}, {"filename": "r0001/b.h5", "byte_size": 20}]
        elif name == "params":
            value = {"last_deployed_at": None, "flg_status": "D"}
        elif name.endswith("_id") or name in NUMBERS:
            value = 101 + index
        else:  # the record of a create or update
            value = {name: {"description": f"{name} rec", "flg_available": True, "size": 3}}
        values[name] = str(value) if name in casts else value
    if variant == "paging":
        values.update(page=3, page_size=25)
    if variant == "run_number":
        values["run_number"] = 7
    return values


def expected_path(row: dict[str, str], args: dict[str, Any]) -> str:
    path = OPTIONAL.sub(lambda m: f"/{{{m.group(1)}}}" if args.get(m.group(2)) is not None else "",
                        row["path"])
    path = re.sub(r"\{(\w+)\}", lambda m: str(args[m.group(1)]), path)
    return re.sub(r"/{2,}", "/", path)


def expected_query(row: dict[str, str], args: dict[str, Any]) -> dict[str, str]:
    names = [n for n, _ in parse_params(row["arguments"])]
    full = {n: args.get(n, d) for n, d in parse_params(row["arguments"])}
    params = [p for p in row["query"].split(",") if p]
    in_path = set(re.findall(r"\{(\w+)\}", row["path"]))
    out = {}
    for param in params:
        if param in names:
            out[param] = str(full[param])
        else:  # a renamed argument: the one argument used nowhere else
            spare = [n for n in names if n not in params and n not in in_path]
            assert len(spare) == 1, (row["method"], param, spare)
            out[param] = str(full[spare[0]])
    return out


def expected_body(row: dict[str, str], args: dict[str, Any]) -> Any:
    body = row["body"].strip()
    if not body:
        return None
    if body.startswith("the argument dict as given"):
        record = parse_params(row["arguments"])[-1][0]
        assert isinstance(args[record], dict)
        return args[record]
    if m := re.fullmatch(r"(\w+) as given", body):
        return args[m.group(1)]
    return eval(body, {"__builtins__": {}, "int": int}, dict(args))


def cases() -> list[Any]:
    out = []
    for row in ROWS:
        out.append(pytest.param(row, "defaults", id=f"{row['method']}"))
        if "page=1" in row["arguments"]:
            out.append(pytest.param(row, "paging", id=f"{row['method']}-paging"))
        if "run_number=None" in row["arguments"]:
            out.append(pytest.param(row, "run_number", id=f"{row['method']}-run_number"))
    return out


def test_the_table_has_the_132_methods() -> None:
    assert len(ROWS) == 132
    assert len({r["method"] for r in ROWS}) == 132


@pytest.mark.parametrize(("row", "variant"), cases())
def test_api_method_on_the_wire(mdc, rsps, row: dict[str, str], variant: str) -> None:
    answer = {"answered": row["method"]}
    for verb in ("GET", "POST", "PUT", "DELETE"):
        rsps.add(verb, ANY_API, json=answer, status=200)
    args = sample_args(row, variant)
    method = getattr(mdc, row["method"])
    if variant == "defaults":  # positional, the way 4.2.1 scripts call them
        response = method(*args.values())
    else:
        response = method(**args)

    assert isinstance(response, requests.Response)
    assert response.status_code == 200 and response.json() == answer
    calls = api_calls(rsps)
    assert len(calls) == 1
    verb, path, query, body = wire(calls[0])
    assert verb == row["verb"]
    assert path == expected_path(row, args)
    assert query == expected_query(row, args)
    assert body == expected_body(row, args)
    if variant == "defaults" and "page" in row["query"].split(","):
        assert (query["page"], query["page_size"]) == ("1", "100")
    headers = calls[0].request.headers
    assert headers["content-type"] == "application/json"
    assert headers["Accept"] == "application/json; version=1"
    assert headers["X-User-Email"] == EMAIL
    assert headers["Authorization"] == "Bearer tok-1"


def test_bulk_parameter_delete_casts_the_data_group_id(mdc, rsps) -> None:
    rsps.add(responses.POST, ANY_API, json={}, status=200)
    mdc.delete_bulk_parameter_api_by_data_group_id("0042")
    assert wire(api_calls(rsps)[0])[3] == {"parameter": {"data_group_id": 42}}


@pytest.mark.parametrize("bad", ["a/b", "..", None, True, False, "", "1 2", "x?y=1", 1.5])
def test_path_values_are_checked_before_sending(mdc, rsps, bad: Any) -> None:
    with pytest.raises(ValueError):
        mdc.get_run_by_id_api(bad)
    with pytest.raises(ValueError):
        mdc.get_proposal_by_number_api(bad)
    assert api_calls(rsps) == []


@pytest.mark.parametrize(("page", "page_size"), [(0, 100), (1, 0), (1, 501), (-1, 10), ("1", 100), (1, True)])
def test_paging_is_checked_before_sending(mdc, rsps, page: Any, page_size: Any) -> None:
    with pytest.raises(ValueError):
        mdc.get_all_samples_by_proposal_id_api(1, page, page_size)
    assert api_calls(rsps) == []


def test_paging_bounds_are_accepted(mdc, rsps) -> None:
    rsps.add(responses.GET, ANY_API, json=[], status=200)
    mdc.get_all_samples_by_proposal_id_api(1, 1, 500)
    mdc.get_all_samples_by_proposal_id_api(1, 9, 1)
    assert [wire(c)[2] for c in api_calls(rsps)] == [
        {"proposal_id": "1", "page": "1", "page_size": "500"},
        {"proposal_id": "1", "page": "9", "page_size": "1"},
    ]
