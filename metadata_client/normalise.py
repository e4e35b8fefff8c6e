"""The 4.2.1 result dict: ``{success, info, app_info, pagination, data}``.

:func:`format_response` follows 4.2.1's decision table row by row, with one
change: a body that is not JSON (an HTML 502 page, a cut answer) gives a
failure dict instead of raising.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from .transport import TRUNCATED

CREATE, DELETE, UPDATE, GET, SET = "CREATE", "DELETE", "UPDATE", "GET", "SET"

#: The status each action must answer with to count as a success.
SUCCESS_CODE = {CREATE: 201, GET: 200, UPDATE: 200, DELETE: 204, SET: 200}

_DONE = {CREATE: "{0} created successfully", UPDATE: "{0} updated successfully",
         GET: "Got {0} successfully", DELETE: "{0} deleted successfully",
         SET: "{0} set successfully"}
_FAILED = {CREATE: "Error creating {0}", UPDATE: "Error updating {0}",
           GET: "Error getting {0}", DELETE: "Error deleting {0}",
           SET: "Error setting {0}"}

PAGINATION_HEADERS = ("Date", "X-Total-Pages", "X-Count-Per-Page", "X-Current-Page", "X-Total-Count")


def status_text(status: int) -> str:
    """4.2.1's ``app_info`` for an error answer without an ``info`` key."""
    return f"HTTP request status code:{status}"


def load_json_from_str(text: str) -> Any:
    """Parse a body as 4.2.1 does: ``''`` and exactly ``'[]'`` become ``{}``.

    Raises ValueError when the text is not JSON.
    """
    if text in ("", "[]"):
        return {}
    return json.loads(text)


def pagination(response: Any) -> dict[str, str | None]:
    """The pagination headers of an answer (missing ones are None)."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return {}
    return {name: headers.get(name) for name in PAGINATION_HEADERS}


def response_success(module: str, action: str, pages: dict, data: Any) -> dict[str, Any]:
    """A success dict for ``action`` on ``module``."""
    if action not in _DONE:
        return response_error(module, action, data)
    return {"success": True, "info": _DONE[action].format(module), "app_info": {},
            "pagination": pages, "data": data}


def response_error(module: str, action: str, app_info: Any) -> dict[str, Any]:
    """A failure dict for ``action`` on ``module`` carrying ``app_info``."""
    info = _FAILED[action].format(module) if action in _FAILED else "ACTION is not correct!"
    return {"success": False, "info": info, "app_info": app_info, "pagination": {}, "data": {}}


def result(info: str, data: Any, success: bool = True, app_info: Any = None) -> dict[str, Any]:
    """A dict built by a multi-step facade method (no pagination, as in 4.2.1)."""
    return {"success": success, "info": info, "app_info": {} if app_info is None else app_info,
            "data": data}


def format_response(
    response: requests.Response, action: str, success_code: int, module: str
) -> dict[str, Any]:
    """Turn an HTTP answer into the result dict (4.2.1's decision table).

    Never raises for the answer's content: a body that is not JSON gives
    ``success`` False with ``app_info`` naming the status.
    """
    status = response.status_code
    if getattr(response, TRUNCATED, False):
        return response_error(module, action, status_text(status) + " (the answer was cut short)")
    try:
        content = load_json_from_str(response.content.decode("utf-8"))
    except ValueError:  # also UnicodeDecodeError
        suffix = " (the answer is not JSON)" if status == success_code else ""
        return response_error(module, action, status_text(status) + suffix)
    if status == success_code and content:
        return response_success(module, action, pagination(response), content)
    if status == 204 and not content:
        return response_success(module, action, pagination(response), content)
    if status == success_code and content == []:
        return response_success(module, action, pagination(response), content)
    if status == success_code and content == {}:
        return response_error(module, action, content)
    if isinstance(content, dict) and "info" in content:
        return response_error(module, action, content["info"])
    return response_error(module, action, status_text(status))


def first_record(res: dict[str, Any], module: str, unique_id: Any = None) -> dict[str, Any]:
    """4.2.1's ``unique_key_format_result``: keep the first record of a list result."""
    data = res.get("data")
    if data:
        first, info = data[0], res["info"]
    elif unique_id:
        first, info = {}, f'{module} "{unique_id}" could not be found!'
    else:
        first, info = {}, f"No {module} could be found respecting the specified search criteria"
    return {"success": res["success"], "info": info, "app_info": res["app_info"],
            "pagination": res.get("pagination", {}), "data": first}
