"""work_order's covering indexes end with township_id (issue #17)

A township's user reads its own orders only (db/scope.py adds ``township_id = ?`` to every
statement). The covering indexes of the counts and lists (home, supervision, weekly report, KPI
scans) did not hold ``township_id``, so each such read fetched every matching table row to test
it: the weekly page of one township of a million-order county cost 181 ms against 60 ms for the
whole county. With ``township_id`` as the last column the reads stay index-only for a township,
and the county's reads use the indexes as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> the columns before this revision (township_id is appended)
INDEXES = {
    "ix_work_order_status_due": ["status", "due_at", "supervised"],
    "ix_work_order_received_status": ["received_at", "status"],
    "ix_work_order_callback": [
        "callback_at",
        "satisfaction",
        "village_id",
        "department_id",
        "category_id",
        "platform_id",
        "grid_id",
        "channel",
    ],
    "ix_work_order_supervised": ["supervised", "status"],
    "ix_work_order_status_warn": ["status", "warn_at"],
    "ix_work_order_kpi": [
        "received_at",
        "status",
        "duplicate_of_id",
        "channel",
        "contacted_at",
        "dispatched_at",
        "due_at",
        "resolved_at",
        "supervised",
        "bounce_count",
        "redispatch_count",
        "village_id",
        "department_id",
        "category_id",
        "platform_id",
        "grid_id",
    ],
    "ix_work_order_status_received": ["status", "received_at", "due_at", "resolved_at", "duplicate_of_id"],
}


def _recreate(with_township: bool) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="work_order")
        op.create_index(name, "work_order", columns + (["township_id"] if with_township else []), unique=False)


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
