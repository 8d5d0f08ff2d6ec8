"""Small reference lists for select boxes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.models import Category, Department, Grid, Household, Platform, Township, User, Village
from db.queries import privacy
from db.scope import ALL_TOWNSHIPS


def townships(s: Session) -> list[dict]:
    """The townships the reader may see (one for a township's user, all for the county)."""
    return [dict(r) for r in s.execute(select(Township.id, Township.name).order_by(Township.id)).mappings()]


# what a township's administrator is told about the county's shared settings
COUNTY_ONLY = "为全县各乡镇共用，只能由县级管理员修改。"


def county_settings_locked(s: Session, actor) -> bool:
    """Whether the county's own tables (the category catalogue and its clocks, the holiday
    calendar, the mediation settings) are closed to ``actor``: they serve every township, so a
    township's administrator changes them only while the county is that one township (counted
    over every township, whoever asks); the county's administrator (no township) always may."""
    if actor.township_id is None:
        return False
    return (s.scalar(select(func.count()).select_from(Township).execution_options(**ALL_TOWNSHIPS)) or 0) > 1


def platforms(s: Session) -> list[dict]:
    rows = (
        s.execute(
            select(Platform.id, Platform.name, Township.name.label("township"))
            .join(Township, Township.id == Platform.township_id)
            .order_by(Platform.township_id, Platform.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def villages(s: Session) -> list[dict]:
    rows = (
        s.execute(
            select(Village.id, Village.name, Township.name.label("township"))
            .join(Township, Township.id == Village.township_id)
            .order_by(Village.township_id, Village.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def grids(s: Session, village_id: int) -> list[dict]:
    rows = (
        s.execute(select(Grid.id, Grid.name, Grid.kind).where(Grid.village_id == village_id).order_by(Grid.code))
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def leaf_categories(s: Session) -> list[dict]:
    """Active categories that have no active children, labelled "parent / child"."""
    parent = aliased(Category)
    child = aliased(Category)
    has_child = select(child.id).where(child.parent_id == Category.id, child.active.is_(True)).exists()
    rows = (
        s.execute(
            select(
                Category.id,
                Category.name,
                parent.name.label("parent"),
                Category.default_tier,
                Category.platform_code,
                Category.handling_workdays,
            )
            .outerjoin(parent, parent.id == Category.parent_id)
            .where(Category.active.is_(True), ~has_child)
            .order_by(Category.code)
        )
        .mappings()
        .all()
    )
    return [dict(r, label=f"{r['parent']} / {r['name']}" if r["parent"] else r["name"]) for r in rows]


def departments(s: Session) -> list[dict]:
    rows = (
        s.execute(
            select(
                Department.id,
                Department.name,
                Department.platform_id,
                Platform.code.label("platform_code"),
                Platform.name.label("platform"),
            )
            .join(Platform, Platform.id == Department.platform_id)
            .where(Department.active.is_(True))
            .order_by(Department.platform_id, Department.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def supervisors(s: Session) -> list[dict]:
    """Active leaders and admins who may be assigned to supervise an order."""
    rows = (
        s.execute(
            select(User.id, User.display_name)
            .where(User.active.is_(True), User.role.in_(("leader", "admin")))
            .order_by(User.role.desc(), User.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


HOUSEHOLD_PICK = privacy.Entity(fields={"head_name": "name", "phone": "phone", "address": "address"})


def households(s: Session, grid_id: int, role: str, limit: int = 500) -> list[dict]:
    """Households of a grid for the intake picker (address and head of household), as ``role``
    may see them."""
    rows = (
        s.execute(
            select(Household.id, Household.address, Household.head_name, Household.phone)
            .where(Household.grid_id == grid_id)
            .order_by(Household.address)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return privacy.present(s, role, [dict(r) for r in rows], HOUSEHOLD_PICK)
