"""Reads for the admin settings page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.models import CalendarDay, Category, HolidayYear


def categories(s: Session) -> list[dict]:
    parent = aliased(Category)
    rows = (
        s.execute(
            select(
                Category.id,
                Category.code,
                Category.name,
                parent.name.label("parent"),
                Category.default_tier,
                Category.platform_code,
                Category.contact_hours,
                Category.handling_workdays,
                Category.keywords,
                Category.active,
                Category.version,
            )
            .outerjoin(parent, parent.id == Category.parent_id)
            .order_by(func.coalesce(Category.parent_id, Category.id), Category.parent_id.is_not(None), Category.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def holiday_years(s: Session) -> list[dict]:
    """Entered years with their counts of days off and make-up working days (a few hundred rows)."""
    counts: dict[int, list[int]] = {}
    for day, is_workday in s.execute(select(CalendarDay.day, CalendarDay.is_workday)):
        counts.setdefault(day.year, [0, 0])[1 if is_workday else 0] += 1
    return [
        {
            "year": y.year,
            "source": y.source,
            "days_off": counts.get(y.year, [0, 0])[0],
            "workdays": counts.get(y.year, [0, 0])[1],
            "entered_at": y.entered_at,
        }
        for y in s.scalars(select(HolidayYear).order_by(HolidayYear.year.desc()))
    ]


def calendar_days(s: Session, year: int) -> list[dict]:
    rows = (
        s.execute(
            select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name)
            .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(CalendarDay.day)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]
