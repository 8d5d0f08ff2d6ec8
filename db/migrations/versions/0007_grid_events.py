"""grid events and work logs (issue #4, events part)

Adds the event timeline (``grid_event_step``), photos stored in the database
(``grid_event_photo``), the evaluation's rating and time on ``grid_event`` with an index for the
open list and the archive, and optimistic locking on ``work_log`` (one log per person per
day: the (staff, date) index becomes unique).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grid_event_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_grid_event_step_actor_id_app_user")),
        sa.ForeignKeyConstraint(["event_id"], ["grid_event.id"], name=op.f("fk_grid_event_step_event_id_grid_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_event_step")),
    )
    op.create_index("ix_grid_event_step_event", "grid_event_step", ["event_id", "at"])
    op.create_index("ix_grid_event_step_actor", "grid_event_step", ["actor_id", "event_id"])
    op.create_table(
        "grid_event_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["grid_event.id"], name=op.f("fk_grid_event_photo_event_id_grid_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_event_photo")),
    )
    op.create_index("ix_grid_event_photo_event_id", "grid_event_photo", ["event_id"])
    with op.batch_alter_table("grid_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rating", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("evaluated_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_grid_event_status_reported", ["status", "reported_at"], unique=False)
    with op.batch_alter_table("work_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False)
        )
        batch_op.drop_index("ix_work_log_staff_date")
        batch_op.create_index("ix_work_log_staff_date", ["staff_id", "log_date"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("work_log", schema=None) as batch_op:
        batch_op.drop_index("ix_work_log_staff_date")
        batch_op.create_index("ix_work_log_staff_date", ["staff_id", "log_date"], unique=False)
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
    with op.batch_alter_table("grid_event", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_event_status_reported")
        batch_op.drop_column("evaluated_at")
        batch_op.drop_column("rating")
    op.drop_index("ix_grid_event_photo_event_id", table_name="grid_event_photo")
    op.drop_table("grid_event_photo")
    op.drop_index("ix_grid_event_step_actor", table_name="grid_event_step")
    op.drop_index("ix_grid_event_step_event", table_name="grid_event_step")
    op.drop_table("grid_event_step")
