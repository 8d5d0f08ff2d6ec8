"""KPI summary tables kept current by triggers (issue #8)

``order_stats_day`` and ``order_stats_month`` (see ``db/models/stats.py``) hold the additive KPI
counters of the work orders per local day, and per local month and dimension value; row
triggers on ``work_order`` (``db/stats.py``) move them in the same transaction as every write.
The tables are backfilled from the orders already present.

Indexes for the reads that grow with the number of open orders (about 11,000 in the county
dataset against 100 in a township) and for the big screen's recently closed list:
``ix_work_order_status_due`` gains ``supervised`` and ``ix_work_order_status_received`` gains
``due_at``, ``resolved_at`` and ``duplicate_of_id`` (the weekly report's overdue/supervised and
carried-over counts and the KPIs' live count of open orders past due become index-only),
and ``ix_work_order_resolved`` (newest closures first without sorting a month of orders).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.migrations.frozen import stats_0010 as frozen
from db.migrations.frozen.stats_0010 import COUNTERS

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counters() -> list[sa.Column]:
    return [sa.Column(c, sa.Float() if c == "handling_hours" else sa.Integer(), nullable=False) for c in COUNTERS]


def upgrade() -> None:
    op.create_table(
        "order_stats_day",
        sa.Column("day", sa.Date(), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_order_stats_day")),
    )
    op.create_table(
        "order_stats_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint("month", "dim", "key", name=op.f("pk_order_stats_month")),
    )
    conn = op.get_bind()
    _run(conn, "TRIGGERS")
    _run(conn, "REBUILD")
    _index("ix_work_order_status_due", ["status", "due_at", "supervised"])
    _index("ix_work_order_status_received", ["status", "received_at", "due_at", "resolved_at", "duplicate_of_id"])
    op.create_index("ix_work_order_resolved", "work_order", ["resolved_at"], unique=False)


def _run(conn, what: str) -> None:
    """The statements of 0010 for this backend, as they were (db/migrations/frozen)."""
    for stmt in getattr(frozen, f"{what}_{conn.dialect.name.upper()}"):
        conn.exec_driver_sql(stmt)


def _index(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name="work_order")
    op.create_index(name, "work_order", columns, unique=False)


def downgrade() -> None:
    op.drop_index("ix_work_order_resolved", table_name="work_order")
    _index("ix_work_order_status_received", ["status", "received_at"])
    _index("ix_work_order_status_due", ["status", "due_at"])
    _run(op.get_bind(), "DROP")
    op.drop_table("order_stats_month")
    op.drop_table("order_stats_day")
