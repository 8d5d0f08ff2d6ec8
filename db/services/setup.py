"""Going live (issue #19, first part): what a township starts from on an empty production
database, created by its administrator in the console (类别时限与节假日 → 上线准备).

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

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import ValidationError
from db.models import Category, Department, Grid, Platform, Township, Village
from db.models.org import GRID_KINDS, VILLAGE_KINDS
from db.models.people import PLATFORMS
from db.permissions import Actor, require
# the catalogue and the usual departments of each platform (seed articles 000-003) are data
# shipped with the console: the demo township is built from the same tables
from db.demo.vocab import CATEGORY_TREE, DEPARTMENTS as STANDARD_DEPARTMENTS
from db.rules.roster import clean_name
from db.services import audit

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


def _unique(s: Session, model: type, code: str, label: str) -> None:
    if s.scalar(select(func.count()).select_from(model).where(model.code == code)):
        raise ValidationError(f"{label}“{code}”已被使用，请换一个。", field="code")


def create_township(engine: Engine, actor: Actor, *, code: str, name: str, county: str) -> int:
    """A township with its four platforms and their usual departments. Returns its id."""
    require(actor, "settings.manage")
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
        audit.record(s, actor, "township.create", "township", town.id,
                     after={"code": code, "name": name, "county": county,
                            "platforms": list(PLATFORMS.values())})
        return town.id


def load_standard_categories(engine: Engine, actor: Actor) -> int:
    """The standard category catalogue with its clocks, into an empty category table (adjusted
    afterwards on this page like any category). Returns how many categories were created."""
    require(actor, "settings.manage")
    with write_session(engine) as s:
        if s.scalar(select(func.count()).select_from(Category)):
            raise ValidationError("已有诉求类别，标准类别只能在类别为空时载入；请在上方逐项修改。")
        created = 0
        for top in CATEGORY_TREE:
            parent = Category(code=top.code, name=top.name, default_tier=top.tier, platform_code=top.platform,
                              contact_hours=24, handling_workdays=top.workdays, keywords=top.keywords, active=True)
            s.add(parent)
            s.flush()
            created += 1
            for child in top.children:
                s.add(Category(parent_id=parent.id, code=child.code, name=child.name, default_tier=child.tier,
                               platform_code=child.platform, contact_hours=24,
                               handling_workdays=child.workdays, keywords=child.keywords, active=True))
                created += 1
        audit.record(s, actor, "category.load_standard", "category", None, after={"created": created})
        return created


def create_village(engine: Engine, actor: Actor, *, township_id: int, code: str, name: str,
                   kind: str = "village") -> int:
    require(actor, "settings.manage")
    code = _code(code, "村（社区）编码", "code", 20)
    name = _name(name, "村（社区）名称", "name", 50)
    if kind not in VILLAGE_KINDS:
        raise ValidationError("请选择行政村或社区。", field="kind")
    with write_session(engine) as s:
        town = s.get(Township, township_id) if township_id else None
        if town is None:
            raise ValidationError("请先选择乡镇。", field="township_id")
        _unique(s, Village, code, "村（社区）编码")
        if s.scalar(select(func.count()).select_from(Village).where(Village.township_id == town.id,
                                                                    Village.name == name)):
            raise ValidationError(f"{town.name}已有“{name}”。", field="name")
        village = Village(township_id=town.id, code=code, name=name, kind=kind)
        s.add(village)
        s.flush()
        audit.record(s, actor, "village.create", "village", village.id,
                     after={"township": town.name, "code": code, "name": name, "kind": kind})
        return village.id


def create_grid(engine: Engine, actor: Actor, *, village_id: int, code: str, name: str,
                kind: str = "rural") -> int:
    require(actor, "settings.manage")
    code = _code(code, "网格编码", "code", 24)
    name = _name(name, "网格名称", "name", 60)
    if kind not in GRID_KINDS:
        raise ValidationError("请选择网格类型（农村、社区或专属网格）。", field="kind")
    with write_session(engine) as s:
        village = s.get(Village, village_id) if village_id else None
        if village is None:
            raise ValidationError("请先选择村（社区）。", field="village_id")
        _unique(s, Grid, code, "网格编码")
        if s.scalar(select(func.count()).select_from(Grid).where(Grid.village_id == village.id, Grid.name == name)):
            raise ValidationError(f"{village.name}已有“{name}”。", field="name")
        grid = Grid(village_id=village.id, code=code, name=name, kind=kind)
        s.add(grid)
        s.flush()
        audit.record(s, actor, "grid.create", "grid", grid.id,
                     after={"village": village.name, "code": code, "name": name, "kind": kind})
        return grid.id
