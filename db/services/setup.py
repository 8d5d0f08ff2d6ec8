"""Going live (issue #19, first part): what a township starts from on an empty production
database, created by its administrator in the console (系统设置 → 上线准备).

- ``create_township``: the township with its four platforms and their usual departments (the
  departments are editable afterwards like any other);
- ``load_standard_categories``: the standard catalogue of work-order categories with their clocks
  (the same tree the demo uses, shipped with the console), once, into an empty category table;
- ``create_village`` / ``create_grid``: the organisation; households, residents, staff and party
  members then come from the roster's Excel import, which needs the grids to exist;
- what is still missing before the desk can take its first call: ``db.queries.setup.checklist``.

Every write is audited; bad input is refused with a message in Chinese and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

# the catalogue and the usual departments of each platform (seed articles 000-003) are data
# shipped with the console: the demo township is built from the same tables
from db.demo.vocab import CATEGORY_TREE
from db.demo.vocab import DEPARTMENTS as STANDARD_DEPARTMENTS
from db.engine import write_session
from db.errors import PermissionDenied, ValidationError
from db.models import Category, Department, Grid, Platform, Township, Village
from db.models.org import GRID_KINDS, VILLAGE_KINDS
from db.models.people import PLATFORMS
from db.permissions import Actor, require
from db.rules.roster import clean_name
from db.rules.sla import CONTACT_HOURS
from db.services import audit
from db.services.base import require_county, versioned_update
from db.services.roster import clean_phone

CODE_CHARS = "字母、数字和短横线"


def _code(value: str | None, label: str, field: str, max_len: int) -> str:
    text = (value or "").strip().upper()
    if not text:
        raise ValidationError(f"请填写{label}。", field=field)
    if len(text) > max_len or not all(c.isascii() and (c.isalnum() or c == "-") for c in text):
        raise ValidationError(f"{label}只能由{CODE_CHARS}组成，最多{max_len}个字符。", field=field)
    return text


def _name(value: str | None, label: str, field: str, max_len: int) -> str:
    name = clean_name(value, label, field, max_len=max_len, required=False) or ""
    if not name:
        raise ValidationError(f"请填写{label}。", field=field)
    return name


def _unique(s: Session, model: type[Township | Village | Grid], code: str, label: str) -> None:
    if s.scalar(select(func.count()).select_from(model).where(model.code == code)):
        raise ValidationError(f"{label}“{code}”已被使用，请换一个。", field="code")


def create_township(engine: Engine, actor: Actor, *, code: str, name: str, county: str) -> int:
    """A township with its four platforms and their usual departments. Returns its id. Only the
    county's administrator (an administrator without a township) creates townships."""
    require(actor, "settings.manage")
    if actor.township_id is not None:
        raise PermissionDenied("只有县级管理员可以新建乡镇。")
    code = _code(code, "乡镇编码", "code", 20)
    name = _name(name, "乡镇名称", "name", 50)
    county = _name(county, "所属县（区）", "county", 50)
    with write_session(engine) as s:
        _unique(s, Township, code, "乡镇编码")
        if s.scalar(select(func.count()).select_from(Township).where(Township.name == name)):
            raise ValidationError(f"已有名为“{name}”的乡镇。", field="name")
        town = Township(code=code, name=name, county=county)
        s.add(town)
        s.flush()
        for pcode, pname in PLATFORMS.items():
            platform = Platform(township_id=town.id, code=pcode, name=pname)
            s.add(platform)
            s.flush()
            for dept in STANDARD_DEPARTMENTS[pcode]:
                s.add(Department(platform_id=platform.id, name=dept, active=True))
        audit.record(
            s,
            actor,
            "township.create",
            "township",
            town.id,
            after={"code": code, "name": name, "county": county, "platforms": list(PLATFORMS.values())},
        )
        return town.id


def load_standard_categories(engine: Engine, actor: Actor) -> int:
    """The standard category catalogue with its clocks, into an empty category table (adjusted
    afterwards on this page like any category). Returns how many categories were created."""
    require(actor, "settings.manage")
    with write_session(engine) as s:
        require_county(s, actor, "诉求类别和办理时限")
        if s.scalar(select(func.count()).select_from(Category)):
            raise ValidationError("已有诉求类别，标准类别只能在类别为空时载入；请在上方逐项修改。")
        created = 0
        for top in CATEGORY_TREE:
            parent = Category(
                code=top.code,
                name=top.name,
                default_tier=top.tier,
                platform_code=top.platform,
                contact_hours=CONTACT_HOURS,
                handling_workdays=top.workdays,
                keywords=top.keywords,
                active=True,
            )
            s.add(parent)
            s.flush()
            created += 1
            for child in top.children:
                s.add(
                    Category(
                        parent_id=parent.id,
                        code=child.code,
                        name=child.name,
                        default_tier=child.tier,
                        platform_code=child.platform,
                        contact_hours=CONTACT_HOURS,
                        handling_workdays=child.workdays,
                        keywords=child.keywords,
                        active=True,
                    )
                )
                created += 1
        audit.record(s, actor, "category.load_standard", "category", None, after={"created": created})
        return created


@dataclass(frozen=True)
class OrgUnit:
    """A level of the organisation below the township: what it is called and what it hangs on."""

    model: type[Village | Grid]
    parent_model: type[Township | Village]
    parent_column: str  # the model's foreign key to its parent
    parent_key: str  # the parent's field name in the audit record and the error's field
    label: str
    code_len: int
    name_len: int
    kinds: dict[str, str]
    kind_message: str
    parent_message: str
    action: str
    entity: str


VILLAGE = OrgUnit(
    Village,
    Township,
    "township_id",
    "township",
    "村（社区）",
    20,
    50,
    VILLAGE_KINDS,
    "请选择行政村或社区。",
    "请先选择乡镇。",
    "village.create",
    "village",
)
GRID = OrgUnit(
    Grid,
    Village,
    "village_id",
    "village",
    "网格",
    24,
    60,
    GRID_KINDS,
    "请选择网格类型（农村、社区或专属网格）。",
    "请先选择村（社区）。",
    "grid.create",
    "grid",
)


def _create_unit(
    engine: Engine, actor: Actor, unit: OrgUnit, parent_id: int | None, code: str, name: str, kind: str
) -> int:
    require(actor, "settings.manage")
    code = _code(code, f"{unit.label}编码", "code", unit.code_len)
    name = _name(name, f"{unit.label}名称", "name", unit.name_len)
    if kind not in unit.kinds:
        raise ValidationError(unit.kind_message, field="kind")
    with write_session(engine) as s:
        # mypy joins the union of classes to Base when solving Session.get's type variable
        parent = cast("Township | Village | None", s.get(unit.parent_model, parent_id) if parent_id else None)
        if parent is None:
            raise ValidationError(unit.parent_message, field=unit.parent_column)
        _unique(s, unit.model, code, f"{unit.label}编码")
        siblings = getattr(unit.model, unit.parent_column) == parent.id
        if s.scalar(select(func.count()).select_from(unit.model).where(siblings, unit.model.name == name)):
            raise ValidationError(f"{parent.name}已有“{name}”。", field="name")
        row = unit.model(code=code, name=name, kind=kind, **{unit.parent_column: parent.id})
        s.add(row)
        s.flush()
        audit.record(
            s,
            actor,
            unit.action,
            unit.entity,
            row.id,
            after={unit.parent_key: parent.name, "code": code, "name": name, "kind": kind},
        )
        return row.id


def create_village(
    engine: Engine, actor: Actor, *, township_id: int | None, code: str, name: str, kind: str = "village"
) -> int:
    return _create_unit(engine, actor, VILLAGE, township_id, code, name, kind)


def create_grid(
    engine: Engine, actor: Actor, *, village_id: int | None, code: str, name: str, kind: str = "rural"
) -> int:
    return _create_unit(engine, actor, GRID, village_id, code, name, kind)


# --------------------------------------------------------------------------- departments

DEPARTMENT_NAME_MAX = 40


def _department_name(s: Session, platform_id: int, name: str | None, exclude: int | None = None) -> str:
    name = _name(name, "部门名称", "name", DEPARTMENT_NAME_MAX)
    same = (
        select(func.count())
        .select_from(Department)
        .where(Department.platform_id == platform_id, Department.name == name)
    )
    if exclude is not None:
        same = same.where(Department.id != exclude)
    if s.scalar(same):
        raise ValidationError(f"该平台已有“{name}”。", field="name")
    return name


def add_department(
    engine: Engine, actor: Actor, *, platform_id: int | None, name: str, phone: str | None = None
) -> int:
    """A department under one of the township's four platforms (the usual ones come with the
    township; a township adds its own, e.g. 林业站)."""
    require(actor, "settings.manage")
    with write_session(engine) as s:
        platform = s.get(Platform, platform_id) if platform_id else None  # the actor's township's only
        if platform is None:
            raise ValidationError("请选择平台。", field="platform_id")
        clean = _department_name(s, platform.id, name)
        dept = Department(platform_id=platform.id, name=clean, phone=clean_phone(phone), active=True)
        s.add(dept)
        s.flush()
        audit.record(
            s,
            actor,
            "department.create",
            "department",
            dept.id,
            after={"platform": platform.name, "name": clean, "phone": dept.phone},
        )
        return dept.id


def update_department(
    engine: Engine,
    actor: Actor,
    department_id: int,
    expected_version: int,
    *,
    name: str,
    phone: str | None,
    active: bool,
) -> None:
    """Rename a department, change its phone, or stop using it (a stopped department is no longer
    offered at dispatch; its orders keep it)."""
    require(actor, "settings.manage")
    with write_session(engine) as s:
        dept = s.get(Department, department_id)
        if dept is None:
            raise ValidationError("部门不存在或已被删除。")
        clean = _department_name(s, dept.platform_id, name, exclude=dept.id)
        versioned_update(
            s,
            actor,
            Department,
            dept.id,
            expected_version,
            {"name": clean, "phone": clean_phone(phone), "active": bool(active)},
            "department.update",
        )
