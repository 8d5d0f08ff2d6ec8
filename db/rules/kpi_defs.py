"""The order KPIs' counters (指标口径), each written once: its cohort and the condition under which
an order counts, as SQL over one ``work_order`` row.

Both places that count orders build their SQL from these definitions and from nothing else:

- ``db/stats.py``: the triggers and the rebuild of the summary tables (``order_stats_day``,
  ``order_stats_month``), over the row ``NEW`` / ``OLD`` (``w`` in the rebuild);
- ``db/queries/kpi.py``: the scan of ``work_order`` (the partial days and months at a window's
  edges, filtered views) and the drill-down lists, over the table ``work_order``.

So the summary tables and the scan count the same orders by construction. A KPI is a ratio (or
an average, or a count) of two counters (``METRICS``); an order past its due time and still open
is counted live by the queries (it depends on the clock, not on the row alone).

A change here changes the trigger SQL of ``db/stats.py``: it needs a new migration that drops
and recreates the triggers and rebuilds the tables, with that SQL frozen for it
(``scripts/freeze_stats.py <revision>``); ``tests/test_kpi_stats.py`` fails until then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from db.rules.sla import CONTACT_HOURS

CLOSED_DONE = ("resolved", "archived")  # 已办结, 已回访: a closed order
SATISFIED = ("satisfied", "basic")  # 满意, 基本满意


class Row:
    """One ``work_order`` row as SQL text: ``Row("NEW", "sqlite").status`` is ``NEW.status``.
    ``columns`` writes some columns otherwise (the scan's planner hint, db/queries/kpi.py);
    ``hours(start, end)`` is ``end - start`` in hours in the dialect's SQL (``dialect`` is
    needed only for that)."""

    def __init__(self, name: str, dialect: str | None = None, **columns: str) -> None:
        self._name = name
        self._dialect = dialect
        self._columns = columns

    def __getattr__(self, column: str) -> str:
        if column.startswith("_"):
            raise AttributeError(column)
        return self._columns.get(column, f"{self._name}.{column}")

    def hours(self, start: str, end: str) -> str:
        if self._dialect == "postgresql":
            return f"(EXTRACT(EPOCH FROM ({end}) - ({start})) / 3600.0)"
        if self._dialect == "sqlite":
            return f"((julianday({end}) - julianday({start})) * 24.0)"
        raise ValueError(f"hours in SQL need the dialect, not {self._dialect!r}")


Sql = Callable[[Row], str]


@dataclass(frozen=True)
class Cohort:
    at: str  # the time column the cohort is windowed and filed by (its local day and month)
    where: Sql  # which orders belong to it


@dataclass(frozen=True)
class Counter:
    """What one order of ``cohort`` adds to the counter: ``value`` (1 when None; the hours of
    ``handling_hours``) when ``when`` holds (always when None), else 0."""

    cohort: str
    when: Sql | None = None
    value: Sql | None = None

    @property
    def zero(self) -> str:
        return "0.0" if self.value is not None else "0"


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


COHORTS: dict[str, Cohort] = {
    # the orders received, not cancelled, not a duplicate of another
    "received": Cohort("received_at", lambda r: f"{r.status} <> 'cancelled' AND {r.duplicate_of_id} IS NULL"),
    # the orders with a rated callback
    "callback": Cohort("callback_at", lambda r: f"{r.callback_at} IS NOT NULL AND {r.satisfaction} IS NOT NULL"),
}


def _on_time_n(r: Row) -> str:
    return f"{r.resolved_at} IS NOT NULL AND {r.due_at} IS NOT NULL"


def _redispatch_n(r: Row) -> str:
    return f"{r.dispatched_at} IS NOT NULL"


# every counter of the summary tables, in the order of db/models/stats.py COUNTERS. A hit
# counter's condition is complete (it includes its base's): the triggers count it alone.
COUNTER_DEFS: dict[str, Counter] = {
    "received": Counter("received"),
    "closure_hit": Counter("received", lambda r: f"{r.status} IN ({_sql_list(CLOSED_DONE)})"),
    "on_time_n": Counter("received", _on_time_n),
    "on_time_hit": Counter("received", lambda r: f"{_on_time_n(r)} AND {r.resolved_at} <= {r.due_at}"),
    "contact_hit": Counter(
        "received",
        lambda r: f"{r.contacted_at} IS NOT NULL AND {r.hours(r.received_at, r.contacted_at)} <= {CONTACT_HOURS}",
    ),
    "handling_n": Counter("received", lambda r: f"{r.resolved_at} IS NOT NULL"),
    "handling_hours": Counter(
        "received", lambda r: f"{r.resolved_at} IS NOT NULL", value=lambda r: r.hours(r.received_at, r.resolved_at)
    ),
    "overdue_n": Counter("received", lambda r: f"{r.due_at} IS NOT NULL"),
    # resolved after the due time (an open order past it is counted live by the queries)
    "overdue_late": Counter(
        "received", lambda r: f"{r.due_at} IS NOT NULL AND {r.resolved_at} IS NOT NULL AND {r.resolved_at} > {r.due_at}"
    ),
    "supervised_hit": Counter("received", lambda r: r.supervised),
    "redispatch_n": Counter("received", _redispatch_n),
    "redispatch_hit": Counter(
        "received", lambda r: f"{_redispatch_n(r)} AND ({r.bounce_count} > 0 OR {r.redispatch_count} > 0)"
    ),
    "petitions_hit": Counter("received", lambda r: f"{r.channel} = 'petition'"),
    "satisfaction_n": Counter("callback"),
    "satisfaction_hit": Counter("callback", lambda r: f"{r.satisfaction} IN ({_sql_list(SATISFIED)})"),
}

# each order KPI of db/queries/kpi.py ORDER_METRICS -> (its sample counter, its hit counter);
# handling_days averages handling_hours over handling_n
METRICS: dict[str, tuple[str, str]] = {
    "closure": ("received", "closure_hit"),
    "on_time": ("on_time_n", "on_time_hit"),
    "contact": ("received", "contact_hit"),
    "satisfaction": ("satisfaction_n", "satisfaction_hit"),
    "handling_days": ("handling_n", "handling_hours"),
    "overdue": ("overdue_n", "overdue_late"),
    "supervised": ("received", "supervised_hit"),
    "redispatch": ("redispatch_n", "redispatch_hit"),
    "petitions": ("received", "petitions_hit"),
}
