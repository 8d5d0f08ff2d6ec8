"""KPIs, weekly report and demo mode (issue #7): indexes for county-scale reads (issue #8)

- ``ix_work_order_kpi``: covers every column the KPI cohort reads (received_at range first), so a
  period's aggregate is an index-only scan instead of a table lookup per order;
- ``ix_work_order_callback`` widened with the dimensions (village, department, category, platform,
  grid, channel): satisfaction by dimension without a table lookup per callback;
- ``ix_work_order_status_received``: open (or cancelled) orders by receipt time, for counts and
  oldest-first lists bounded by status (carried-over items, the demo home's year numbers).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KPI_COLUMNS = [
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
]
CALLBACK_COLUMNS = [
    "callback_at",
    "satisfaction",
    "village_id",
    "department_id",
    "category_id",
    "platform_id",
    "grid_id",
    "channel",
]


def upgrade() -> None:
    op.create_index("ix_work_order_kpi", "work_order", KPI_COLUMNS, unique=False)
    op.create_index("ix_work_order_status_received", "work_order", ["status", "received_at"], unique=False)
    op.drop_index("ix_work_order_callback", table_name="work_order")
    op.create_index("ix_work_order_callback", "work_order", CALLBACK_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_work_order_callback", table_name="work_order")
    op.create_index("ix_work_order_callback", "work_order", ["callback_at", "satisfaction"], unique=False)
    op.drop_index("ix_work_order_status_received", table_name="work_order")
    op.drop_index("ix_work_order_kpi", table_name="work_order")
