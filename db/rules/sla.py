"""SLA clocks: working-day deadlines on the Chinese holiday calendar, and the traffic light.

Conventions (documented in docs/sla.md):
- Timestamps in and out are naive UTC; days are counted in Asia/Shanghai local time.
- The first-contact clock is plain hours (24 h by default: 诉求早回访).
- The handling clock counts N working days starting the day after the order was dispatched
  (day 1 is the first working day after that date); the deadline is the end of day N,
  i.e. 00:00 local time of the following calendar day.
- A working day is Monday to Friday, except public holidays, plus make-up working days
  (调休) that fall on a weekend. A day in a year whose official schedule has not been
  entered raises CalendarYearMissing instead of guessing.
- The light is green until 80% of the clock has run, yellow from 80%, red once overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
YELLOW_AT = 0.8
MAX_WORKDAYS = 366


class CalendarYearMissing(Exception):
    """A deadline reaches a year for which no official holiday schedule has been entered."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return f"{self.year}年的节假日安排尚未录入，无法计算办理时限，请管理员在“节假日日历”中录入。"


@dataclass(frozen=True)
class HolidayCalendar:
    """The years whose schedule is known and their exceptions to the Mon-Fri week."""

    known_years: frozenset[int]
    exceptions: dict[date, bool] = field(default_factory=dict)  # day -> is_workday

    def is_workday(self, day: date) -> bool:
        if day.year not in self.known_years:
            raise CalendarYearMissing(day.year)
        special = self.exceptions.get(day)
        if special is not None:
            return special
        return day.weekday() < 5


def to_local(ts: datetime) -> datetime:
    """Naive UTC -> aware Asia/Shanghai."""
    return ts.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


def local_to_utc(local: datetime) -> datetime:
    """Aware (or naive local) Asia/Shanghai -> naive UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_TZ)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


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


def contact_deadline(received_utc: datetime, hours: int = 24) -> datetime:
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


def light(start_utc: datetime, due_utc: datetime | None, now_utc: datetime,
          done_utc: datetime | None = None) -> str:
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


LIGHT_LABELS = {"green": "正常", "yellow": "临期", "red": "超期"}


def warn_point(start_utc: datetime, due_utc: datetime) -> datetime:
    """When the light turns yellow: 80% of the way from start to due (stored as warn_at)."""
    return start_utc + (due_utc - start_utc) * YELLOW_AT
