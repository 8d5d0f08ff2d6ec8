"""The KPI summary tables (``order_stats_day``, ``order_stats_month``) and the triggers that keep
them current.

Why triggers: every write to ``work_order`` (each service transition, a callback, a duplicate
mark, a raw repair by an operator) must move the counters in the same transaction, or the KPI
page would drift from the orders. A row trigger on ``work_order`` subtracts the old row's
contribution and adds the new one's, on SQLite and on PostgreSQL alike; no write path can forget
it. The contribution of a row is a pure function of its columns: each counter's cohort and
condition in ``db/rules/kpi_defs.py``, the one definition the scan in ``db/queries/kpi.py`` is
built from too; so ``rebuild`` (a grouped scan) gives exactly what the triggers maintain;
``tests/test_kpi_stats.py`` checks both against the scan after random writes on both backends.

Counters are filed by the local (Beijing, UTC+8 all year: China has no daylight saving) day and
month of ``received_at`` (received cohort) or of ``callback_at`` (callback cohort).

Counters are kept per township (migration 0014): a township's user reads its own rows (db/scope.py),
the county sums them.

The DDL below is what migration 0014 installed, byte for byte (frozen in
db/migrations/frozen/stats_0014.py, as 0010's; ``tests/test_kpi_stats.py`` compares them): a
change to it, or to a definition in db/rules/kpi_defs.py, needs a new migration that drops and
recreates the triggers and calls ``rebuild``, with the SQL frozen for it (scripts/freeze_stats.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from db.models.stats import COUNTERS
from db.rules.kpi_defs import COHORTS, COUNTER_DEFS, Counter, Row

DIMENSION_COLUMNS = {
    "township": "township_id",
    "village": "village_id",
    "grid": "grid_id",
    "platform": "platform_id",
    "department": "department_id",
    "category": "category_id",
    "channel": "channel",
}
# the columns whose change can move a counter (an UPDATE touching only others skips the trigger)
WATCHED = (
    "township_id",
    "status",
    "duplicate_of_id",
    "received_at",
    "resolved_at",
    "due_at",
    "contacted_at",
    "supervised",
    "dispatched_at",
    "bounce_count",
    "redispatch_count",
    "channel",
    "callback_at",
    "satisfaction",
    *[c for c in DIMENSION_COLUMNS.values() if c != "channel"],
)
TRIGGERS_SQLITE = ("trg_order_stats_insert", "trg_order_stats_delete", "trg_order_stats_update")
PG_FUNCTION = "order_stats_apply"
PG_TRIGGER = "trg_order_stats"
PG_LOCK_FUNCTION = "order_stats_lock"
PG_LOCK_TRIGGER = "trg_order_stats_lock"
# the transaction-scoped advisory lock that serialises writers of work_order on PostgreSQL
# ('ords'); SQLite needs none (one writer at a time)
PG_LOCK_KEY = 0x6F726473


class _Dialect:
    def __init__(self, name: str):
        self.name = name
        self.pg = name == "postgresql"

    def day(self, x: str) -> str:
        return f"CAST(({x}) + INTERVAL '8 hours' AS DATE)" if self.pg else f"date({x}, '+8 hours')"

    def month(self, x: str) -> str:
        return (
            f"CAST(date_trunc('month', ({x}) + INTERVAL '8 hours') AS DATE)"
            if self.pg
            else f"date({x}, '+8 hours', 'start of month')"
        )


def _expr(counter: Counter, row: Row) -> str:
    """What one row of the counter's cohort adds to it, in SQL."""
    if counter.when is None:
        return "1"
    value = "1" if counter.value is None else counter.value(row)
    return f"CASE WHEN {counter.when(row)} THEN {value} ELSE {counter.zero} END"


def _exprs(d: _Dialect, r: str, part: str) -> dict[str, str]:
    """Every counter's expression for row alias ``r`` in one cohort (0 for the other's)."""
    row = Row(r, d.name)
    return {
        c: _expr(COUNTER_DEFS[c], row) if COUNTER_DEFS[c].cohort == part else COUNTER_DEFS[c].zero for c in COUNTERS
    }


def _where(r: str, part: str) -> str:
    return COHORTS[part].where(Row(r))


def _at(part: str) -> str:
    return COHORTS[part].at


def _upserts(d: _Dialect, rows: list[tuple[str, int]]) -> list[str]:
    """The two statements adding each ``(alias, sign)`` row's contribution (NEW with +1, OLD with
    -1): one per table, every contribution summed per key first and the keys written in
    ascending order. Each transaction thus locks day rows before month rows, each in key order,
    so two PostgreSQL writers cannot deadlock on the counters (an order's receipt day and its
    callback day, or OLD's and NEW's, would otherwise be locked in varying order)."""
    cols = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    dims = " UNION ALL ".join(f"SELECT '{dim}' AS dim, {{key_{dim}}} AS k" for dim in DIMENSION_COLUMNS)
    day_parts, month_parts = [], []
    for r, sign in rows:
        mul = "" if sign == 1 else "-"
        for part in COHORTS:
            ex = _exprs(d, r, part)
            vals = ", ".join(f"{mul}({ex[c]}) AS {c}" for c in COUNTERS)
            at, where = f"{r}.{_at(part)}", _where(r, part)
            day_parts.append(f"SELECT {r}.township_id AS township_id, {d.day(at)} AS day, {vals} WHERE {where}")
            keys = {
                f"key_{dim}": f"COALESCE(CAST({r}.{col} AS VARCHAR(20)), '')" for dim, col in DIMENSION_COLUMNS.items()
            }
            month_parts.append(
                f"SELECT {r}.township_id AS township_id, {d.month(at)} AS month, dd.dim, dd.k, "  # nosec B608
                f"{vals} "
                f"FROM ({dims.format(**keys)}) AS dd WHERE {where}"
            )
    day_set = ", ".join(f"{c} = order_stats_day.{c} + excluded.{c}" for c in COUNTERS)
    month_set = ", ".join(f"{c} = order_stats_month.{c} + excluded.{c}" for c in COUNTERS)
    return [
        f"INSERT INTO order_stats_day (township_id, day, {cols}) SELECT township_id, day, {sums} "  # nosec B608
        f"FROM ({' UNION ALL '.join(day_parts)}) AS x WHERE true GROUP BY township_id, day "
        f"ORDER BY township_id, day ON CONFLICT (township_id, day) DO UPDATE SET {day_set}",
        f"INSERT INTO order_stats_month (township_id, month, dim, key, {cols}) "  # nosec B608
        f"SELECT township_id, month, dim, k, {sums} "
        f"FROM ({' UNION ALL '.join(month_parts)}) AS x WHERE true GROUP BY township_id, month, dim, k "
        f"ORDER BY township_id, month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET {month_set}",
    ]


def trigger_ddl(dialect: str) -> list[str]:
    d = _Dialect(dialect)
    old, new, both = [("OLD", -1)], [("NEW", 1)], [("OLD", -1), ("NEW", 1)]

    def body(rows: list[tuple[str, int]], indent: str) -> str:
        return f"\n{indent}".join(stmt + ";" for stmt in _upserts(d, rows))

    if d.pg:
        # Writers would otherwise meet on the counter rows in varying order (a bulk dispatch
        # updates several orders; an order's receipt day and callback day differ) and could
        # deadlock. A statement trigger takes one advisory lock before the statement locks any
        # order row, held to the end of the transaction: writers of work_order queue like on
        # SQLite (they already queued on today's counter row), and two of them can only deadlock
        # over the same order, which one of them would have lost as an edit conflict anyway.
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
        return [
            f"""CREATE OR REPLACE FUNCTION {PG_LOCK_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
  RETURN NULL;
END
$fn$""",
            f"CREATE TRIGGER {PG_LOCK_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE ON work_order "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_LOCK_FUNCTION}()",
            f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {body(new, "    ")}
  ELSIF TG_OP = 'DELETE' THEN
    {body(old, "    ")}
  ELSIF {changed} THEN
    {body(both, "    ")}
  END IF;
  RETURN NULL;
END
$fn$""",
            f"CREATE TRIGGER {PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON work_order "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    ins, dele, upd = TRIGGERS_SQLITE
    return [
        f"CREATE TRIGGER {ins} AFTER INSERT ON work_order BEGIN\n  {body(new, '  ')}\nEND",
        f"CREATE TRIGGER {dele} AFTER DELETE ON work_order BEGIN\n  {body(old, '  ')}\nEND",
        f"CREATE TRIGGER {upd} AFTER UPDATE ON work_order WHEN {changed} BEGIN\n  {body(both, '  ')}\nEND",
    ]


def create_triggers(conn: Connection) -> None:
    for stmt in trigger_ddl(conn.dialect.name):
        conn.exec_driver_sql(stmt)


def drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for trigger, function in ((PG_TRIGGER, PG_FUNCTION), (PG_LOCK_TRIGGER, PG_LOCK_FUNCTION)):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON work_order")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name in TRIGGERS_SQLITE:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(conn: Connection) -> None:
    """Recompute both tables from ``work_order`` (a grouped scan), in the caller's transaction.
    For the migration's backfill, after a bulk load, and as a repair (``python -m db.cli
    rebuild-stats``)."""
    d = _Dialect(conn.dialect.name)
    cols = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTERS)
    conn.exec_driver_sql("DELETE FROM order_stats_day")
    conn.exec_driver_sql("DELETE FROM order_stats_month")
    day_parts, month_parts = [], []
    for part in COHORTS:
        ex = _exprs(d, "w", part)
        vals = ", ".join(f"{ex[c]} AS {c}" for c in COUNTERS)
        at = f"w.{_at(part)}"
        day_parts.append(
            f"SELECT w.township_id AS township_id, {d.day(at)} AS day, {vals} "  # nosec B608
            f"FROM work_order w WHERE {_where('w', part)}"
        )
        for dim, col in DIMENSION_COLUMNS.items():
            month_parts.append(
                f"SELECT w.township_id AS township_id, {d.month(at)} AS month, '{dim}' AS dim, "  # nosec B608
                f"COALESCE(CAST(w.{col} AS VARCHAR(20)), '') AS k, {vals} "
                f"FROM work_order w WHERE {_where('w', part)}"
            )
    conn.exec_driver_sql(
        f"INSERT INTO order_stats_day (township_id, day, {cols}) SELECT township_id, day, {sums} "  # nosec B608
        f"FROM ({' UNION ALL '.join(day_parts)}) AS x GROUP BY township_id, day"
    )
    conn.exec_driver_sql(
        f"INSERT INTO order_stats_month (township_id, month, dim, key, {cols}) "  # nosec B608
        f"SELECT township_id, month, dim, k, {sums} "
        f"FROM ({' UNION ALL '.join(month_parts)}) AS x GROUP BY township_id, month, dim, k"
    )


@contextmanager
def suspended(conn: Connection) -> Iterator[None]:
    """For a bulk load into an otherwise idle database: the triggers are dropped for the load,
    then recreated and the tables rebuilt (committed), even if the load fails."""
    drop_triggers(conn)
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        create_triggers(conn)
        rebuild(conn)
        conn.commit()
