"""The settings a township differs on (issue #19, item 3), edited by the township's administrator
on 系统设置 → 本乡镇设置 (a county administrator picks the township): the party members' link range,
the township's first-contact clock, and its own clocks for categories of the county's catalogue.

Each save: permission (``settings.manage``) and township (a township's administrator only for its
own), validation with field-tagged Chinese messages before anything is written, the version the
form loaded (0: the township had never saved one, the defaults were shown), the change and its
audit record in one transaction. Reads and precedence: ``db.queries.township_settings``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from db.models import Category, Township, TownshipCategoryClock, TownshipSetting
from db.permissions import Actor, require
from db.rules.text import bounded_int
from db.services import audit
from db.services.base import CONFLICT_MESSAGE, now_or
from db.services.roster import LINKS_HARD_MAX
from db.services.settings import MAX_CONTACT_HOURS, MAX_WORKDAYS

NEVER_SAVED_CONFLICT = "保存失败：该设置已被他人修改（您打开时尚未设置过，当前为第{current}版）。请刷新后重新编辑。"
SETTING_FIELDS = ("link_min", "link_max", "contact_hours")
CLOCK_FIELDS = ("contact_hours", "handling_workdays")


def _conflict(loaded: int, current: int | None) -> ConflictError:
    if loaded == 0:
        return ConflictError(NEVER_SAVED_CONFLICT.format(current=current))
    return ConflictError(CONFLICT_MESSAGE.format(loaded=loaded, current=current if current is not None else 0))


def _township(s: Session, actor: Actor, township_id: Any) -> Township:
    """The township whose settings change: a township's administrator only their own (a county
    administrator, without a township, any township)."""
    if actor.township_id is not None and township_id != actor.township_id:
        raise PermissionDenied("只能修改本乡镇的设置。")
    town = s.get(Township, township_id) if isinstance(township_id, int) and not isinstance(township_id, bool) else None
    if town is None:
        raise NotFound("乡镇不存在或无权查看。")
    return town


def _optional(value: Any, lo: int, hi: int, message: str, field: str) -> int | None:
    """An optional whole number: empty (None or blank text) keeps the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return bounded_int(value, lo, hi, message, field=field)


def _version(value: Any) -> int:
    return bounded_int(value, 0, 2**31 - 1, "版本号无效，请刷新后重新编辑。", field="version")


def _insert(
    s: Session, model: type[TownshipSetting | TownshipCategoryClock], values: dict[str, Any], keys: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on ``keys``; False when a row was there already (another
    administrator saved first, in a transaction that committed meanwhile)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, model.__table__)  # a declarative class's __table__ is its Table (typed FromClause)
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    # RETURNING, not the row count: psycopg reports -1 for an INSERT ... ON CONFLICT
    return s.execute(stmt.returning(table.c.version)).first() is not None


def _save(
    s: Session,
    model: type[TownshipSetting | TownshipCategoryClock],
    where: list,
    row: Any,
    loaded: int,
    values: dict[str, Any],
    insert_values: dict[str, Any],
    keys: list[str],
    now: datetime,
) -> int:
    """Create the row (``loaded`` 0) or update it if still at version ``loaded``; the new version."""
    if row is None:
        if loaded != 0 or not _insert(s, model, {**insert_values, **values, "version": 1, "updated_at": now}, keys):
            current = s.scalar(select(model.version).where(*where))
            raise _conflict(loaded, current)
        return 1
    if row.version != loaded:
        raise _conflict(loaded, row.version)
    res = cast(  # an UPDATE's result is a CursorResult (the stubs type Session.execute's as Result)
        CursorResult,
        s.execute(
            update(model)
            .where(*where, model.version == loaded)
            .values(**values, version=loaded + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if res.rowcount != 1:
        raise _conflict(loaded, s.scalar(select(model.version).where(*where)))
    return loaded + 1


def update_township_settings(
    engine: Engine,
    actor: Actor,
    township_id: int,
    version: int,
    *,
    link_min: Any,
    link_max: Any,
    contact_hours: Any = None,
    now: datetime | None = None,
) -> int:
    """Save a township's link range (党员联户户数范围) and first-contact clock (首次联系时限; empty:
    each category's); returns the new version."""
    require(actor, "settings.manage")
    now = now_or(now)
    version = _version(version)
    low = bounded_int(link_min, 1, LINKS_HARD_MAX, f"联户户数下限须为1至{LINKS_HARD_MAX}户的整数。", field="link_min")
    high = bounded_int(link_max, 1, LINKS_HARD_MAX, f"联户户数上限须为1至{LINKS_HARD_MAX}户的整数。", field="link_max")
    if low > high:
        raise ValidationError(f"联户户数下限（{low}户）不能大于上限（{high}户）。", field="link_max")
    hours = _optional(
        contact_hours,
        1,
        MAX_CONTACT_HOURS,
        f"首次联系时限须为1至{MAX_CONTACT_HOURS}小时，或留空按类别。",
        "contact_hours",
    )
    values = {"link_min": low, "link_max": high, "contact_hours": hours}
    with write_session(engine) as s:
        town = _township(s, actor, township_id)
        row = s.get(TownshipSetting, town.id)
        before = {k: getattr(row, k) for k in SETTING_FIELDS} if row is not None else None
        new_version = _save(
            s,
            TownshipSetting,
            [TownshipSetting.township_id == town.id],
            row,
            version,
            values,
            {"township_id": town.id},
            ["township_id"],
            now,
        )
        audit.record(
            s,
            actor,
            "township.settings",
            "township_setting",
            town.id,
            before=before,
            after={**values, "township": town.name},
        )
        return new_version


def set_category_clock(
    engine: Engine,
    actor: Actor,
    township_id: int,
    category_id: int,
    version: int,
    *,
    contact_hours: Any = None,
    handling_workdays: Any = None,
    now: datetime | None = None,
) -> int:
    """Save a township's own clocks for one category (首次联系小时数, 办理工作日; an empty value keeps
    the county catalogue's); returns the new version. New orders take them; orders already
    received or dispatched keep their deadlines."""
    require(actor, "settings.manage")
    now = now_or(now)
    version = _version(version)
    hours = _optional(
        contact_hours,
        1,
        MAX_CONTACT_HOURS,
        f"首次联系时限须为1至{MAX_CONTACT_HOURS}小时，或留空按县级类别目录。",
        "contact_hours",
    )
    days = _optional(
        handling_workdays,
        1,
        MAX_WORKDAYS,
        f"办理时限须为1至{MAX_WORKDAYS}个工作日，或留空按县级类别目录。",
        "handling_workdays",
    )
    values = {"contact_hours": hours, "handling_workdays": days}
    with write_session(engine) as s:
        town = _township(s, actor, township_id)
        cat = (
            s.get(Category, category_id) if isinstance(category_id, int) and not isinstance(category_id, bool) else None
        )
        if cat is None:
            raise ValidationError("所选诉求类别不存在。", field="category_id")
        where = [TownshipCategoryClock.township_id == town.id, TownshipCategoryClock.category_id == cat.id]
        row = s.scalar(select(TownshipCategoryClock).where(*where))
        before = {k: getattr(row, k) for k in CLOCK_FIELDS} if row is not None else None
        new_version = _save(
            s,
            TownshipCategoryClock,
            where,
            row,
            version,
            values,
            {"township_id": town.id, "category_id": cat.id},
            ["township_id", "category_id"],
            now,
        )
        entity_id = row.id if row is not None else s.scalar(select(TownshipCategoryClock.id).where(*where))
        audit.record(
            s,
            actor,
            "township.category_clock",
            "township_category_clock",
            entity_id,
            before=before,
            after={**values, "township": town.name, "category": cat.name, "category_id": cat.id},
        )
        return new_version
