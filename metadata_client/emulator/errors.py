"""The one exception the emulator's handlers raise to answer with an error."""

from __future__ import annotations

from typing import Any

NOT_FOUND = "Resource not found!"


class ApiError(Exception):
    """An error response: ``status`` and the body ``{"info": info}``."""

    def __init__(self, status: int, info: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, info)
        self.status = status
        self.info = info
        self.headers = headers or {}


def not_found(info: Any = NOT_FOUND) -> ApiError:
    """404 ``{"info": "Resource not found!"}`` (or another message)."""
    return ApiError(404, info)


def invalid(errors: dict[str, list[str]]) -> ApiError:
    """422 ``{"info": {field: [messages]}}``."""
    return ApiError(422, errors)


def bad_request(info: str) -> ApiError:
    """400 ``{"info": info}``."""
    return ApiError(400, info)
