"""The shapes a resource is declared with (see :mod:`.table`).

An :class:`Endpoint` is one HTTP operation with its 4.2.1 method name and
argument list; a :class:`Resource` is one catalogue resource: its path, its
wrapper key, the verbs it supports, its finders and special endpoints, the
fields of its 4.2.1 module class, and that class's static methods.
Everything else (the ``*_api`` methods, the module classes, the managers) is
derived from these declarations.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from ..normalise import CREATE, DELETE, GET, UPDATE

PAGING = ("page", "page_size")
DEF_PAGE, DEF_PAGE_SIZE = 1, 100


_LITERALS: dict[str, Any] = {"None": None, "''": "", '""': "", "[]": [], "True": True, "False": False}


def _literal(text: str) -> Any:
    if text in _LITERALS:
        return _LITERALS[text]
    return int(text)  # the only other defaults the table uses


def parse_args(spec: str) -> tuple[inspect.Parameter, ...]:
    """Parse an argument list such as ``"a, b=None, page=1"`` into parameters."""
    params = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, default = (x.strip() for x in part.partition("="))
        params.append(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=_literal(default) if default else inspect.Parameter.empty))
    return tuple(params)


@dataclass(frozen=True)
class Endpoint:
    """One HTTP operation.

    ``args`` is the 4.2.1 argument list; ``query`` names the arguments sent as
    query parameters (``"arg:param"`` renames one); ``page`` and ``page_size``
    are sent whenever they are arguments. ``body`` builds the JSON body from
    the arguments; ``record`` names the argument that must be a ``record_kind``
    (a dict; a list for bulk calls).
    """

    api: str
    method: str
    path: str
    args: str = ""
    query: tuple[str, ...] = ()
    body: Callable[[dict[str, Any]], Any] | None = None
    record: str | None = None
    action: str = GET
    record_kind: type | tuple[type, ...] = dict

    @cached_property
    def params(self) -> tuple[inspect.Parameter, ...]:
        return parse_args(self.args)

    @cached_property
    def signature(self) -> inspect.Signature:
        return inspect.Signature(self.params)

    @cached_property
    def query_map(self) -> tuple[tuple[str, str], ...]:
        """(argument, query parameter) pairs, paging included."""
        pairs = [tuple(q.split(":")) if ":" in q else (q, q) for q in self.query]
        pairs += [(p, p) for p in PAGING if any(x.name == p for x in self.params)]
        return tuple(pairs)  # type: ignore[arg-type]

    @cached_property
    def paged(self) -> bool:
        return any(p.name == "page" for p in self.params)


def given(name: str) -> Callable[[dict[str, Any]], Any]:
    """A body that is the argument ``name`` as the caller gave it."""
    return lambda a: a[name]


@dataclass(frozen=True)
class Find:
    """A list endpoint: GET ``<resource>/<sub>`` filtered by ``args``."""

    api: str
    args: str = ""
    sub: str = ""
    paged: bool = True
    query: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Static:
    """A static method of a 4.2.1 module class.

    ``kind`` says what it does: ``call`` formats the answer of endpoint
    ``target``; ``first`` keeps the first record of static ``target``;
    ``create`` posts the wrapped dict, ``update`` puts the dict unwrapped,
    ``delete`` deletes by id; ``find_or_create`` returns static ``target``'s
    first record or creates one; ``update_or_create`` updates the first record
    static ``target`` finds, or creates one. ``fixed`` holds arguments the
    method passes on its own (``get_all_from_xfel`` asks for facility 1);
    ``action`` overrides the endpoint's action in the result's messages.
    """

    name: str
    target: str
    args: str | None = None
    kind: str = "call"
    fixed: tuple[tuple[str, Any], ...] = ()
    keys: tuple[str, ...] = ()
    action: str | None = None


@dataclass(frozen=True)
class Resource:
    """One catalogue resource, declared once."""

    path: str
    module: str
    cls: str
    fields: str
    verbs: str = "CRUD"
    finders: tuple[Find, ...] = ()
    extra: tuple[Endpoint, ...] = ()
    statics: tuple[Static, ...] = ()
    required: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    with_client: bool = True
    constants: tuple[tuple[str, Any], ...] = ()
    endpoints: dict[str, Endpoint] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.endpoints.update({e.api: e for e in self._crud() + self._finds() + self.extra})

    def _crud(self) -> tuple[Endpoint, ...]:
        m, member = self.module, f"{self.path}/{{{self.module}_id}}"
        verbs = {
            "C": Endpoint(f"create_{m}_api", "POST", f"{self.path}/", m, body=given(m), record=m, action=CREATE),
            "R": Endpoint(f"get_{m}_by_id_api", "GET", member, f"{m}_id"),
            "U": Endpoint(f"update_{m}_api", "PUT", member, f"{m}_id, {m}", body=given(m), record=m, action=UPDATE),
            "D": Endpoint(f"delete_{m}_api", "DELETE", member, f"{m}_id", action=DELETE),
        }
        return tuple(verbs[v] for v in self.verbs)

    def _finds(self) -> tuple[Endpoint, ...]:
        out = []
        for f in self.finders:
            names = tuple(p.name for p in parse_args(f.args))
            args = ", ".join(filter(None, [f.args, "page=1, page_size=100" if f.paged else ""]))
            out.append(Endpoint(f.api, "GET", f"{self.path}/{f.sub}", args,
                                query=f.query if f.query is not None else names))
        return tuple(out)

    @cached_property
    def filters(self) -> frozenset[str]:
        """Query parameters the collection endpoint accepts (for ``list``)."""
        return frozenset(
            q for e in self.endpoints.values()
            if e.method == "GET" and e.path == f"{self.path}/"
            for _, q in e.query_map if q not in PAGING
        )

    @cached_property
    def field_names(self) -> frozenset[str]:
        return frozenset(p.name for p in parse_args(self.fields)) | frozenset(self.writable)
