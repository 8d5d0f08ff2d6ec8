"""One roster entry per person: a unique index on ``grid_staff.id_number``

The roster services refuse a second entry with the same ID number, but they check and then
insert: on PostgreSQL two transactions (a page save and an import, or two imports) could both
pass the check and both insert. The index makes the second one fail; the services turn that
into their Chinese message. NULLs (no ID number) stay allowed, as in any unique index.

An existing database that already holds duplicates cannot take the index: the upgrade stops
and names the ID numbers concerned (masked) so an administrator can merge the entries first.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.rules.masking import mask_id_number

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dupes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id_number, COUNT(*) FROM grid_staff WHERE id_number IS NOT NULL "
                "GROUP BY id_number HAVING COUNT(*) > 1 ORDER BY id_number"
            )
        )
        .all()
    )
    if dupes:
        shown = "、".join(f"{mask_id_number(i)}（{n}条）" for i, n in dupes[:20])
        raise RuntimeError(
            f"网格人员中有{len(dupes)}个身份证号重复登记，无法建立唯一索引：{shown}。"
            "请先在网格花名册中合并或停用重复的记录，再升级数据库。"
        )
    op.create_index("uq_grid_staff_id_number", "grid_staff", ["id_number"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_grid_staff_id_number", table_name="grid_staff")
