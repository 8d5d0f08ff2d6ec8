"""Buffered bulk inserts in foreign-key order.

Rows are plain dicts with explicit primary keys, so children can reference parents without
a round trip. Each table's buffer is flushed (with every buffer of a table it depends on
flushed first) once it reaches ``batch_size`` rows; every flush is its own transaction so
SQLite's WAL file stays small.

For speed, rows are written as plain tuples, skipping SQLAlchemy's per-row parameter
processing (which cost more than the database itself): on SQLite with the driver's
``executemany`` on an INSERT rendered once per table (``Connection.exec_driver_sql``), on
PostgreSQL with ``COPY ... FROM STDIN`` through psycopg's copy API. Values are converted
the way SQLAlchemy's types store them: on SQLite a DateTime becomes
``YYYY-MM-DD HH:MM:SS.ffffff``, a Date ``YYYY-MM-DD`` and a Boolean 0/1; a JSON value is
serialised with ``json.dumps`` and a Python ``None`` becomes SQL NULL. On PostgreSQL,
:meth:`BulkWriter.finish` moves each id sequence past the largest explicit id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table, text
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from db.models import Base

Converter = Callable[[Any], Any]


def _sqlite_datetime(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")


def _sqlite_date(value: date) -> str:
    return value.isoformat()


def _json(value: Any) -> str:
    return json.dumps(value)


class _TableSpec:
    __slots__ = ("table", "columns", "colset", "template", "converters", "sql", "copy_sql")

    def __init__(self, table: Table, conn: Connection, now: datetime):
        dialect = conn.dialect
        sqlite = dialect.name == "sqlite"
        prep = dialect.identifier_preparer
        self.table = table
        self.columns = [c.name for c in table.columns]
        self.colset = frozenset(self.columns)
        self.template = _template(table, now)
        self.converters: list[tuple[int, Converter]] = []
        for i, col in enumerate(table.columns):
            if isinstance(col.type, JSON):
                self.converters.append((i, _json))
            elif sqlite and isinstance(col.type, DateTime):
                self.converters.append((i, _sqlite_datetime))
            elif sqlite and isinstance(col.type, Date):
                self.converters.append((i, _sqlite_date))
            elif sqlite and isinstance(col.type, Boolean):
                self.converters.append((i, int))
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(prep.quote(c) for c in self.columns)
        self.sql = (
            f"INSERT INTO {prep.format_table(table)} ({names}) "  # nosec B608
            f"VALUES ({', '.join([mark] * len(self.columns))})"
        )
        self.copy_sql = f"COPY {prep.format_table(table)} ({names}) FROM STDIN"

    def values(self, row: dict[str, Any]) -> tuple:
        if len(row) == len(self.columns):  # complete rows: a misspelt key raises KeyError
            out = [row[c] for c in self.columns]
        else:
            if not row.keys() <= self.colset:
                unknown = sorted(set(row) - self.colset)
                raise KeyError(f"{self.table.name}: unknown columns {unknown}")
            template = self.template
            out = [row[c] if c in row else template[c] for c in self.columns]
        for i, conv in self.converters:
            v = out[i]
            if v is not None:
                out[i] = conv(v)
        return tuple(out)


class BulkWriter:
    """Collects rows per table and inserts them in batches."""

    def __init__(self, conn: Connection, now: datetime, batch_size: int = 10_000):
        self.conn = conn
        self.batch_size = batch_size
        self.counts: dict[str, int] = {}
        self._order = list(Base.metadata.sorted_tables)
        self._rank = {t.name: i for i, t in enumerate(self._order)}
        self._specs = {t.name: _TableSpec(t, conn, now) for t in self._order}
        self._buffers: dict[str, list[tuple]] = {t.name: [] for t in self._order}
        self.counts = {t.name: 0 for t in self._order}
        self._copy = conn.dialect.name == "postgresql"

    def add(self, name: str, row: dict[str, Any]) -> None:
        """Buffer one row of table ``name``; columns left out get the model's scalar
        default (or ``now`` for a callable one)."""
        buf = self._buffers[name]
        buf.append(self._specs[name].values(row))
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
                spec = self._specs[table.name]
                if self._copy:
                    self._copy_rows(spec.copy_sql, rows)
                else:
                    for start in range(0, len(rows), self.batch_size):
                        self.conn.exec_driver_sql(spec.sql, rows[start : start + self.batch_size])
                self.counts[table.name] += len(rows)
                self._buffers[table.name] = []

    def _copy_rows(self, copy_sql: str, rows: list[tuple]) -> None:
        """PostgreSQL: stream rows with COPY on the connection's current transaction."""
        dbapi_conn: Any = self.conn.connection.driver_connection  # a psycopg Connection
        with dbapi_conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)

    def execute_many(self, statement: Any, params: list[dict[str, Any]]) -> None:
        """Run an UPDATE (or other statement) for many parameter sets in one transaction."""
        self.flush()
        with self.conn.begin():
            for start in range(0, len(params), self.batch_size):
                self.conn.execute(statement, params[start : start + self.batch_size])

    def finish(self) -> None:
        """Flush everything; on PostgreSQL reset every serial id sequence."""
        self.flush()
        if self.conn.dialect.name != "postgresql":
            return
        with self.conn.begin():
            for table in self._order:
                if "id" not in table.c or not table.c.id.primary_key:
                    continue
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                        f"COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"
                    )
                )


def _template(table: Table, now: datetime) -> dict[str, Any]:
    """A row of defaults: scalar column defaults, ``now`` for callable ones, else None."""
    row: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is None:
            row[col.name] = None
        elif isinstance(default, ScalarElementColumnDefault):
            row[col.name] = default.arg
        else:
            row[col.name] = now
    return row
