"""The shapes used to declare resources: fields, nested link attributes, resources.

A resource is data: its table, wrapper key, columns with types, filters,
validation rules (in the order the real server reports them), nested
``*_attributes`` link tables, values computed at rendering time and one
optional ``prepare`` hook for generated stored values.  Generic handlers
(``records.py``, ``api.py``) and the SQLite schema (``store.py``) are derived
from these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .fields import DATETIME, STR, FieldType
from .rules import Reference, Rule, Unique

if TYPE_CHECKING:
    from .store import Store

Computed = Callable[["Store", Mapping[str, Any]], Any]
Prepare = Callable[["Store", dict[str, Any], "Mapping[str, Any] | None"], None]

CASCADE = "CASCADE"
RESTRICT = "RESTRICT"


@dataclass(frozen=True)
class Field:
    """A stored column.

    ``ref`` names the referenced table (checked with ``must exist``; ``required``
    also rejects null); ``on_delete`` is what deleting the referenced row does.
    ``writable=False`` columns are generated; ``hidden`` columns are never rendered.
    """

    name: str
    type: FieldType = STR
    ref: str | None = None
    required: bool = False
    on_delete: str = RESTRICT
    writable: bool = True
    hidden: bool = False


@dataclass(frozen=True)
class Nested:
    """A ``<table>_attributes`` input that adds/removes link rows.

    Items are ``{target: id}`` (link), ``{"id": link_id, "_destroy": 1}`` (unlink)
    or ``{"id": link_id, target: id}`` (relink).  With ``render_as`` the owner's
    JSON carries the linked records, each with ``<table>_id`` (the link id).
    """

    table: str
    owner: str
    target: str
    target_table: str
    render_as: str | None = None

    @property
    def attr(self) -> str:
        return f"{self.table}_attributes"


@dataclass(frozen=True)
class Resource:
    """One REST resource under ``/api/<name>``.

    ``verbs`` is a subset of ``C`` (create), ``R`` (read one), ``U`` (update),
    ``D`` (delete), ``L`` (list with filters).
    """

    name: str
    key: str
    fields: tuple[Field, ...]
    verbs: str = "CRUDL"
    filters: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    nested: tuple[Nested, ...] = ()
    computed: tuple[tuple[str, Computed], ...] = ()
    prepare: Prepare | None = None
    field_map: dict[str, Field] = field(init=False, repr=False, compare=False)
    inputs: frozenset[str] = field(init=False, repr=False, compare=False)
    checks: tuple[Rule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        columns = self.fields + (
            Field("created_at", DATETIME, writable=False),
            Field("updated_at", DATETIME, writable=False),
        )
        object.__setattr__(self, "fields", columns)
        object.__setattr__(self, "field_map", {f.name: f for f in columns})
        writable = {f.name for f in columns if f.writable}
        object.__setattr__(self, "inputs", frozenset(writable | {n.attr for n in self.nested}))
        references = tuple(Reference(f.name, f.ref, f.required) for f in columns if f.ref)
        object.__setattr__(self, "checks", self.rules + references)
        unknown = [name for name in self.filters if name not in self.field_map]
        if unknown:
            raise ValueError(f"{self.name}: unknown filters {unknown}")

    @property
    def table(self) -> str:
        return self.name

    def uniques(self) -> tuple[Unique, ...]:
        """The uniqueness rules (each also becomes a partial UNIQUE index)."""
        return tuple(rule for rule in self.rules if isinstance(rule, Unique))
