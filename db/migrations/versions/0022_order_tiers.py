"""work_order.handler_village_id, order_assist: the tiers with behaviour (issue #21, item 5)

- 就地办: an order dispatched to its village carries the village in ``handler_village_id`` (no
  platform, no department); the village's grid workers and cadres accept, handle and report it.
- 吹哨办: the order's department leads; each assisting department has a row in ``order_assist``
  (待签收 → 办理中 → 已反馈, or 已撤回 when the order is sent back or cancelled) and reports its
  part; the lead closes the order once every part has reported.

Existing orders keep their departments (``handler_village_id`` NULL, no assisting parts).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN with its foreign key (inline on SQLite, which cannot add a constraint
    # later): a batch rebuild of work_order would drop the KPI tables' triggers (db/stats.py)
    fk = op.f("fk_work_order_handler_village_id_village")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE work_order ADD COLUMN handler_village_id INTEGER CONSTRAINT {fk} REFERENCES village (id)"
        )
    else:
        op.add_column("work_order", sa.Column("handler_village_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, "work_order", "village", ["handler_village_id"], ["id"])
    op.create_index("ix_work_order_handler_village", "work_order", ["handler_village_id", "status"])
    op.create_table(
        "order_assist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["work_order.id"], name=op.f("fk_order_assist_order_id_work_order")),
        sa.ForeignKeyConstraint(["platform_id"], ["platform.id"], name=op.f("fk_order_assist_platform_id_platform")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_order_assist_department_id_department")
        ),
        sa.ForeignKeyConstraint(["accepted_by"], ["app_user.id"], name=op.f("fk_order_assist_accepted_by_app_user")),
        sa.ForeignKeyConstraint(["reported_by"], ["app_user.id"], name=op.f("fk_order_assist_reported_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_assist")),
    )
    op.create_index(op.f("ix_order_assist_order_id"), "order_assist", ["order_id"])
    op.create_index("ix_order_assist_platform_status", "order_assist", ["platform_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_order_assist_platform_status", table_name="order_assist")
    op.drop_index(op.f("ix_order_assist_order_id"), table_name="order_assist")
    op.drop_table("order_assist")
    op.drop_index("ix_work_order_handler_village", table_name="work_order")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_work_order_handler_village_id_village"), "work_order", type_="foreignkey")
    op.drop_column("work_order", "handler_village_id")  # SQLite 3.35+: DROP COLUMN, triggers kept
