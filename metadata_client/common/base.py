"""4.2.1's ``Base``: the static normalisation helpers, over :mod:`metadata_client.normalise`."""

from __future__ import annotations

from typing import Any

from .. import normalise

__all__ = ["Base", "default_headers"]


def default_headers(user_email: str) -> dict[str, str]:
    """The headers every API request carries."""
    return {"content-type": "application/json", "Accept": "application/json; version=1",
            "X-User-Email": user_email}


class Base:
    """Static helpers of 4.2.1, kept for scripts that call them directly."""

    load_json_from_str = staticmethod(normalise.load_json_from_str)
    load_json_from_headers = staticmethod(normalise.pagination)
    format_response = staticmethod(normalise.format_response)
    response_success = staticmethod(normalise.response_success)
    response_error = staticmethod(normalise.response_error)

    @staticmethod
    def load_json_from_content(response: Any) -> Any:
        """The body of ``response`` parsed as 4.2.1 does (``''``/``'[]'`` give ``{}``)."""
        return normalise.load_json_from_str(response.content.decode("utf-8"))

    @staticmethod
    def unique_key_format_result(res: dict[str, Any], module_name: str,
                                 unique_id: Any = None) -> dict[str, Any]:
        """Keep the first record of a list result."""
        return normalise.first_record(res, module_name, unique_id)
