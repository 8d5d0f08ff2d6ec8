"""Buffered bulk inserts with SQLAlchemy Core, in foreign-key order.

Rows are plain dicts with explicit primary keys, so children can reference parents without
a round trip. Each table's buffer is flushed (with every buffer of a table it depends on
flushed first) once it reaches ``batch_size`` rows; every flush is its own transaction so
SQLite's WAL file stays small. On PostgreSQL, :meth:`BulkWriter.finish` moves each id
sequence past the largest explicit id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Connection, Table, text

from db.models import Base

ProgressFn = Callable[[str, int], None]


class BulkWriter:
    """Collects rows per table and inserts them in batches."""

    def __init__(self, conn: Connection, now: datetime, batch_size: int = 10_000):
        self.conn = conn
        self.batch_size = batch_size
        self.counts: dict[str, int] = {}
        self._order = list(Base.metadata.sorted_tables)
        self._rank = {t.name: i for i, t in enumerate(self._order)}
        self._buffers: dict[str, list[dict[str, Any]]] = {}
        self._templates: dict[str, dict[str, Any]] = {}
        self._columns: dict[str, frozenset[str]] = {}
        for table in self._order:
            self._templates[table.name] = _template(table, now)
            self._columns[table.name] = frozenset(c.name for c in table.columns)
            self._buffers[table.name] = []
            self.counts[table.name] = 0

    def add(self, table: Table, row: dict[str, Any]) -> None:
        """Buffer one row; columns left out get the model's scalar default (or ``now``)."""
        name = table.name
        if not row.keys() <= self._columns[name]:
            unknown = sorted(set(row) - self._columns[name])
            raise KeyError(f"{name}: unknown columns {unknown}")
        full = dict(self._templates[name])
        full.update(row)
        buf = self._buffers[name]
        buf.append(full)
        if len(buf) >= self.batch_size:
            self.flush(upto=name)

    def flush(self, upto: str | None = None) -> None:
        """Insert buffered rows of every table up to (and including) ``upto`` in FK order."""
        limit = self._rank[upto] if upto is not None else len(self._order) - 1
        pending = [t for t in self._order[: limit + 1] if self._buffers[t.name]]
        if not pending:
            return
        with self.conn.begin():
            for table in pending:
                rows = self._buffers[table.name]
                for start in range(0, len(rows), self.batch_size):
                    self.conn.execute(table.insert(), rows[start:start + self.batch_size])
                self.counts[table.name] += len(rows)
                self._buffers[table.name] = []

    def execute_many(self, statement: Any, params: list[dict[str, Any]]) -> None:
        """Run an UPDATE (or other statement) for many parameter sets in one transaction."""
        self.flush()
        with self.conn.begin():
            for start in range(0, len(params), self.batch_size):
                self.conn.execute(statement, params[start:start + self.batch_size])

    def finish(self) -> None:
        """Flush everything; on PostgreSQL reset every serial id sequence."""
        self.flush()
        if self.conn.dialect.name != "postgresql":
            return
        with self.conn.begin():
            for table in self._order:
                if "id" not in table.c or not table.c.id.primary_key:
                    continue
                self.conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"
                ))


def _template(table: Table, now: datetime) -> dict[str, Any]:
    """A row of defaults: scalar column defaults, ``now`` for callable ones, else None."""
    row: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is None:
            row[col.name] = None
        elif getattr(default, "is_scalar", False):
            row[col.name] = default.arg
        else:
            row[col.name] = now
    return row
