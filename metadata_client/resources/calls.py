"""Send a declared endpoint with checked arguments."""

from __future__ import annotations

from typing import Any, Mapping

import requests

from ..requestor import Requestor, check_record, encode_body, page_values, query_value
from .spec import PAGING, Endpoint


def prepare(
    requestor: Requestor, endpoint: Endpoint, arguments: Mapping[str, Any]
) -> tuple[str, dict[str, Any] | None, bytes | None]:
    """Check ``arguments`` and return (url, query, body); raises before any I/O."""
    query: dict[str, Any] = {
        param: query_value(arguments[arg], arg)
        for arg, param in endpoint.query_map if arg not in PAGING
    }
    if endpoint.paged:
        query.update(page_values(arguments["page"], arguments["page_size"]))
    body = None
    if endpoint.body is not None:
        if endpoint.record is not None:
            check_record(arguments[endpoint.record], endpoint.record, endpoint.record_kind)
        body = encode_body(endpoint.body(dict(arguments)))
    return requestor.url(endpoint.path, arguments), query or None, body


def send(
    requestor: Requestor, endpoint: Endpoint, arguments: Mapping[str, Any]
) -> requests.Response:
    """Check the arguments, send the request and return the raw answer."""
    url, query, body = prepare(requestor, endpoint, arguments)
    return requestor.send(endpoint.method, url, query=query, body=body)
