"""KPI summary tables: additive counters of the work orders, kept current by database triggers
in the same transaction as every write to ``work_order`` (see ``db/stats.py``).

Both are kept per township (``township_id``, migration 0014); the county's figures are the sum.

- ``order_stats_day``: one row per township and local (Beijing) day. The received-cohort counters are filed
  under the day the order was received, the callback counters under the day of the callback.
- ``order_stats_month``: the same counters per local month and per value of one dimension
  (village, grid, platform, department, category, channel); ``key`` is the value as text, ''
  for none.

Nothing here depends on the current time: the "overdue" of an order still open is counted live
from ``work_order`` by the queries (``overdue_late`` holds only orders resolved after their due
time).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

# the additive counters, in the order of the table columns (handling_hours is a float)
COUNTERS = (
    "received",
    "closure_hit",
    "on_time_n",
    "on_time_hit",
    "contact_hit",
    "handling_n",
    "handling_hours",
    "overdue_n",
    "overdue_late",
    "supervised_hit",
    "redispatch_n",
    "redispatch_hit",
    "petitions_hit",
    "satisfaction_n",
    "satisfaction_hit",
)


class _Counters:
    received: Mapped[int] = mapped_column(Integer, default=0)
    closure_hit: Mapped[int] = mapped_column(Integer, default=0)
    on_time_n: Mapped[int] = mapped_column(Integer, default=0)
    on_time_hit: Mapped[int] = mapped_column(Integer, default=0)
    contact_hit: Mapped[int] = mapped_column(Integer, default=0)
    handling_n: Mapped[int] = mapped_column(Integer, default=0)
    handling_hours: Mapped[float] = mapped_column(Float, default=0.0)
    overdue_n: Mapped[int] = mapped_column(Integer, default=0)
    overdue_late: Mapped[int] = mapped_column(Integer, default=0)
    supervised_hit: Mapped[int] = mapped_column(Integer, default=0)
    redispatch_n: Mapped[int] = mapped_column(Integer, default=0)
    redispatch_hit: Mapped[int] = mapped_column(Integer, default=0)
    petitions_hit: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_n: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_hit: Mapped[int] = mapped_column(Integer, default=0)


class OrderStatsDay(_Counters, Base):
    __tablename__ = "order_stats_day"
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class OrderStatsMonth(_Counters, Base):
    __tablename__ = "order_stats_month"
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the local month
    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(20), primary_key=True)
