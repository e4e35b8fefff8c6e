"""SQLite storage: schema derived from the resource declarations, seeding, reset.

One connection (``check_same_thread=False``) guarded by a re-entrant lock; a
request's writes run in one ``BEGIN IMMEDIATE`` transaction.  Foreign keys and
partial UNIQUE indexes back up the validations, so the rules hold even if a
validation were missed.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Sequence

from .fields import Invalid
from .schema import CASCADE, Field, Nested, Resource

FIRST_ID = 1000
"""New rows get ids from here on (above every seeded id)."""
SEED_TIME = "2024-01-01T00:00:00.000+00:00"
"""created_at/updated_at of seeded rows."""

SeedData = Mapping[str, Sequence[Mapping[str, Any]]]


def _q(name: str) -> str:
    return f'"{name}"'


_names: tuple[Any, tuple[str, ...]] = ((), ())
"""The last result description seen and its column names (one tuple, swapped atomically)."""


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    # A statement's description is one tuple for all of its rows: derive the names once.
    global _names
    names = _names
    description = cursor.description
    if names[0] is not description:
        names = _names = (description, tuple(column[0] for column in description))
    return dict(zip(names[1], row))


class Store:
    """The emulator's database.

    Test helpers: :meth:`count` (``count("runs", run_number=1)``), :meth:`get`
    (a stored row as a dict, or ``None``) and :meth:`select`.
    """

    def __init__(self, resources: Sequence[Resource], path: str = ":memory:") -> None:
        self.resources = {resource.table: resource for resource in resources}
        self.links: dict[str, Nested] = {
            nested.table: nested for resource in resources for nested in resource.nested
        }
        self.lock = threading.RLock()
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = _dict_row
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:" and not path.startswith("file::memory:"):
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._ddl = self._schema()
        self._sql_cache: dict[Any, str] = {}

    # schema ---------------------------------------------------------------

    def _column(self, column: Field) -> str:
        sql = f"{_q(column.name)} {column.type.sql}"
        if column.ref:
            sql += f" REFERENCES {_q(column.ref)}(id)"
            if column.on_delete == CASCADE:
                sql += " ON DELETE CASCADE"
        return sql

    def _schema(self) -> list[str]:
        statements = []
        for resource in self.resources.values():
            columns = ["id INTEGER PRIMARY KEY AUTOINCREMENT"]
            columns += [self._column(column) for column in resource.fields]
            statements.append(f"CREATE TABLE IF NOT EXISTS {_q(resource.table)} ({', '.join(columns)})")
            seen: set[frozenset[str]] = set()
            for rule in resource.uniques():
                if frozenset(rule.columns) in seen:
                    continue
                seen.add(frozenset(rule.columns))
                statements.append(self._unique_index(resource, rule.columns, rule.allow_blank))
                if rule.allow_blank:  # the partial index above cannot serve "= ?" look-ups
                    statements.append(
                        f"CREATE INDEX IF NOT EXISTS {_q('ix_' + resource.table + '_' + '_'.join(rule.columns))} "
                        f"ON {_q(resource.table)}({', '.join(_q(c) for c in rule.columns)})"
                    )
            for column in resource.fields:
                if column.ref or column.name in resource.filters:
                    statements.append(
                        f"CREATE INDEX IF NOT EXISTS {_q(f'ix_{resource.table}_{column.name}')} "
                        f"ON {_q(resource.table)}({_q(column.name)})"
                    )
        for link in self.links.values():
            owner = self._owner_of(link)
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {_q(link.table)} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                f"{_q(link.owner)} INTEGER NOT NULL REFERENCES {_q(owner)}(id) ON DELETE CASCADE, "
                f"{_q(link.target)} INTEGER NOT NULL REFERENCES {_q(link.target_table)}(id) ON DELETE CASCADE, "
                f"UNIQUE ({_q(link.owner)}, {_q(link.target)}))"
            )
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {_q(f'ix_{link.table}_{link.target}')} "
                f"ON {_q(link.table)}({_q(link.target)})"
            )
        return statements

    def _owner_of(self, link: Nested) -> str:
        return next(r.table for r in self.resources.values() if link in r.nested)

    @staticmethod
    def _unique_index(resource: Resource, columns: Sequence[str], allow_blank: bool) -> str:
        conditions = [f"{_q(c)} IS NOT NULL" for c in columns]
        if allow_blank:
            conditions += [f"{_q(c)} <> ''" for c in columns if resource.field_map[c].type.sql == "TEXT"]
        name = "ux_" + resource.table + "_" + "_".join(columns)
        return (
            f"CREATE UNIQUE INDEX IF NOT EXISTS {_q(name)} ON {_q(resource.table)}"
            f"({', '.join(_q(c) for c in columns)}) WHERE {' AND '.join(conditions)}"
        )

    def open(self, seed: SeedData, seed_name: str) -> None:
        """Create the schema; seed the database unless it already holds our data."""
        fingerprint = hashlib.sha256("\n".join(self._ddl).encode()).hexdigest()
        with self.transaction():
            self._conn.execute("CREATE TABLE IF NOT EXISTS emulator_meta (key TEXT PRIMARY KEY, value TEXT)")
            stored = self.value("SELECT value FROM emulator_meta WHERE key = 'schema'")
            if stored is not None and stored != fingerprint:
                raise RuntimeError(
                    f"{self.path} was created by another version of the emulator's schema; "
                    "remove it or choose another database file"
                )
            for statement in self._ddl:
                self._conn.execute(statement)
            if stored is None:
                self._conn.execute(
                    "INSERT INTO emulator_meta (key, value) VALUES ('schema', ?), ('seed', ?)",
                    (fingerprint, seed_name),
                )
                self._load(seed)

    def reset(self, seed: SeedData) -> None:
        """Replace every row with the seed and restart the id sequences."""
        with self.transaction():
            self._conn.execute("PRAGMA defer_foreign_keys = ON")
            for table in [*self.links, *reversed(self.resources)]:
                self._conn.execute(f"DELETE FROM {_q(table)}")
            self._load(seed)

    def _load(self, seed: SeedData) -> None:
        unknown = set(seed) - set(self.resources) - set(self.links)
        if unknown:
            raise ValueError(f"seed names unknown tables: {sorted(unknown)}")
        for resource in self.resources.values():
            for row in seed.get(resource.table, ()):
                self._conn.execute(*self._insert_sql(resource.table, seed_record(self, resource, row, SEED_TIME)))
        for table in self.links:
            for row in seed.get(table, ()):
                self._conn.execute(*self._insert_sql(table, dict(row)))
        self._conn.execute("DELETE FROM sqlite_sequence")
        for table in [*self.resources, *self.links]:
            top = self.value(f"SELECT MAX(id) FROM {_q(table)}")
            self._conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                (table, max(FIRST_ID - 1, top or 0)),
            )

    # transactions -----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and run the block in one transaction (nested: joins it)."""
        with self.lock:
            if self._conn.in_transaction:
                yield self
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # queries ----------------------------------------------------------------

    @staticmethod
    def _where(where: Mapping[str, Any]) -> tuple[str, list[Any]]:
        # "= ?" rather than "IS ?": only "=" lets SQLite use the partial UNIQUE indexes.
        if not where:
            return "", []
        terms = [f"{_q(k)} IS NULL" if v is None else f"{_q(k)} = ?" for k, v in where.items()]
        return " WHERE " + " AND ".join(terms), [v for v in where.values() if v is not None]

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with self.lock:
            return self._conn.execute(sql, params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        with self.lock:
            row = self._conn.execute(sql, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def _sql(self, kind: str, table: str, where: Mapping[str, Any], build: Any) -> tuple[str, list[Any]]:
        """A statement cached by (kind, table, filtered columns and which are null) and its params."""
        key = (kind, table, tuple((k, v is None) for k, v in where.items()))
        sql = self._sql_cache.get(key)
        if sql is None:
            sql = self._sql_cache[key] = build(self._where(where)[0])
        return sql, [v for v in where.values() if v is not None]

    def exists(self, table: str, where: Mapping[str, Any], exclude_id: Any = None) -> bool:
        """Whether a row matches ``where`` (a ``None`` value matches null)."""
        kind = "exists" if exclude_id is None else "exists-but"

        def build(clause: str) -> str:
            if exclude_id is not None:
                clause += " AND id <> ?" if clause else " WHERE id <> ?"
            return f"SELECT 1 FROM {_q(table)}{clause} LIMIT 1"

        sql, params = self._sql(kind, table, where, build)
        if exclude_id is not None:
            params.append(exclude_id)
        return self.value(sql, *params) is not None

    def count(self, table: str, **where: Any) -> int:
        """How many rows of ``table`` match the equality filters."""
        sql, params = self._sql("count", table, where, lambda clause: f"SELECT COUNT(*) FROM {_q(table)}{clause}")
        return int(self.value(sql, *params))

    def get(self, table: str, id: Any) -> dict[str, Any] | None:
        """The stored row with this id (booleans as 0/1), or ``None``."""
        rows = self.select(table, {"id": id}, limit=1)
        return rows[0] if rows else None

    def select(
        self,
        table: str,
        where: Mapping[str, Any] | None = None,
        order: Sequence[str] = ("id",),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Rows matching the equality filters, in ``order`` (ascending)."""
        where = where or {}
        key = (table, tuple((k, v is None) for k, v in where.items()), tuple(order), limit is None)
        clause, params = self._where(where)
        sql = self._sql_cache.get(key)
        if sql is None:
            sql = f"SELECT * FROM {_q(table)}{clause} ORDER BY {', '.join(_q(c) for c in order)}"
            sql += "" if limit is None else " LIMIT ? OFFSET ?"
            self._sql_cache[key] = sql
        if limit is not None:
            params += [limit, offset]
        return self.rows(sql, *params)

    # writes -------------------------------------------------------------------

    def _insert_sql(self, table: str, row: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The INSERT statement for this table and column set (cached) and the row's values."""
        key = ("insert", table, tuple(row))
        sql = self._sql_cache.get(key)
        if sql is None:
            names = ", ".join(_q(k) for k in row)
            marks = ", ".join("?" for _ in row)
            sql = self._sql_cache[key] = f"INSERT INTO {_q(table)} ({names}) VALUES ({marks})"
        return sql, tuple(row.values())

    def insert(self, table: str, row: Mapping[str, Any]) -> int:
        """Insert a row and return its id."""
        _check_storable(row)
        with self.lock:
            cursor = self._conn.execute(*self._insert_sql(table, row))
        return int(cursor.lastrowid or 0)

    def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Insert rows without ids that share one column set, in one statement run; returns
        the stored rows in insertion order.  Must run inside :meth:`transaction`."""
        if not rows:
            return []
        columns = tuple(rows[0])
        for row in rows:
            _check_storable(row)
            if tuple(row) != columns or "id" in row:
                raise ValueError("insert_many needs rows without ids that share one column set")
        sql = self._insert_sql(table, rows[0])[0]
        with self.lock:
            if not self._conn.in_transaction:
                raise RuntimeError("insert_many must run inside a transaction")
            # AUTOINCREMENT: new ids exceed every id ever used, and the open write
            # transaction keeps other writers out, so the new rows are those above the top.
            top = self.value(f"SELECT MAX(id) FROM {_q(table)}") or 0
            self._conn.executemany(sql, [tuple(row.values()) for row in rows])
            stored = self.rows(f"SELECT * FROM {_q(table)} WHERE id > ? ORDER BY id", top)
        if len(stored) != len(rows):
            raise RuntimeError(f"inserted {len(rows)} rows into {table} but found {len(stored)}")
        return stored

    def update(self, table: str, id: Any, changes: Mapping[str, Any]) -> None:
        """Set columns of one row."""
        if not changes:
            return
        _check_storable(changes)
        sets = ", ".join(f"{_q(k)} = ?" for k in changes)
        with self.lock:
            self._conn.execute(f"UPDATE {_q(table)} SET {sets} WHERE id = ?", (*changes.values(), id))

    def execute(self, sql: str, *params: Any) -> int:
        """Run a write statement; returns the number of rows changed."""
        with self.lock:
            return self._conn.execute(sql, params).rowcount

    def delete(self, table: str, id: Any) -> int:
        """Delete one row (cascading to link rows); returns 1 or 0."""
        return self.execute(f"DELETE FROM {_q(table)} WHERE id = ?", id)

    def tables(self) -> list[str]:
        """The resource and link table names."""
        return [*self.resources, *self.links]

    def close(self) -> None:
        with self.lock:
            self._conn.close()


def _check_storable(row: Mapping[str, Any]) -> None:
    for name, value in row.items():
        if isinstance(value, Invalid):
            raise ValueError(f"refusing to store an invalid value in {name}")


def seed_record(store: Store, resource: Resource, row: Mapping[str, Any], now: str) -> dict[str, Any]:
    """A seed row coerced to storage values, with generated values filled in."""
    record: dict[str, Any] = {column.name: None for column in resource.fields}
    given = {"id": row["id"]}
    for name, value in row.items():
        if name == "id":
            continue
        coerced = resource.field_map[name].type.coerce(value)
        if isinstance(coerced, Invalid):
            raise ValueError(f"seed {resource.table} {row['id']}: bad {name}: {value!r}")
        given[name] = coerced
    record.update(given)
    if resource.prepare:
        resource.prepare(store, record, None)
    record.update(given)
    record["created_at"] = record["created_at"] or now
    record["updated_at"] = record["updated_at"] or now
    return record
