"""the four platforms (issue #6): case timeline, bounce counter, 综治 records

Adds the case timeline (``platform_case_event``), the bounce counter and meeting link on
``platform_case``, and 综治's records: the weekly screening of village reports, the monthly
analysis meeting, and floating-population registrations; the township of inspections and
enforcement reports (backfilled from their case, else the only township). Indexes for the desk and summary
lists (cases by creation time, hand-offs by push time).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _versioned() -> list:
    return [
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "analysis_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.String(length=500), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        *_versioned(),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_analysis_meeting_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["township_id"], ["township.id"], name=op.f("fk_analysis_meeting_township_id_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_meeting")),
    )
    op.create_index("ix_analysis_meeting_held", "analysis_meeting", ["township_id", "held_on"])
    op.create_table(
        "village_report_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("issues_found", sa.Integer(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=True),
        sa.Column("checked_by", sa.Integer(), nullable=True),
        *_versioned(),
        sa.ForeignKeyConstraint(
            ["checked_by"], ["app_user.id"], name=op.f("fk_village_report_check_checked_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_village_report_check_village_id_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_report_check")),
    )
    op.create_index("uq_village_report_check_week", "village_report_check", ["village_id", "week_start"], unique=True)
    op.create_table(
        "floating_resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        *_versioned(),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"], name=op.f("fk_floating_resident_village_id_village")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floating_resident")),
    )
    op.create_index("ix_floating_resident_village", "floating_resident", ["village_id", "registered_on"])
    op.create_table(
        "platform_case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=10), nullable=True),
        sa.Column("to_status", sa.String(length=10), nullable=False),
        sa.Column("to_platform_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_platform_case_event_actor_id_app_user")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["platform_case.id"], name=op.f("fk_platform_case_event_case_id_platform_case")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_platform_case_event_platform_id_platform")
        ),
        sa.ForeignKeyConstraint(
            ["to_platform_id"], ["platform.id"], name=op.f("fk_platform_case_event_to_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_case_event")),
    )
    op.create_index("ix_platform_case_event_case", "platform_case_event", ["case_id", "at"])
    if op.get_bind().dialect.name == "sqlite":
        # not batch mode: recreating platform_case (DROP + RENAME) would fail with foreign keys
        # on as soon as hand-offs, inspections or reports reference a case. SQLite adds both
        # columns in place, the foreign key as a column constraint.
        op.add_column("platform_case", sa.Column("bounce_count", sa.Integer(), server_default="0", nullable=False))
        op.execute(
            "ALTER TABLE platform_case ADD COLUMN meeting_id INTEGER CONSTRAINT "
            "fk_platform_case_meeting_id_analysis_meeting REFERENCES analysis_meeting (id)"
        )
        op.create_index("ix_platform_case_created", "platform_case", ["created_at"], unique=False)
    else:
        with op.batch_alter_table("platform_case", schema=None) as batch_op:
            batch_op.add_column(sa.Column("bounce_count", sa.Integer(), server_default="0", nullable=False))
            batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f("fk_platform_case_meeting_id_analysis_meeting"), "analysis_meeting", ["meeting_id"], ["id"]
            )
            batch_op.create_index("ix_platform_case_created", ["created_at"], unique=False)
    op.create_index("ix_handoff_pushed_at", "handoff", ["pushed_at"])
    for table, day in (("inspection", "inspected_on"), ("enforcement_report", "reported_at")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(op.f(f"fk_{table}_township_id_township"), "township", ["township_id"], ["id"])
            batch_op.create_index(f"ix_{table}_township", ["township_id", day], unique=False)
        _backfill_township(table)


def _backfill_township(table: str) -> None:
    """Place the rows written before this revision: the township of their case, else the only
    township when there is exactly one. Rows left NULL (several townships, no case) appear in no
    township's list and every service refuses them."""
    op.execute(
        sa.text(
            f"UPDATE {table} SET township_id = (SELECT pc.township_id FROM platform_case pc "  # nosec B608
            f"WHERE pc.id = {table}.case_id) WHERE township_id IS NULL AND case_id IS NOT NULL"
        )
    )
    op.execute(
        sa.text(
            f"UPDATE {table} SET township_id = (SELECT min(t.id) FROM township t) "  # nosec B608
            f"WHERE township_id IS NULL AND (SELECT count(*) FROM township) = 1"
        )
    )


def downgrade() -> None:
    for table in ("enforcement_report", "inspection"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_township")
            batch_op.drop_constraint(op.f(f"fk_{table}_township_id_township"), type_="foreignkey")
            batch_op.drop_column("township_id")
    op.drop_index("ix_handoff_pushed_at", table_name="handoff")
    with op.batch_alter_table("platform_case", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_case_created")
        if op.get_bind().dialect.name != "sqlite":  # SQLite: the column constraint goes with the column
            batch_op.drop_constraint(op.f("fk_platform_case_meeting_id_analysis_meeting"), type_="foreignkey")
        batch_op.drop_column("meeting_id")
        batch_op.drop_column("bounce_count")
    op.drop_index("ix_platform_case_event_case", table_name="platform_case_event")
    op.drop_table("platform_case_event")
    op.drop_index("ix_floating_resident_village", table_name="floating_resident")
    op.drop_table("floating_resident")
    op.drop_index("uq_village_report_check_week", table_name="village_report_check")
    op.drop_table("village_report_check")
    op.drop_index("ix_analysis_meeting_held", table_name="analysis_meeting")
    op.drop_table("analysis_meeting")
