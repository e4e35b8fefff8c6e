"""4.2.1's ``Util`` helpers."""

from __future__ import annotations

import time
from typing import Any, Mapping

__all__ = ["Util"]


class Util:
    """Small helpers scripts written for 4.2.1 call."""

    @staticmethod
    def get_formatted_date(dt_format: str, epoch_val: float | None = None, dt_extra: str | None = None) -> str:
        """``time.strftime`` of ``epoch_val`` (now if None) in UTC, with ``dt_extra`` appended."""
        moment = time.gmtime() if epoch_val is None else time.gmtime(epoch_val)
        return time.strftime(dt_format, moment) + (dt_extra or "")

    @staticmethod
    def int_to_bool(int_value: Any) -> str:
        """``'true'`` for 1 (or ``'1'``), ``'false'`` otherwise."""
        return "true" if str(int_value) == "1" else "false"

    @staticmethod
    def get_opt_dict_val(h: Mapping[str, Any], element_name: str, def_val: Any = "") -> Any:
        """``h[element_name]`` if present, else ``def_val``."""
        return h[element_name] if element_name in h else def_val

    @staticmethod
    def get_opt_val(value: Any, def_val: Any = "") -> Any:
        """``str(value)`` if it is truthy, else ``def_val``."""
        return str(value) if value else def_val
