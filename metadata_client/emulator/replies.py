"""JSON responses, request-body decoding and pagination, shared by all handlers."""

from __future__ import annotations

import json
from typing import Any, Mapping

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from .errors import ApiError
from .fields import INT

JSON_TYPE = "application/json; charset=utf-8"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def dumps(body: Any) -> bytes:
    """Compact JSON (an empty list is exactly ``[]``)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "replace")


def reply(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response; ``body=None`` gives an empty body."""
    data = b"" if body is None else dumps(body)
    return Response(data, status=status, headers=dict(headers or {}), content_type=JSON_TYPE)


def error_reply(status: int, info: Any, headers: Mapping[str, str] | None = None) -> Response:
    """``{"info": info}`` with ``status``."""
    return reply({"info": info}, status, headers)


def no_content() -> Response:
    return reply(None, 204)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _body(request: Request, limit: int) -> bytes:
    environ = request.environ
    if environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated"):
        request.max_content_length = limit
        return request.get_data(cache=True)
    # Chunked upload: werkzeug would silently cut it at the limit, so count here.
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = environ["wsgi.input"].read(65536)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)


def read_json(request: Request, limit: int) -> Any:
    """The decoded JSON body (``{}`` when empty); 413/415/400 as ApiError."""
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, f"Unsupported Content-Type '{mimetype}': send application/json")
    try:
        data = _body(request, limit)
    except RequestEntityTooLarge:
        raise ApiError(413, f"Request body larger than {limit} bytes", {"Connection": "close"}) from None
    except (OSError, ValueError) as error:  # a broken chunked encoding
        raise ApiError(400, f"Unreadable request body: {error}", {"Connection": "close"}) from None
    if not data.strip():
        return {}
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, f"Malformed JSON body: {error}"[:300]) from None


def params_of(body: Any, key: str, accepted: frozenset[str]) -> dict[str, Any]:
    """The resource params: ``body[key]``, or the accepted top-level keys (Rails ``wrap_parameters``)."""
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    if key in body:
        params = body[key]
    else:
        params = {name: value for name, value in body.items() if name in accepted}
    if not isinstance(params, dict) or not params:
        raise ApiError(400, f"param is missing or the value is empty: {key}")
    return params


def paging(args: Mapping[str, str]) -> tuple[int, int]:
    """``(page, page_size)``: defaults 1 and 100, page >= 1, size clamped to 1..500."""
    page = INT.coerce(args.get("page"))
    size = INT.coerce(args.get("page_size"))
    page = page if isinstance(page, int) else 1
    size = size if isinstance(size, int) else DEFAULT_PAGE_SIZE
    return max(page, 1), min(max(size, 1), MAX_PAGE_SIZE)


def page_headers(total: int, page: int, page_size: int) -> dict[str, str]:
    return {
        "X-Total-Pages": str(-(-total // page_size)),
        "X-Count-Per-Page": str(page_size),
        "X-Current-Page": str(page),
        "X-Total-Count": str(total),
    }
