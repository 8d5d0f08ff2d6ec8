"""grid_shape: each grid's boundary for the township's map (一张图, issue #22)

A GeoJSON geometry per grid (WGS84 longitude/latitude, Polygon or MultiPolygon), imported per
township from a GeoJSON file or drawn by the demo generator.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grid_shape",
        sa.Column(
            "grid_id", sa.Integer(), sa.ForeignKey("grid.id", name=op.f("fk_grid_shape_grid_id_grid")), nullable=False
        ),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("grid_id", name=op.f("pk_grid_shape")),
    )


def downgrade() -> None:
    op.drop_table("grid_shape")
