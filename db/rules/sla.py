"""SLA clocks: working-day deadlines on the Chinese holiday calendar, and the traffic light.

Conventions (documented in docs/sla.md):
- Timestamps in and out are naive UTC; days are counted in Asia/Shanghai local time.
- The first-contact clock is plain hours (24 h by default: 诉求早回访).
- The handling clock counts N working days starting the day after the order was dispatched
  (day 1 is the first working day after that date); the deadline is the end of day N,
  i.e. 00:00 local time of the following calendar day.
- A working day is Monday to Friday, except public holidays, plus make-up working days
  (调休) that fall on a weekend. For a year whose official schedule has not been entered, a
  calendar built with ``provisional=True`` (the console's, ``load_calendar``) uses a
  provisional schedule: weekends plus the statutory holidays (db/rules/statutory.py), no
  make-up days. A deadline that counted such a day is provisional (暂定, see
  ``deadline_provisional``) and is recomputed when the official schedule is entered. Without
  ``provisional`` such a day raises CalendarYearMissing.
- The light is green until 80% of the clock has run, yellow from 80%, red once overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.rules.statutory import statutory_days_off

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
YELLOW_AT = 0.8
MAX_WORKDAYS = 366
# the first-contact clock in hours: the default of ``contact_deadline``, and the bound of the KPI
# 24小时首次联系率 for every township whatever its own clock (db/rules/kpi_defs.py)
CONTACT_HOURS = 24


class CalendarYearMissing(Exception):
    """A deadline reaches a year for which no official holiday schedule has been entered."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return f"{self.year}年的节假日安排尚未录入，无法计算办理时限，请管理员在“节假日日历”中录入。"


@dataclass(frozen=True)
class HolidayCalendar:
    """The years whose schedule is known and their exceptions to the Mon-Fri week; with
    ``provisional``, the statutory holidays stand in for a year not known."""

    known_years: frozenset[int]
    exceptions: dict[date, bool] = field(default_factory=dict)  # day -> is_workday
    provisional: bool = False

    def is_provisional_year(self, year: int) -> bool:
        return self.provisional and year not in self.known_years

    def is_workday(self, day: date) -> bool:
        if day.year not in self.known_years:
            if not self.provisional:
                raise CalendarYearMissing(day.year)
            try:
                off = statutory_days_off(day.year)
            except ValueError:
                raise CalendarYearMissing(day.year) from None
            return day not in off and day.weekday() < 5
        special = self.exceptions.get(day)
        if special is not None:
            return special
        return day.weekday() < 5


def to_local(ts: datetime) -> datetime:
    """Naive UTC -> aware Asia/Shanghai."""
    return ts.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_date(ts: datetime) -> date:
    """The Beijing date of a naive UTC moment ("today" for a service given ``now``)."""
    return to_local(ts).date()


def local_to_utc(local: datetime) -> datetime:
    """Aware (or naive local) Asia/Shanghai -> naive UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def local_midnight(day: date) -> datetime:
    """Naive UTC of 00:00 Beijing time on ``day`` (the start of a local day)."""
    return local_to_utc(datetime.combine(day, time.min))


def add_workdays(start_utc: datetime, workdays: int, cal: HolidayCalendar) -> datetime:
    """The handling deadline (naive UTC) for a clock of ``workdays`` started at ``start_utc``."""
    if not 1 <= workdays <= MAX_WORKDAYS:
        raise ValueError(f"办理时限须为1至{MAX_WORKDAYS}个工作日")
    day = to_local(start_utc).date()
    counted = 0
    while counted < workdays:
        day += timedelta(days=1)
        if cal.is_workday(day):
            counted += 1
    end_local = datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    return local_to_utc(end_local)


def deadline_provisional(start_utc: datetime, due_utc: datetime, cal: HolidayCalendar) -> bool:
    """True when the handling clock from ``start_utc`` to ``due_utc`` (as ``add_workdays``
    returns it) counted a day of a year whose official schedule is not entered (暂定)."""
    first = to_local(start_utc).date() + timedelta(days=1)
    last = to_local(due_utc - timedelta(microseconds=1)).date()  # the clock's last day
    return any(cal.is_provisional_year(y) for y in range(first.year, last.year + 1))


def contact_deadline(received_utc: datetime, hours: int = CONTACT_HOURS) -> datetime:
    """First-contact deadline: plain clock hours after the order was received."""
    if hours <= 0:
        raise ValueError("首次联系时限须大于0小时")
    return received_utc + timedelta(hours=hours)


def workdays_between(start_utc: datetime, end_utc: datetime, cal: HolidayCalendar) -> int:
    """Working days after the start date up to and including the end date (local dates)."""
    a, b = to_local(start_utc).date(), to_local(end_utc).date()
    n = 0
    while a < b:
        a += timedelta(days=1)
        if cal.is_workday(a):
            n += 1
    return n


def light(start_utc: datetime, due_utc: datetime | None, now_utc: datetime, done_utc: datetime | None = None) -> str:
    """'green', 'yellow' (>= 80% of the clock used) or 'red' (overdue) for one clock.

    A stopped clock (done_utc set) is judged at the time it stopped.
    """
    if due_utc is None:
        return "green"
    at = done_utc or now_utc
    if at > due_utc:
        return "red"
    total = (due_utc - start_utc).total_seconds()
    if total <= 0:
        return "red" if at >= due_utc else "green"
    used = (at - start_utc).total_seconds() / total
    return "yellow" if used >= YELLOW_AT and done_utc is None else "green"


def deadline_text(due_utc: datetime | None, provisional: bool = False) -> str:
    """A deadline as people read it: one that ends at local midnight reads as 24:00 of the day
    before (the last day counted); a provisional one says 暂定."""
    if due_utc is None:
        return "—"
    local = to_local(due_utc)
    if (local.hour, local.minute) == (0, 0):
        text = f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    else:
        text = f"{local:%Y-%m-%d %H:%M}"
    return text + "（暂定）" if provisional else text


def overdue_text(due_utc: datetime | None, now_utc: datetime) -> str:
    """How long an order is overdue, in one unit everywhere (screens, Excel, Word): natural days
    with one decimal from a day on, hours before that; "" when it is not overdue. (The supervision
    list said 23 个工作日 where the inbox and the weekly report said 32.6 天 for the same order.)"""
    if due_utc is None or due_utc >= now_utc:
        return ""
    hours = (now_utc - due_utc).total_seconds() / 3600
    return f"已超期 {hours / 24:.1f} 天" if hours >= 24 else f"已超期 {hours:.0f} 小时"


def remaining_text(due_utc: datetime | None, now_utc: datetime) -> str:
    """Time left until a deadline, or how long it is overdue (``overdue_text``)."""
    if due_utc is None:
        return ""
    if due_utc < now_utc:
        return overdue_text(due_utc, now_utc)
    hours = (due_utc - now_utc).total_seconds() / 3600
    return f"剩余 {hours / 24:.1f} 天" if hours >= 24 else f"剩余 {hours:.0f} 小时"


LIGHT_LABELS = {"green": "正常", "yellow": "临期", "red": "超期"}


def warn_point(start_utc: datetime, due_utc: datetime) -> datetime:
    """When the light turns yellow: 80% of the way from start to due (stored as warn_at)."""
    return start_utc + (due_utc - start_utc) * YELLOW_AT
