"""Township tenancy: the audit log and the KPI summary tables know their township (issue #17)

- ``audit_log.township_id``: the acting user's township (NULL for a county account or the
  system), filled for the existing rows from their user; the append-only triggers are lifted for
  the backfill and put back.
- ``order_stats_day`` and ``order_stats_month`` gain ``township_id`` in their keys (and the month
  table a ``township`` dimension): recreated, their triggers reinstalled and rebuilt from the
  orders (SQL frozen in db/migrations/frozen/stats_0014.py).
- A database with exactly one township (every database before this revision) assigns its users
  without a township to it: an existing single-township console upgrades in place.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.migrations.frozen import stats_0010, stats_0014

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_MESSAGE = "audit_log is append-only"


def _run(frozen, what: str) -> None:
    conn = op.get_bind()
    for stmt in getattr(frozen, f"{what}_{conn.dialect.name.upper()}"):
        conn.exec_driver_sql(stmt)


def _audit_triggers(install: bool) -> None:
    """0001's append-only triggers on audit_log, as 0001 wrote them."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
            if install:
                op.execute(
                    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                    f"BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END"
                )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse()")
        if install:
            op.execute(
                "CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{AUDIT_MESSAGE}'; END $$"
            )
            op.execute(
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()"
            )


def _counters() -> list[sa.Column]:
    return [
        sa.Column(c, sa.Float() if c == "handling_hours" else sa.Integer(), nullable=False) for c in stats_0014.COUNTERS
    ]


def _stats_tables(with_township: bool) -> None:
    def town() -> list[sa.Column]:  # a column belongs to one table: one for each
        return [sa.Column("township_id", sa.Integer(), nullable=False)] if with_township else []

    first = ("township_id",) if with_township else ()
    op.create_table(
        "order_stats_day",
        *town(),
        sa.Column("day", sa.Date(), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint(*first, "day", name=op.f("pk_order_stats_day")),
    )
    op.create_table(
        "order_stats_month",
        *town(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint(*first, "month", "dim", "key", name=op.f("pk_order_stats_month")),
    )


def upgrade() -> None:
    conn = op.get_bind()
    # users of a single-township database belong to it
    if conn.exec_driver_sql("SELECT COUNT(*) FROM township").scalar() == 1:
        conn.exec_driver_sql("UPDATE app_user SET township_id = (SELECT id FROM township) WHERE township_id IS NULL")

    _audit_triggers(install=False)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_audit_log_township_id_township"), "township", ["township_id"], ["id"])
        batch.create_index("ix_audit_log_township", ["township_id", "at"], unique=False)
    conn.exec_driver_sql(
        "UPDATE audit_log SET township_id = (SELECT township_id FROM app_user "
        "WHERE app_user.id = audit_log.user_id) WHERE user_id IS NOT NULL"
    )
    _audit_triggers(install=True)

    _run(stats_0010, "DROP")
    op.drop_table("order_stats_month")
    op.drop_table("order_stats_day")
    _stats_tables(with_township=True)
    _run(stats_0014, "TRIGGERS")
    _run(stats_0014, "REBUILD")


def downgrade() -> None:
    _run(stats_0014, "DROP")
    op.drop_table("order_stats_month")
    op.drop_table("order_stats_day")
    _stats_tables(with_township=False)
    _run(stats_0010, "TRIGGERS")
    _run(stats_0010, "REBUILD")
    _audit_triggers(install=False)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_township")
        batch.drop_constraint(op.f("fk_audit_log_township_id_township"), type_="foreignkey")
        batch.drop_column("township_id")
    _audit_triggers(install=True)
