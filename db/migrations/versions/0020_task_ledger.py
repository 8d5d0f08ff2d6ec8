"""task, task_milestone, task_progress: the task ledger (任务台账) of the weekly meeting (issue #21, item 6)

A township's tasks with their lead and responsible units, owner, quantified standard and deadline,
their milestones and progress reports, closed (销号) on evidence. New tables only: existing
databases gain an empty ledger.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _versioned() -> list:
    return [
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("lead_unit", sa.String(length=60), nullable=False),
        sa.Column("responsible_units", sa.String(length=300), nullable=True),
        sa.Column("owner", sa.String(length=30), nullable=True),
        sa.Column("standard", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("last_report_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closing_evidence", sa.Text(), nullable=True),
        sa.Column("closing_reason", sa.String(length=500), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_versioned(),
        sa.CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name=op.f("ck_task_percent")),
        sa.ForeignKeyConstraint(["township_id"], ["township.id"], name=op.f("fk_task_township_id_township")),
        sa.ForeignKeyConstraint(["closed_by"], ["app_user.id"], name=op.f("fk_task_closed_by_app_user")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_task_created_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("township_id", "number", name="uq_task_township_number"),
    )
    op.create_index("ix_task_township_status_due", "task", ["township_id", "status", "due_on"])
    op.create_index("ix_task_closed_on", "task", ["closed_on"])
    op.create_table(
        "task_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_versioned(),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_milestone_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_milestone")),
        sa.UniqueConstraint("task_id", "title", name="uq_task_milestone_title"),
    )
    op.create_index(op.f("ix_task_milestone_task_id"), "task_milestone", ["task_id"])
    op.create_index("ix_task_milestone_open_due", "task_milestone", ["done_on", "due_on"])
    op.create_table(
        "task_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name=op.f("ck_task_progress_percent")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_progress_task_id_task")),
        sa.ForeignKeyConstraint(["reporter_id"], ["app_user.id"], name=op.f("fk_task_progress_reporter_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_progress")),
    )
    op.create_index(op.f("ix_task_progress_task_id"), "task_progress", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_task_progress_task_id"), table_name="task_progress")
    op.drop_table("task_progress")
    op.drop_index("ix_task_milestone_open_due", table_name="task_milestone")
    op.drop_index(op.f("ix_task_milestone_task_id"), table_name="task_milestone")
    op.drop_table("task_milestone")
    op.drop_index("ix_task_closed_on", table_name="task")
    op.drop_index("ix_task_township_status_due", table_name="task")
    op.drop_table("task")
