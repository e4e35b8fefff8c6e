"""Generic record operations over the declared resources (the business rules).

Every resource's create, read, update, delete and list goes through this one
implementation: coercion, the ``prepare`` hook, the declared validations, the
nested ``*_attributes`` link rows, delete restrictions, and rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from .errors import ApiError, invalid, not_found
from .fields import BOOL, INT, Invalid, utc_now
from .rules import Check, report_invalid
from .schema import RESTRICT, Nested, Resource
from .store import Store

_NO_OP = ("", None)


def parse_id(text: Any) -> int:
    """A record id from a URL segment; anything else is an unknown record (404)."""
    value = INT.coerce(text) if isinstance(text, (str, int)) else None
    if not isinstance(value, int):
        raise not_found()
    return value


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

    # rendering ----------------------------------------------------------------

    def render(self, resource: Resource, row: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON object of a stored row."""
        out: dict[str, Any] = {"id": row["id"]}
        for column in resource.fields:
            if not column.hidden:
                out[column.name] = column.type.render(row[column.name])
        for name, compute in resource.computed:
            out[name] = compute(self.store, row)
        for nested in resource.nested:
            if nested.render_as:
                out[nested.render_as] = self._linked(nested, row["id"])
        return out

    def render_all(self, resource: Resource, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [self.render(resource, row) for row in rows]

    def _linked(self, nested: Nested, owner_id: int) -> list[dict[str, Any]]:
        target = self.resources[nested.target_table]
        link_key = f"{nested.table}_id"
        rows = self.store.rows(
            f'SELECT t.*, l.id AS "{link_key}" FROM "{nested.table}" l '
            f'JOIN "{nested.target_table}" t ON t.id = l."{nested.target}" '
            f'WHERE l."{nested.owner}" = ? ORDER BY l.id',
            owner_id,
        )
        return [{**self.render(target, row), link_key: row[link_key]} for row in rows]

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
        values: dict[str, Any] = {}
        nested: dict[Nested, Any] = {}
        for item in resource.nested:
            if item.attr in params:
                nested[item] = params[item.attr]
        for name, raw in params.items():
            column = resource.field_map.get(name)
            if column is not None and column.writable:
                values[name] = column.type.coerce(raw)
        return values, nested

    def create(self, resource: Resource, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and insert; returns the rendered record (422 on validation errors)."""
        values, nested = self.coerce(resource, params)
        with self.store.transaction():
            record: dict[str, Any] = {column.name: None for column in resource.fields}
            record["id"] = None
            record.update(values)
            return self._save(resource, record, None, values, nested)

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
        if resource.prepare:
            resource.prepare(self.store, record, old)
        check = Check(self.store, resource.table, record, old, frozenset(values))
        for rule in resource.checks:
            rule.check(check)
        report_invalid(check)
        plans = [self._plan(item, raw, record["id"], check) for item, raw in nested.items()]
        if check.errors:
            raise invalid(check.errors)
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
        """Create (or update, by each item's ``id``) several records, all or none."""
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise ApiError(400, f"param is missing or the value is empty: {list_key}")
        results = []
        errors: dict[str, list[str]] = {}
        with self.store.transaction():
            for index, item in enumerate(items):
                try:
                    if update:
                        results.append(self.update(resource, item.get("id"), item))
                    else:
                        results.append(self.create(resource, item))
                except ApiError as error:
                    if error.status != 422:
                        raise
                    for name, messages in error.info.items():
                        errors[f"{list_key}[{index}].{name}"] = messages
            if errors:
                raise invalid(errors)
        return results

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
