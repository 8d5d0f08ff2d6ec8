"""One party-member record per resident: ``party_member.resident_id`` becomes unique

The roster services refuse to register a resident as a party member twice, but they check and
then insert: on PostgreSQL two transactions could both pass the check. The plain index on the
column is replaced by a unique one of the same use; NULLs (members with no resident record)
stay allowed.

An existing database that already has a resident registered twice cannot take the index: the
upgrade stops and names the party-member record numbers concerned (no personal data) so an
administrator can merge them first.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT resident_id, id FROM party_member WHERE resident_id IN ("
                "SELECT resident_id FROM party_member WHERE resident_id IS NOT NULL "
                "GROUP BY resident_id HAVING COUNT(*) > 1) ORDER BY resident_id, id"
            )
        )
        .all()
    )
    if rows:
        groups: dict[int, list[int]] = {}
        for resident_id, member_id in rows:
            groups.setdefault(resident_id, []).append(member_id)
        shown = "；".join("、".join(f"第{m}号" for m in ids) for ids in list(groups.values())[:20])
        raise RuntimeError(
            f"有{len(groups)}位居民被重复登记为党员，无法建立唯一索引（党员记录：{shown}）。"
            "请先在网格花名册中合并重复的党员记录，再升级数据库。"
        )
    op.drop_index("ix_party_member_resident_id", table_name="party_member")
    op.create_index("uq_party_member_resident_id", "party_member", ["resident_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_party_member_resident_id", table_name="party_member")
    op.create_index("ix_party_member_resident_id", "party_member", ["resident_id"], unique=False)
