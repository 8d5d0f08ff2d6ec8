"""The holiday calendar in the database: seeded from chinese-calendar, extended by admins."""

from __future__ import annotations

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CalendarDay, HolidayYear
from db.queries.calendar import package_years

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
PACKAGE_SOURCE = "chinese-calendar " + getattr(chinese_calendar, "__version__", "")


def seed_from_package(session: Session, years: list[int] | None = None) -> int:
    """Insert the package's schedule for ``years`` not yet in the database. Returns days added."""
    known = set(session.scalars(select(HolidayYear.year)))
    wanted = [y for y in (years or package_years()) if y not in known]
    added = 0
    for year in wanted:
        for day, name in chinese_calendar.constants.holidays.items():
            if day.year == year:
                session.add(CalendarDay(day=day, is_workday=False, name=HOLIDAY_NAMES.get(str(name), str(name))))
                added += 1
        for day, name in chinese_calendar.constants.workdays.items():
            if day.year == year:
                label = HOLIDAY_NAMES.get(str(name), str(name))
                session.add(CalendarDay(day=day, is_workday=True, name=f"{label}调休上班"))
                added += 1
        session.add(HolidayYear(year=year, source=PACKAGE_SOURCE.strip()))
    return added
