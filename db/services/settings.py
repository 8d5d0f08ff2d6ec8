"""Admin settings: categories with their SLA rules, and the holiday calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, delete, func, select

from db.engine import write_session
from db.errors import ValidationError
from db.models import CalendarDay, Category, HolidayYear
from db.models.base import utcnow
from db.models.orders import TIERS
from db.models.people import PLATFORMS
from db.permissions import Actor, require
from db.rules.calendar_input import parse_schedule
from db.rules.roster import clean_name
from db.rules.text import bounded_int
from db.services import audit, grid_events, orders, platforms
from db.services.base import require_county, versioned_update

MAX_CONTACT_HOURS = 72
MAX_WORKDAYS = 60


def _clean_keywords(raw: str | None) -> str | None:
    if not raw:
        return None
    parts = [p.strip() for p in raw.replace("，", ",").replace("、", ",").split(",")]
    parts = [p for p in parts if p]
    if any(len(p) > 20 for p in parts):
        raise ValidationError("每个关键词不能超过20个字。", field="keywords")
    return ",".join(dict.fromkeys(parts)) or None


def update_category(
    engine: Engine,
    actor: Actor,
    category_id: int,
    version: int,
    *,
    name: str,
    default_tier: str,
    platform_code: str | None,
    contact_hours: int,
    handling_workdays: int,
    keywords: str | None,
    active: bool,
) -> int:
    """Edit a category and its SLA rule; returns the new version."""
    require(actor, "settings.manage")
    name = clean_name(name, "类别名称", "name", max_len=40, required=False) or ""
    if not 1 <= len(name) <= 40:
        raise ValidationError("类别名称须为1至40个字。", field="name")
    if default_tier not in TIERS:
        raise ValidationError("处置层级无效。", field="default_tier")
    if platform_code is not None and platform_code not in PLATFORMS:
        raise ValidationError("承办平台无效。", field="platform_code")
    contact_hours = bounded_int(
        contact_hours, 1, MAX_CONTACT_HOURS, f"首次联系时限须为1至{MAX_CONTACT_HOURS}小时。", field="contact_hours"
    )
    handling_workdays = bounded_int(
        handling_workdays, 1, MAX_WORKDAYS, f"办理时限须为1至{MAX_WORKDAYS}个工作日。", field="handling_workdays"
    )
    with write_session(engine) as s:
        require_county(s, actor, "诉求类别和办理时限")
        obj = versioned_update(
            s,
            actor,
            Category,
            category_id,
            version,
            dict(
                name=name,
                default_tier=default_tier,
                platform_code=platform_code,
                contact_hours=int(contact_hours),
                handling_workdays=int(handling_workdays),
                keywords=_clean_keywords(keywords),
                active=bool(active),
            ),
            action="category.update",
        )
        return obj.version


def enter_holiday_year(engine: Engine, actor: Actor, year: int, text: str, source: str, replace: bool = False) -> dict:
    """Store a year's official schedule (days off and make-up working days)."""
    require(actor, "calendar.manage")
    year = bounded_int(year, 2000, 2100, "年份无效。", field="year")
    source = (source or "").strip()
    if not source:
        raise ValidationError("请填写依据（如国务院办公厅通知文号）。", field="source")
    sched = parse_schedule(int(year), text)
    with write_session(engine) as s:
        require_county(s, actor, "节假日安排")
        existing = s.get(HolidayYear, year)
        if existing is not None and not replace:
            raise ValidationError(f"{year}年的节假日安排已录入；如需更正，请勾选“覆盖已有安排”。")
        before = None
        if existing is not None:
            in_year = CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))
            before = {
                "source": existing.source,
                "days": s.scalar(select(func.count()).select_from(CalendarDay).where(in_year)),
            }
            s.execute(delete(CalendarDay).where(in_year))
            s.delete(existing)
            s.flush()
        for day, name in sched.days_off.items():
            s.add(CalendarDay(day=day, is_workday=False, name=name))
        for day, name in sched.workdays.items():
            s.add(CalendarDay(day=day, is_workday=True, name=name))
        s.add(HolidayYear(year=year, source=source[:100], entered_by=actor.user_id or None, entered_at=utcnow()))
        s.flush()
        # the provisional deadlines (暂定) that counted on this year are recounted on the schedule
        recounted = (
            orders.recount_provisional(s, actor, utcnow())
            + platforms.recount_provisional(s, actor, utcnow())
            + grid_events.recount_provisional(s, actor, utcnow())
        )
        after = {
            "source": source,
            "days_off": len(sched.days_off),
            "workdays": len(sched.workdays),
            "recounted": recounted,
        }
        audit.record(s, actor, "calendar.enter_year", "holiday_year", year, before=before, after=after)
        return after
