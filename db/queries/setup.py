"""The go-live checklist (issue #19): what must be in place before the desk can take its first
call. The steps are done in the console (db/services/setup.py, the roster import, users)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Category, Department, Grid, GridStaff, Household, Mediator, Platform, Township, User, Village


@dataclass(frozen=True)
class Step:
    """One item of the go-live checklist."""

    label: str
    done: bool
    detail: str
    where: str  # the page key where it is done


def checklist(s: Session) -> list[Step]:
    """What must be in place before the desk can take its first call, in the order to do it."""

    def count(model: type, *where) -> int:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    towns, villages, grids = count(Township), count(Village), count(Grid)
    categories = count(Category, Category.active.is_(True))
    departments = count(Department, Department.active.is_(True))
    staff, households = count(GridStaff), count(Household)
    desk = count(User, User.active.is_(True), User.role.in_(("reception", "dispatcher")))
    return [
        Step("乡镇与四个平台", towns > 0, f"{towns} 个乡镇，{departments} 个承办部门", "settings"),
        Step("诉求类别与时限", categories > 0, f"{categories} 个在用类别", "settings"),
        Step("村（社区）", villages > 0, f"{villages} 个", "settings"),
        Step("网格", grids > 0, f"{grids} 个", "settings"),
        Step("住户与居民（Excel导入）", households > 0, f"{households} 户", "settings"),
        Step("网格员（花名册导入）", staff > 0, f"{staff} 人", "roster"),
        Step("接待员或转办督办员账号", desk > 0, f"{desk} 个", "users"),
    ]


def import_options(s: Session) -> dict[str, list[str]]:
    """The township's own values offered as drop-down lists in the go-live templates
    (``Col.options`` names one): the session is the township's (db/scope.py)."""

    def names(*cols, where=()) -> list[str]:
        return [r[0] for r in s.execute(select(*cols).where(*where).order_by(cols[0]))]

    parents = select(Category.parent_id).where(Category.parent_id.is_not(None))
    return {
        "villages": names(Village.name),
        "village_codes": names(Village.code),
        "grids": names(Grid.code),
        "categories": names(Category.name, where=(Category.active.is_(True), Category.id.not_in(parents))),
        "departments": names(Department.name, where=(Department.active.is_(True),)),
        "mediators": names(Mediator.name),
        "platforms": names(Platform.name),
    }


def departments(s: Session) -> list[dict]:
    """Every department of the session's township (in use or not), by platform, for 上线准备."""
    rows = (
        s.execute(
            select(
                Department.id,
                Department.name,
                Department.phone,
                Department.active,
                Department.version,
                Platform.id.label("platform_id"),
                Platform.name.label("platform"),
            )
            .join(Platform, Platform.id == Department.platform_id)
            .order_by(Platform.id, Department.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]
