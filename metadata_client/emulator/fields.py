"""Column value types: coercion of request values, storage in SQLite, JSON rendering.

The real server (Rails) accepts ids and numbers as strings, booleans as
``'true'``/``1``, ``''`` as null in typed columns, and several datetime
spellings.  Each type here turns a request value into the stored Python value,
``None``, or an :class:`Invalid` marker that the validator reports as a
field error (so a bad value yields a 422, never a 500).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_INT_RE = re.compile(r"[+-]?\d+")
_DT_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_TRUE = frozenset({"true", "t", "1", "on", "yes"})
_FALSE = frozenset({"false", "f", "0", "off", "no"})


@dataclass(frozen=True)
class Invalid:
    """A request value that could not be coerced, with the message it earns."""

    raw: Any
    message: str


def _valid_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class FieldType:
    """Base type: SQL affinity, coercion from JSON input, rendering to JSON."""

    sql = "TEXT"
    invalid_message = "is invalid"

    def coerce(self, value: Any) -> Any:
        """Return the storage value, ``None`` or an :class:`Invalid`."""
        raise NotImplementedError

    def render(self, stored: Any) -> Any:
        """Return the JSON value of a stored value."""
        return stored

    def parse_query(self, text: str) -> Any:
        """Coerce a query-string value (for exact-match filters)."""
        return self.coerce(text)


class IntType(FieldType):
    sql = "INTEGER"
    invalid_message = "is not a number"

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return Invalid(value, self.invalid_message)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return Invalid(value, self.invalid_message)
            if not value.is_integer():
                return Invalid(value, "must be an integer")
            value = int(value)
        elif isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            if not _INT_RE.fullmatch(text) or len(text) > 40:
                return Invalid(value, self.invalid_message)
            value = int(text)
        elif not isinstance(value, int):
            return Invalid(value, self.invalid_message)
        if not INT64_MIN <= value <= INT64_MAX:
            return Invalid(value, "is out of range")
        return value


class BoolType(FieldType):
    sql = "INTEGER"

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int) and value in (0, 1):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            if not text:
                return None
            if text in _TRUE:
                return 1
            if text in _FALSE:
                return 0
        return Invalid(value, self.invalid_message)

    def render(self, stored: Any) -> Any:
        return None if stored is None else bool(stored)


class StrType(FieldType):
    """Text.  Numbers become their string form (a proposal title may be an int).

    With ``json_ok`` a list or object is stored as its JSON text, for fields that
    hold JSON-looking strings verbatim (``files``, ``pdu_physical_names``).
    """

    def __init__(self, json_ok: bool = False) -> None:
        self.json_ok = json_ok

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return value if _valid_text(value) else Invalid(value, self.invalid_message)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if self.json_ok and isinstance(value, (list, dict)):
            text = json.dumps(value, ensure_ascii=False)
            return text if _valid_text(text) else Invalid(value, self.invalid_message)
        return Invalid(value, self.invalid_message)


class JsonType(FieldType):
    """Any JSON value, stored as JSON text and rendered back as JSON."""

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False)
        return text if _valid_text(text) else Invalid(value, self.invalid_message)

    def render(self, stored: Any) -> Any:
        return None if stored is None else json.loads(stored)

    def parse_query(self, text: str) -> Any:
        return Invalid(text, self.invalid_message)


class DateTimeType(FieldType):
    """Instants, stored as sortable UTC strings with milliseconds."""

    invalid_message = "is not a valid datetime"

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            return Invalid(value, self.invalid_message)
        if not value.strip():
            return None
        moment = parse_datetime(value)
        return Invalid(value, self.invalid_message) if moment is None else format_datetime(moment)


def parse_datetime(text: str) -> datetime | None:
    """Parse ISO-8601 and Ruby-style datetimes (no offset: local time); ``None`` if invalid."""
    match = _DT_RE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone | None = None
    if zone and zone.upper() in ("Z", "UTC", "GMT"):
        tz = timezone.utc
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz
        )
        # Without an offset the time is local: client and emulator share the machine's zone.
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def format_datetime(moment: datetime) -> str:
    """Render an aware datetime as ``YYYY-MM-DDTHH:MM:SS.mmm+00:00`` (UTC)."""
    utc = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}+00:00"
    )


def utc_now() -> str:
    """The current instant in storage format."""
    return format_datetime(datetime.now(timezone.utc))


INT = IntType()
BOOL = BoolType()
STR = StrType()
TEXT = StrType(json_ok=True)
DATETIME = DateTimeType()
JSON = JsonType()
