"""Validation rules with the real server's (Rails) messages.

Rules run in declaration order, so the order of the keys in an error body and
of the messages under each key is the order the rules are declared in a
resource.  Every rule reads the merged record (stored values with the request's
changes applied) and, on update, the stored record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from .fields import Invalid

TAKEN = "has already been taken"


class Lookup(Protocol):
    """What rules need from the store."""

    def exists(self, table: str, where: Mapping[str, Any], exclude_id: Any = None) -> bool: ...


@dataclass
class Check:
    """One validation pass over a record; collects ``field -> [messages]``."""

    lookup: Lookup
    table: str
    record: dict[str, Any]
    old: Mapping[str, Any] | None
    changed: frozenset[str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def value(self, name: str) -> Any:
        return self.record.get(name)


def _chars(count: int) -> str:
    return f"{count} character" if count == 1 else f"{count} characters"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Rule(Protocol):
    def check(self, check: Check) -> None: ...


@dataclass(frozen=True)
class Presence:
    name: str

    def check(self, check: Check) -> None:
        if _blank(check.value(self.name)):
            check.add(self.name, "can't be blank")


@dataclass(frozen=True)
class Length:
    name: str
    minimum: int | None = None
    maximum: int | None = None
    exactly: int | None = None
    message: str | None = None

    def check(self, check: Check) -> None:
        value = check.value(self.name)
        if isinstance(value, Invalid):
            return
        size = 0 if value is None else len(value if isinstance(value, str) else str(value))
        if self.exactly is not None and size != self.exactly:
            check.add(self.name, self.message or f"is the wrong length (should be {_chars(self.exactly)})")
        if self.minimum is not None and size < self.minimum:
            check.add(self.name, self.message or f"is too short (minimum is {_chars(self.minimum)})")
        if self.maximum is not None and size > self.maximum:
            check.add(self.name, self.message or f"is too long (maximum is {_chars(self.maximum)})")


@dataclass(frozen=True)
class Numericality:
    """An integer; with ``at_least`` it must be >= that other field's value."""

    name: str
    allow_nil: bool = False
    at_least: str | None = None

    def check(self, check: Check) -> None:
        value = check.value(self.name)
        if value is None:
            if not self.allow_nil:
                check.add(self.name, "is not a number")
            return
        if isinstance(value, Invalid):
            check.add(self.name, value.message)
            return
        floor = check.value(self.at_least) if self.at_least else None
        if isinstance(floor, int) and value < floor:
            check.add(self.name, f"must be greater than or equal to {floor}")


@dataclass(frozen=True)
class Format:
    name: str
    pattern: str
    message: str = "is invalid"

    def check(self, check: Check) -> None:
        value = check.value(self.name)
        if isinstance(value, Invalid):
            return
        if re.fullmatch(self.pattern, "" if value is None else str(value)) is None:
            check.add(self.name, self.message)


@dataclass(frozen=True)
class Inclusion:
    name: str
    values: tuple[str, ...]

    def check(self, check: Check) -> None:
        value = check.value(self.name)
        if value is not None and not isinstance(value, Invalid) and value not in self.values:
            check.add(self.name, "is not included in the list")


@dataclass(frozen=True)
class Immutable:
    """A value that may be re-sent unchanged but never changed after creation."""

    name: str
    also: tuple[str, ...] = ()

    def check(self, check: Check) -> None:
        if check.old is None or self.name not in check.changed:
            return
        if check.value(self.name) != check.old.get(self.name):
            for name in (self.name, *self.also):
                check.add(name, "cannot be updated")


@dataclass(frozen=True)
class Unique:
    """``name`` is unique within ``scope``; the error is reported on ``name``.

    ``allow_blank`` skips the check when any of the values involved is blank.
    """

    name: str
    scope: tuple[str, ...] = ()
    message: str = TAKEN
    allow_blank: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.name, *self.scope)

    def check(self, check: Check) -> None:
        values = {name: check.value(name) for name in self.columns}
        if any(isinstance(v, Invalid) for v in values.values()):
            return
        if self.allow_blank and any(_blank(v) for v in values.values()):
            return
        if check.lookup.exists(check.table, values, exclude_id=check.value("id")):
            check.add(self.name, self.message)


@dataclass(frozen=True)
class Reference:
    """A foreign key: the referenced row must exist (``must exist``)."""

    name: str
    table: str
    required: bool = False

    def check(self, check: Check) -> None:
        value = check.value(self.name)
        if isinstance(value, Invalid):
            return
        if value is None:
            if self.required:
                check.add(self.name, "must exist")
            return
        if not check.lookup.exists(self.table, {"id": value}):
            check.add(self.name, "must exist")


def report_invalid(check: Check) -> None:
    """Report values that could not be coerced and that no rule reported yet."""
    for name, value in check.record.items():
        if isinstance(value, Invalid) and value.message not in check.errors.get(name, ()):
            check.add(name, value.message)
