"""From a declared endpoint and Python values to a checked HTTP request.

Everything a caller passes is checked here, before anything is sent: values
placed in URL paths, paging numbers, filter values and bodies. Answers are
turned into Python values, or into typed errors, for the modern API.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from functools import lru_cache
from typing import Any, Iterator, Mapping
from urllib.parse import quote, urlsplit

import requests

from .errors import APIError, RateLimitedError, UnparseableResponseError, error_for_status
from .transport import TRUNCATED, Transport, retry_after

MAX_PAGE_SIZE = 500
_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,255}\Z")
_INTEGER = re.compile(r"-?[0-9]+\Z")
_INT64 = 2 ** 63
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def path_value(value: Any, name: str) -> str:
    """Check a value that goes into a URL path and return it encoded.

    Accepts an int (64-bit) or a string of ASCII letters, digits, ``_``,
    ``.`` and ``-`` that is not only dots. Raises ValueError otherwise
    (``/``, ``..``, ``?``, ``#``, ``%``, whitespace, empty, None, bool, float).
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{name} must be an int or an identifier string, not {type(value).__name__}")
    text = str(value)
    if not _SEGMENT.match(text) or not text.strip("."):
        raise ValueError(
            f"{name}={text[:60]!r} is not a valid identifier: use an int or letters, digits, '_', '.', '-'"
        )
    if _INTEGER.match(text) and not -_INT64 <= int(text) < _INT64:
        raise ValueError(f"{name}={text[:60]} is out of the 64-bit integer range")
    return quote(text, safe="")


def query_value(value: Any, name: str) -> str | int | float:
    """Check a filter value sent in the query string."""
    if value is None:
        raise ValueError(f"{name} is required (got None)")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{name} must be a string or a number, not {type(value).__name__}")
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError(f"{name} contains control characters")
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        raise ValueError(f"{name}={value} is out of the 64-bit integer range")
    return value


def page_values(page: Any, page_size: Any) -> dict[str, int]:
    """Check paging numbers: ``page`` >= 1 and ``1 <= page_size <= 500``."""
    for name, value in (("page", page), ("page_size", page_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int, not {type(value).__name__}")
    if page < 1:
        raise ValueError(f"page must be 1 or more, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    return {"page": page, "page_size": page_size}


def header_value(value: Any, name: str) -> str:
    """Check a value sent as an HTTP header: a latin-1 string without CR/LF."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {type(value).__name__}")
    if _CONTROL.search(value):
        raise ValueError(f"{name} must not contain control characters (CR, LF, ...)")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"{name} must contain latin-1 characters only") from None
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} values cannot be sent as JSON")


def check_record(value: Any, name: str, kind: type | tuple[type, ...] = dict) -> Any:
    """Refuse a record that is not of ``kind`` (a dict; a list for bulk calls).

    A dict that only wraps its record (``{"run": ...}``) must wrap a dict.
    """
    if not isinstance(value, kind):
        wanted = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise TypeError(f"{name} must be a {wanted}, not {type(value).__name__}")
    if isinstance(value, dict) and len(value) == 1 and name in value and not isinstance(value[name], dict):
        raise TypeError(f"{name}[{name!r}] must be a dict, not {type(value[name]).__name__}")
    return value


def encode_body(body: Any) -> bytes:
    """Serialise a body as JSON; dates and datetimes become ISO 8601 strings."""
    try:
        return json.dumps(body, default=_json_default, allow_nan=False).encode("utf-8")
    except ValueError:
        raise ValueError("NaN and infinity cannot be sent: JSON has no such numbers") from None


@lru_cache(maxsize=512)
def _template(path: str) -> tuple[tuple[str, bool, bool], ...]:
    """Split a path template into (text, is_placeholder, optional) parts."""
    parts = []
    for piece in path.split("/"):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1]
            parts.append((name.rstrip("?"), True, name.endswith("?")))
        else:
            parts.append((piece, False, False))
    return tuple(parts)


class Requestor:
    """Builds URLs under the API base and sends checked requests."""

    def __init__(self, transport: Transport, base_api_url: str) -> None:
        self.transport = transport
        self.base_api_url = base_api_url
        base = urlsplit(base_api_url)
        self._origin = (base.scheme, base.netloc)

    def url(self, path: str, values: Mapping[str, Any] | None = None) -> str:
        """The absolute URL of ``path`` (a template such as ``runs/{run_id}``)."""
        values = values or {}
        out = []
        for text, placeholder, optional in _template(path):
            if not placeholder:
                out.append(text)
            elif optional and values.get(text) is None:
                continue
            else:
                out.append(path_value(values.get(text), text))
        return self.base_api_url + "/".join(out)

    def check_url(self, url: str) -> str:
        """Refuse an absolute URL outside the API's origin (the token would go with it)."""
        if not isinstance(url, str):
            raise ValueError(f"api_url must be a string, not {type(url).__name__}")
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin or _CONTROL.search(url):
            raise ValueError(f"api_url must be under {self.base_api_url}")
        return url

    def send(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        deadline: float | None = None,
    ) -> requests.Response:
        """Send a checked request and return the raw answer."""
        return self.transport.request(method, url, params=query, data=body, deadline=deadline)

    def json(self, method: str, url: str, **kwargs: Any) -> tuple[Any, requests.Response]:
        """Send and decode; raise a typed :class:`APIError` for error answers."""
        response = self.send(method, url, **kwargs)
        return decode(response), response


def decode(response: requests.Response) -> Any:
    """The JSON value of a success answer (None for an empty body).

    Raises the :mod:`~metadata_client.errors` class for the status, carrying
    the server's ``info``, or :class:`UnparseableResponseError`.
    """
    kw: dict[str, Any] = {
        "method": response.request.method if response.request else None,
        "url": response.url,
        "status": response.status_code,
    }
    if getattr(response, TRUNCATED, False):
        raise UnparseableResponseError("the answer was cut short", **kw)
    try:
        body = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        if response.status_code < 300:
            raise UnparseableResponseError("the answer is not JSON", **kw) from None
        body = None  # an error page (a proxy's HTML 502, a plain-text 429): the status decides
    if response.status_code < 300:
        return body
    info = body.get("info") if isinstance(body, dict) else None
    message = info if isinstance(info, str) else (
        "validation failed: " + json.dumps(info) if isinstance(info, dict) else "request failed"
    )
    cls = error_for_status(response.status_code)
    if cls is RateLimitedError:
        raise RateLimitedError(message, retry_after=retry_after(response), body=body, **kw)
    raise cls(message, body=body, **kw)


def pages(
    requestor: Requestor, url: str, query: Mapping[str, Any], page_size: int
) -> Iterator[list[Any]]:
    """Yield successive pages of a list endpoint until the last one.

    Follows ``X-Total-Pages`` when the server sends it, so a server that
    serves fewer records per page than asked never truncates the result.
    """
    page = 1
    while True:
        data, response = requestor.json("GET", url, query={**query, "page": page, "page_size": page_size})
        if not isinstance(data, list):
            raise APIError("expected a list", url=url, status=response.status_code, body=data)
        yield data
        total = response.headers.get("X-Total-Pages")
        if total is not None and total.isdigit():
            if page >= int(total):
                return
        elif len(data) < page_size:
            return
        if not data:
            return
        page += 1
