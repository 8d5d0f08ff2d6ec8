"""audit log filter indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:11:39.792616
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain CREATE INDEX (not batch mode): the audit log's append-only triggers must stay
    op.create_index("ix_audit_log_action", "audit_log", ["action", "at"], unique=False)
    op.create_index("ix_audit_log_username", "audit_log", ["username", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_username", table_name="audit_log")
    op.drop_index("ix_audit_log_action", table_name="audit_log")
