"""Generic record operations over the declared resources (the business rules).

Every resource's create, read, update, delete and list goes through this one
implementation: coercion, the ``prepare`` hook, the declared validations, the
nested ``*_attributes`` link rows, delete restrictions, and rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from .errors import ApiError, invalid, not_found
from .fields import BOOL, INT, FieldType, Invalid, utc_now
from .rules import Check, Lookup, Reference, Unique, report_invalid
from .schema import RESTRICT, Nested, Resource
from .store import Store

_NO_OP = ("", None)
_IN_CHUNK = 500
"""Owner ids per ``IN (...)`` query when fetching the linked records of many owners."""


def parse_id(text: Any) -> int:
    """A record id from a URL segment; anything else is an unknown record (404)."""
    value = INT.coerce(text) if isinstance(text, (str, int)) else None
    if not isinstance(value, int):
        raise not_found()
    return value


_T = TypeVar("_T")


def _coercers(resource: Resource) -> dict[str, Callable[[Any], Any]]:
    """Writable column name -> its type's coercion."""
    return {column.name: column.type.coerce for column in resource.fields if column.writable}


@dataclass(frozen=True)
class _RenderPlan:
    """How a resource's rows become JSON objects, derived once from its declaration."""

    columns: tuple[str, ...]
    """``id`` and the rendered columns, in output order."""
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    convert: tuple[tuple[str, Callable[[Any], Any]], ...]
    """Columns whose type renders the stored value differently (booleans, JSON)."""
    linked: tuple[tuple[Nested, str, str], ...]
    """Rendered nested links: the declaration, the link-id key and the look-up SQL (without ids)."""

    @classmethod
    def of(cls, resource: Resource) -> _RenderPlan:
        shown = [column for column in resource.fields if not column.hidden]
        columns = ("id", *(column.name for column in shown))
        convert = tuple(
            (column.name, column.type.render) for column in shown
            if type(column.type).render is not FieldType.render
        )
        linked = []
        for nested in resource.nested:
            if nested.render_as:
                link_key = f"{nested.table}_id"
                sql = (
                    f'SELECT t.*, l.id AS "{link_key}", l."{nested.owner}" AS "_owner_id" FROM "{nested.table}" l '
                    f'JOIN "{nested.target_table}" t ON t.id = l."{nested.target}" '
                    f'WHERE l."{nested.owner}" IN '
                )
                linked.append((nested, link_key, sql))
        return cls(columns, itemgetter(*columns), convert, tuple(linked))


class _KnownRows:
    """A look-up that remembers which referenced rows exist, for validating many new
    rows of one table in one transaction (rows of other tables cannot vanish meanwhile)."""

    def __init__(self, store: Store, table: str) -> None:
        self.store = store
        self.table = table
        self.found: set[tuple[str, Any]] = set()

    def exists(self, table: str, where: Mapping[str, Any], exclude_id: Any = None) -> bool:
        by_id = table != self.table and exclude_id is None and list(where) == ["id"]
        key = (table, where["id"]) if by_id else None
        if key is not None and key in self.found:
            return True
        found = self.store.exists(table, where, exclude_id)
        if found and key is not None:
            self.found.add(key)
        return found


@dataclass
class _LinkPlan:
    """What one ``*_attributes`` input does to the link table."""

    nested: Nested
    add: list[int] = field(default_factory=list)
    remove: list[int] = field(default_factory=list)
    relink: list[tuple[int, int]] = field(default_factory=list)


class Records:
    """Create, read, update, delete, list and render records of any resource."""

    def __init__(self, store: Store, resources: Iterable[Resource]) -> None:
        self.store = store
        self.resources = {resource.name: resource for resource in resources}
        self._dependents: dict[str, list[tuple[str, str]]] = {}
        for resource in self.resources.values():
            for column in resource.fields:
                if column.ref and column.on_delete == RESTRICT:
                    self._dependents.setdefault(column.ref, []).append((resource.table, column.name))
        self._plans = {name: _RenderPlan.of(resource) for name, resource in self.resources.items()}
        self._coercers = {name: _coercers(resource) for name, resource in self.resources.items()}

    def _derived(self, cache: Mapping[str, _T], resource: Resource, derive: Callable[[Resource], _T]) -> _T:
        """What ``derive`` makes of a resource: from the cache when it is one of ours."""
        value = cache.get(resource.name)
        if value is None or self.resources.get(resource.name) is not resource:
            value = derive(resource)
        return value

    # rendering ----------------------------------------------------------------

    def render(self, resource: Resource, row: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON object of a stored row."""
        return self.render_all(resource, (row,))[0]

    def render_all(self, resource: Resource, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The JSON objects of stored rows (nested links fetched for all rows at once)."""
        rows = rows if isinstance(rows, (list, tuple)) else list(rows)
        plan = self._derived(self._plans, resource, _RenderPlan.of)
        columns, pick = plan.columns, plan.pick
        out = [dict(zip(columns, pick(row))) for row in rows]
        for name, render in plan.convert:
            for item in out:
                item[name] = render(item[name])
        store = self.store
        for name, compute in resource.computed:
            for item, row in zip(out, rows):
                item[name] = compute(store, row)
        for nested, link_key, sql in plan.linked:
            linked = self._linked(nested, link_key, sql, [row["id"] for row in rows])
            for item in out:
                item[nested.render_as or ""] = linked.get(item["id"]) or []
        return out

    def _linked(self, nested: Nested, link_key: str, sql: str, owner_ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
        """Owner id -> its linked records (in link order), for many owners in few queries."""
        target = self.resources[nested.target_table]
        by_owner: dict[Any, list[dict[str, Any]]] = {}
        for start in range(0, len(owner_ids), _IN_CHUNK):
            chunk = owner_ids[start:start + _IN_CHUNK]
            rows = self.store.rows(f"{sql}({', '.join('?' * len(chunk))}) ORDER BY l.id", *chunk)
            for row, item in zip(rows, self.render_all(target, rows)):
                item[link_key] = row[link_key]
                by_owner.setdefault(row["_owner_id"], []).append(item)
        return by_owner

    # reads ----------------------------------------------------------------------

    def find(self, resource: Resource, ident: Any) -> dict[str, Any]:
        """The stored row, or 404 ``Resource not found!``."""
        row = self.store.get(resource.table, parse_id(ident))
        if row is None:
            raise not_found()
        return row

    def read(self, resource: Resource, ident: Any) -> dict[str, Any]:
        with self.store.lock:
            return self.render(resource, self.find(resource, ident))

    def page(
        self,
        resource: Resource,
        where: Mapping[str, Any],
        page: int,
        page_size: int,
        order: Sequence[str] = ("id",),
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of matching records (rendered) and the total count."""
        with self.store.lock:
            rows, total = self.page_rows(resource.table, where, page, page_size, order)
            return self.render_all(resource, rows), total

    def page_rows(
        self, table: str, where: Mapping[str, Any], page: int, page_size: int, order: Sequence[str] = ("id",)
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of stored rows and the total count (pages past the end are empty)."""
        with self.store.lock:
            total = self.store.count(table, **where)
            if total <= (page - 1) * page_size:
                return [], total
            return self.store.select(table, where, order, page_size, (page - 1) * page_size), total

    # writes -----------------------------------------------------------------------

    def coerce(self, resource: Resource, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[Nested, Any]]:
        """Split request params into coerced column values and nested inputs."""
        nested: dict[Nested, Any] = {}
        for item in resource.nested:
            if item.attr in params:
                nested[item] = params[item.attr]
        coercers = self._derived(self._coercers, resource, _coercers)
        values = {name: coercers[name](raw) for name, raw in params.items() if name in coercers}
        return values, nested

    @staticmethod
    def _new_record(resource: Resource, values: Mapping[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {column.name: None for column in resource.fields}
        record["id"] = None
        record.update(values)
        return record

    def create(self, resource: Resource, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and insert; returns the rendered record (422 on validation errors)."""
        values, nested = self.coerce(resource, params)
        with self.store.transaction():
            return self._save(resource, self._new_record(resource, values), None, values, nested)

    def update(self, resource: Resource, ident: Any, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and apply a partial update; returns the rendered record."""
        values, nested = self.coerce(resource, params)
        with self.store.transaction():
            old = self.find(resource, ident)
            return self._save(resource, {**old, **values}, old, values, nested)

    def _save(
        self,
        resource: Resource,
        record: dict[str, Any],
        old: Mapping[str, Any] | None,
        values: Mapping[str, Any],
        nested: Mapping[Nested, Any],
    ) -> dict[str, Any]:
        plans = self._validate(resource, Check(self.store, resource.table, record, old, frozenset(values)), nested)
        record["updated_at"] = utc_now()
        if old is None:
            record["created_at"] = record["updated_at"]
            row = {k: v for k, v in record.items() if k != "id"}
            record["id"] = self.store.insert(resource.table, row)
        else:
            changes = {k: v for k, v in record.items() if k != "id" and v != old.get(k)}
            self.store.update(resource.table, record["id"], changes)
        for plan in plans:
            self._apply(plan, record["id"])
        return self.render(resource, self.find(resource, record["id"]))

    def _validate(self, resource: Resource, check: Check, nested: Mapping[Nested, Any]) -> list[_LinkPlan]:
        """Run ``prepare`` and the validations on ``check.record``; the link plans, or 422."""
        if resource.prepare:
            resource.prepare(self.store, check.record, check.old)
        for rule in resource.checks:
            rule.check(check)
        report_invalid(check)
        plans = [self._plan(item, raw, check.record["id"], check) for item, raw in nested.items()]
        if check.errors:
            raise invalid(check.errors)
        return plans

    def delete(self, resource: Resource, ident: Any) -> None:
        """Delete a record and its link rows; 422 if dependent records restrict it."""
        with self.store.transaction():
            row = self.find(resource, ident)
            for table, column in self._dependents.get(resource.table, ()):
                if self.store.exists(table, {column: row["id"]}):
                    raise invalid(
                        {"base": [f"Cannot delete record because dependent {table.replace('_', ' ')} exist"]}
                    )
            self.store.delete(resource.table, row["id"])

    def bulk(self, resource: Resource, items: Any, list_key: str, update: bool = False) -> list[dict[str, Any]]:
        """Create (or update, by each item's ``id``) several records, all or none.

        Records whose validations cannot depend on each other (see :meth:`_independent`)
        are all validated first and then inserted in one statement run.
        """
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise ApiError(400, f"param is missing or the value is empty: {list_key}")
        with self.store.transaction():
            if update:
                return self._each(items, list_key, lambda item: self.update(resource, item.get("id"), item))
            if not self._independent(resource, items):
                return self._each(items, list_key, lambda item: self.create(resource, item))
            lookup, now = _KnownRows(self.store, resource.table), utc_now()
            rows = self._each(items, list_key, lambda item: self._new_row(resource, item, lookup, now))
            return self.render_all(resource, self.store.insert_many(resource.table, rows))

    @staticmethod
    def _each(items: list[dict[str, Any]], list_key: str, one: Callable[[dict[str, Any]], Any]) -> list[Any]:
        """``one`` for every item; the 422 errors of all items keyed ``<list_key>[i].<field>``."""
        results = []
        errors: dict[str, list[str]] = {}
        for index, item in enumerate(items):
            try:
                results.append(one(item))
            except ApiError as error:
                if error.status != 422:
                    raise
                for name, messages in error.info.items():
                    errors[f"{list_key}[{index}].{name}"] = messages
        if errors:
            raise invalid(errors)
        return results

    @staticmethod
    def _independent(resource: Resource, items: list[dict[str, Any]]) -> bool:
        """Whether new records' validations cannot depend on each other: no generated
        values, no uniqueness, no references into the same table, no link rows."""
        if resource.prepare is not None:
            return False
        for rule in resource.checks:
            if isinstance(rule, Unique) or (isinstance(rule, Reference) and rule.table == resource.table):
                return False
        attrs = [nested.attr for nested in resource.nested]
        return not any(attr in item for item in items for attr in attrs)

    def _new_row(self, resource: Resource, params: Mapping[str, Any], lookup: Lookup, now: str) -> dict[str, Any]:
        """A validated row to insert (no id), as :meth:`create` would store it."""
        values, nested = self.coerce(resource, params)
        record = self._new_record(resource, values)
        self._validate(resource, Check(lookup, resource.table, record, None, frozenset(values)), nested)
        record["updated_at"] = record["created_at"] = now
        del record["id"]
        return record

    # nested link rows ---------------------------------------------------------------

    def _plan(self, nested: Nested, raw: Any, owner_id: int | None, check: Check) -> _LinkPlan:
        plan = _LinkPlan(nested)
        if isinstance(raw, dict) and all(isinstance(v, dict) for v in raw.values()):
            raw = list(raw.values())
        if raw in _NO_OP or raw == []:
            return plan
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            check.add(nested.table, "is invalid")
            return plan
        target_name = nested.target[:-3] if nested.target.endswith("_id") else nested.target
        for item in raw:
            destroy = BOOL.coerce(item.get("_destroy")) == 1
            link_id = INT.coerce(item.get("id"))
            target = INT.coerce(item.get(nested.target))
            if isinstance(link_id, Invalid) or isinstance(target, Invalid):
                check.add(nested.table, "is invalid")
            elif link_id is not None:
                if owner_id is None or not self.store.exists(nested.table, {"id": link_id, nested.owner: owner_id}):
                    check.add(f"{nested.table}.id", "is invalid")
                elif destroy:
                    plan.remove.append(link_id)
                elif target is not None:
                    self._require(nested, target, target_name, check)
                    plan.relink.append((link_id, target))
            elif destroy:
                continue
            elif target is None:
                check.add(f"{nested.table}.{target_name}", "must exist")
            elif self._require(nested, target, target_name, check) and target not in plan.add:
                plan.add.append(target)
        return plan

    def _require(self, nested: Nested, target: int, target_name: str, check: Check) -> bool:
        if self.store.exists(nested.target_table, {"id": target}):
            return True
        check.add(f"{nested.table}.{target_name}", "must exist")
        return False

    def _apply(self, plan: _LinkPlan, owner_id: int) -> None:
        table, owner, target = plan.nested.table, plan.nested.owner, plan.nested.target
        for link_id in plan.remove:
            self.store.delete(table, link_id)
        for link_id, target_id in plan.relink:
            self.store.execute(f'UPDATE OR IGNORE "{table}" SET "{target}" = ? WHERE id = ?', target_id, link_id)
        for target_id in plan.add:
            self.store.execute(
                f'INSERT OR IGNORE INTO "{table}" ("{owner}", "{target}") VALUES (?, ?)', owner_id, target_id
            )
