"""desk_draft: the call a clerk is typing, kept per user until registered or discarded (issue #20)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_draft",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_desk_draft_user_id_app_user")),
        sa.ForeignKeyConstraint(["township_id"], ["township.id"], name=op.f("fk_desk_draft_township_id_township")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_desk_draft")),
    )


def downgrade() -> None:
    op.drop_table("desk_draft")
