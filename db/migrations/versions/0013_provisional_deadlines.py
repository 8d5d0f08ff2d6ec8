"""Provisional deadlines: a handling clock that reaches a year whose official holiday schedule
is not entered is counted on the statutory holidays and marked 暂定

``work_order`` and ``platform_case`` gain ``due_workdays`` (the working days of the current
clock, extensions included, so the deadline can be recounted from its start) and
``due_provisional``. Existing rows were counted on entered schedules: not provisional, and
their working days are unknown (NULL).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("work_order", "platform_case")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("due_workdays", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("due_provisional", sa.Boolean(), server_default=sa.false(), nullable=False))
    # the open provisional deadlines are recounted when a year's schedule is entered
    op.create_index("ix_work_order_due_provisional", "work_order", ["due_provisional", "status"])
    op.create_index("ix_platform_case_due_provisional", "platform_case", ["due_provisional", "status"])


def downgrade() -> None:
    op.drop_index("ix_platform_case_due_provisional", table_name="platform_case")
    op.drop_index("ix_work_order_due_provisional", table_name="work_order")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("due_provisional")
            batch.drop_column("due_workdays")
