"""The organisation tree: township -> village/community -> grid -> ten-household unit
-> household -> resident."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, Versioned

VILLAGE_KINDS = {"village": "行政村", "community": "社区"}
GRID_KINDS = {"rural": "农村网格", "community": "社区网格", "special": "专属网格"}
# 三扶 ledger tags carried by residents
RESIDENT_TAGS = {
    "left_behind_child": "留守儿童",
    "elderly_alone": "独居老人",
    "mental_illness": "精神障碍患者",
    "hardship": "困难家庭",
    "released_prisoner": "刑满释放人员",
    "disabled": "残疾人",
}


class Township(Base, Versioned):
    __tablename__ = "township"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    county: Mapped[str] = mapped_column(String(50))

    villages: Mapped[list[Village]] = relationship(back_populates="township")


class Village(Base, Versioned):
    __tablename__ = "village"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(12), default="village")
    party_secretary: Mapped[str | None] = mapped_column(String(30))

    township: Mapped[Township] = relationship(back_populates="villages")
    grids: Mapped[list[Grid]] = relationship(back_populates="village")


class Grid(Base, Versioned):
    __tablename__ = "grid"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12), default="rural")
    description: Mapped[str | None] = mapped_column(Text)

    village: Mapped[Village] = relationship(back_populates="grids")


class GridShape(Base, Versioned):
    """A grid's boundary on the township's map (一张图): a GeoJSON geometry (Polygon or
    MultiPolygon, WGS84 longitude/latitude) imported per township (``db/services/grid_map``) or
    drawn by the demo generator. One per grid; a grid without one is not on the map."""

    __tablename__ = "grid_shape"
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True)
    geometry: Mapped[str] = mapped_column(Text)  # the GeoJSON geometry object, as JSON text


class TenHouseholdUnit(Base, Versioned):
    __tablename__ = "ten_household_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # the ten-household chief is a resident of the unit
    chief_resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", use_alter=True, name="fk_thu_chief_resident"), index=True
    )


class Household(Base, Versioned):
    __tablename__ = "household"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("ten_household_unit.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), index=True)
    head_name: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    size: Mapped[int] = mapped_column(Integer, default=1)
    tags: Mapped[str | None] = mapped_column(String(200))  # comma-separated RESIDENT_TAGS


class Resident(Base, Versioned):
    __tablename__ = "resident"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    gender: Mapped[str] = mapped_column(String(2))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    relation: Mapped[str | None] = mapped_column(String(10))  # 户主 / 配偶 / 子女 ...
    tags: Mapped[str | None] = mapped_column(String(200))
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_resident_name", "name"),)
