"""the county's 12345 platform and petition office (issue #23): an order's number, deadline and
receipt time there, the version last replied, and each township's way of reading their exports

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("external_source", sa.String(length=12)),
    ("external_no", sa.String(length=40)),
    ("external_due_at", sa.DateTime()),
    ("external_received_at", sa.DateTime()),
    ("reply_exported_version", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("work_order") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index(
        "uq_work_order_external", "work_order", ["township_id", "external_source", "external_no"], unique=True
    )
    op.create_index("ix_work_order_external_no", "work_order", ["external_no"])
    op.create_table(
        "external_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("villages", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["township_id"], ["township.id"], name=op.f("fk_external_profile_township_id_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_profile")),
        sa.UniqueConstraint("township_id", "kind", name="uq_external_profile_kind"),
    )


def downgrade() -> None:
    op.drop_table("external_profile")
    op.drop_index("ix_work_order_external_no", table_name="work_order")
    op.drop_index("uq_work_order_external", table_name="work_order")
    with op.batch_alter_table("work_order") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
