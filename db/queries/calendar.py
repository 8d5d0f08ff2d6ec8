"""The holiday calendar as the SLA rules read it: the entered years from the database, or the
installed chinese-calendar package's years (demo generator, tests). Reads only."""

from __future__ import annotations

from datetime import date

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CalendarDay, HolidayYear
from db.rules.sla import HolidayCalendar


def package_years() -> list[int]:
    """Years that the installed chinese-calendar package has a full schedule for."""
    years = {d.year for d in chinese_calendar.constants.holidays}
    return sorted(years)


def load_calendar(session: Session) -> HolidayCalendar:
    """The console's calendar: the entered years, and a provisional schedule (weekends plus the
    statutory holidays) for any other year, so a year not yet published never stops the desk."""
    years = frozenset(session.scalars(select(HolidayYear.year)))
    rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
    return HolidayCalendar(known_years=years, exceptions=dict(rows), provisional=True)


def calendar_from_package() -> HolidayCalendar:
    """The package's calendar without a database (used by the demo generator and tests)."""
    exceptions: dict[date, bool] = dict.fromkeys(chinese_calendar.constants.holidays, False)
    exceptions.update(dict.fromkeys(chinese_calendar.constants.workdays, True))
    return HolidayCalendar(known_years=frozenset(package_years()), exceptions=exceptions, provisional=True)
