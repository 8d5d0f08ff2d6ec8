"""Settings a township differs on (issue #19, item 3), kept per township and edited by the
township's administrator on 系统设置 → 本乡镇设置.

- ``township_setting``: one row per township that changed a default: the range of households a
  party member links to (党员联户户数范围; 5-15 unless set) and the township's first-contact clock
  (首次联系时限; empty: each category's clock of the county's catalogue).
- ``township_category_clock``: the township's own clocks for one category of the county's
  catalogue (首次联系小时数, 办理工作日); an empty value keeps the catalogue's.

No row means the defaults; the one function that answers "the clocks of category C in township
T" is ``db.queries.township_settings.category_clocks``.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned


class TownshipSetting(Base, Versioned):
    """A township's own values of the settings townships differ on."""

    __tablename__ = "township_setting"
    __table_args__ = (CheckConstraint("link_min >= 1 AND link_max >= link_min", name="link_range"),)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), primary_key=True)
    link_min: Mapped[int] = mapped_column(Integer)  # 党员联户: fewest households per member
    link_max: Mapped[int] = mapped_column(Integer)  # most households per member
    # first contact within this many hours for every category of the township (None: the category's)
    contact_hours: Mapped[int | None] = mapped_column(Integer)


class TownshipCategoryClock(Base, Versioned):
    """A township's clocks for one category, over the county's catalogue (None: the catalogue's)."""

    __tablename__ = "township_category_clock"
    __table_args__ = (UniqueConstraint("township_id", "category_id", name="uq_township_category_clock"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    contact_hours: Mapped[int | None] = mapped_column(Integer)
    handling_workdays: Mapped[int | None] = mapped_column(Integer)
