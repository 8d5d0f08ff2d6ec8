"""township_setting, township_category_clock: the settings a township differs on (issue #19, item 3)

A township's range of households per party member (党员联户, 5-15 unless set) and its first-contact
clock, and its own clocks for categories of the county's catalogue (an empty value keeps the
catalogue's). No row: the defaults, so existing databases behave as before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "township_setting",
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("link_min", sa.Integer(), nullable=False),
        sa.Column("link_max", sa.Integer(), nullable=False),
        sa.Column("contact_hours", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.CheckConstraint("link_min >= 1 AND link_max >= link_min", name=op.f("ck_township_setting_link_range")),
        sa.ForeignKeyConstraint(
            ["township_id"], ["township.id"], name=op.f("fk_township_setting_township_id_township")
        ),
        sa.PrimaryKeyConstraint("township_id", name=op.f("pk_township_setting")),
    )
    op.create_table(
        "township_category_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("contact_hours", sa.Integer(), nullable=True),
        sa.Column("handling_workdays", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["township_id"], ["township.id"], name=op.f("fk_township_category_clock_township_id_township")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_township_category_clock_category_id_category")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_township_category_clock")),
        sa.UniqueConstraint("township_id", "category_id", name="uq_township_category_clock"),
    )
    op.create_index(op.f("ix_township_category_clock_category_id"), "township_category_clock", ["category_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_township_category_clock_category_id"), table_name="township_category_clock")
    op.drop_table("township_category_clock")
    op.drop_table("township_setting")
