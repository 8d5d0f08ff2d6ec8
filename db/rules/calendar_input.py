"""Parsing a year's official holiday schedule as an admin types it from the State Council notice.

One entry per line:
    2027-01-01 元旦                         a single day off
    2027-02-06 至 2027-02-13 春节           a range of days off (至, ~ or - between the dates)
    2027-02-14 上班 春节调休                 a make-up working day (调休): the word 上班
Blank lines and lines starting with # are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from db.errors import ValidationError

DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
RANGE_RE = re.compile(rf"^{DATE}\s*(?:至|到|~|－|—|-{{1,2}})\s*{DATE}\s*(.*)$")
SINGLE_RE = re.compile(rf"^{DATE}\s*(.*)$")
WORK_WORDS = ("上班", "调休上班", "补班")
MAX_RANGE_DAYS = 10


@dataclass
class Schedule:
    year: int
    days_off: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)


def _date(y: str, m: str, d: str, lineno: int) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise ValidationError(f"第{lineno}行：日期 {y}-{m}-{d} 不存在。") from None


def parse_schedule(year: int, text: str) -> Schedule:
    """The schedule of ``year``; raises ValidationError naming the line at the first problem."""
    sched = Schedule(year=year)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line or line.startswith("#"):
            continue
        m = RANGE_RE.match(line)
        if m:
            start, end = (
                _date(m.group(1), m.group(2), m.group(3), lineno),
                _date(m.group(4), m.group(5), m.group(6), lineno),
            )
            label = m.group(7).strip()
            if end < start:
                raise ValidationError(f"第{lineno}行：结束日期早于开始日期。")
            if (end - start).days + 1 > MAX_RANGE_DAYS:
                raise ValidationError(f"第{lineno}行：一次放假不应超过{MAX_RANGE_DAYS}天，请检查日期。")
            days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
            is_work = False
        else:
            m = SINGLE_RE.match(line)
            if not m:
                raise ValidationError(f"第{lineno}行：无法识别“{raw.strip()[:30]}”，格式如“2027-01-01 元旦”。")
            days = [_date(m.group(1), m.group(2), m.group(3), lineno)]
            label = m.group(4).strip()
            is_work = any(w in label for w in WORK_WORDS)
        if not label:
            raise ValidationError(f"第{lineno}行：请写明节日名称。")
        if len(label) > 40:
            raise ValidationError(f"第{lineno}行：节日名称过长。")
        for day in days:
            if day.year != year:
                raise ValidationError(f"第{lineno}行：{day:%Y-%m-%d} 不在{year}年内。")
            if day in sched.days_off or day in sched.workdays:
                raise ValidationError(f"第{lineno}行：{day:%Y-%m-%d} 重复出现。")
            if is_work:
                if day.weekday() < 5:
                    raise ValidationError(f"第{lineno}行：调休上班日 {day:%Y-%m-%d} 是工作日，应为周六或周日。")
                sched.workdays[day] = label
            else:
                sched.days_off[day] = label
    if not sched.days_off:
        raise ValidationError("请至少录入一个放假日期。")
    return sched
