"""Small reference lists for select boxes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Platform, Township, Village


def platforms(s: Session) -> list[dict]:
    rows = s.execute(select(Platform.id, Platform.name, Township.name.label("township"))
                     .join(Township, Township.id == Platform.township_id)
                     .order_by(Platform.township_id, Platform.id)).mappings().all()
    return [dict(r) for r in rows]


def villages(s: Session) -> list[dict]:
    rows = s.execute(select(Village.id, Village.name, Township.name.label("township"))
                     .join(Township, Township.id == Village.township_id)
                     .order_by(Village.township_id, Village.id)).mappings().all()
    return [dict(r) for r in rows]
