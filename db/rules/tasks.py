"""Pure rules of the task ledger (任务台账): the fields as typed (on the page and in the Excel
ledger alike), and the warnings of a deadline.

Deadlines are local dates. A task or milestone not done is 已逾期 N 天 from the day after its
deadline (due 30 November, on 2 December: 已逾期2天), 即将到期 from seven days before it to the day
itself (今天到期 on the day). Done (a closed task, a milestone with its day) has no warning.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal, overload

from db.errors import ValidationError
from db.models.tasks import TASK_SOURCES
from db.rules.roster import clean_name
from db.rules.text import bounded_int, clean_text

DUE_SOON_DAYS = 7
NUMBER_MAX, TITLE_MAX, UNIT_MAX, UNITS_MAX, OWNER_MAX = 40, 200, 60, 300, 30
TEXT_MAX, REASON_MAX, TITLE_MIN = 2000, 500, 2
EVIDENCE_MIN = 4
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
# the console's own numbers (the counter would hand such a number out again later)
CONSOLE_NUMBER = re.compile(r"RW-\d{4}-\d{6}")
NUMBER_PREFIX = "RW"


# --------------------------------------------------------------------------- fields


def clean_number(value: Any, required: bool = False) -> str | None:
    """The ledger's own number (任务编号) as typed: one line, at most 40 characters."""
    return clean_name(value, "任务编号", "number", max_len=NUMBER_MAX, required=required)


def clean_title(value: Any) -> str:
    return clean_text(value, "任务名称", max_len=TITLE_MAX, min_len=TITLE_MIN, required=True, field="title")


def clean_lead_unit(value: Any) -> str:
    return clean_name(value, "牵头单位", "lead_unit", max_len=UNIT_MAX)


def clean_units(value: Any) -> str | None:
    return clean_text(value, "责任单位", max_len=UNITS_MAX, field="responsible_units")


def clean_owner(value: Any) -> str | None:
    return clean_name(value, "责任人", "owner", max_len=OWNER_MAX, required=False)


def clean_standard(value: Any) -> str | None:
    return clean_text(value, "量化标准", max_len=TEXT_MAX, multiline=True, field="standard")


def clean_source(value: Any) -> str:
    """A source code (county / city / township / other) or its label (县级交办…); empty: 乡镇自定."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "township"
    raw = str(value).strip()
    for code, label in TASK_SOURCES.items():
        if raw in (code, label):
            return code
    raise ValidationError("来源只能是 " + " / ".join(TASK_SOURCES.values()) + "。", field="source")


@overload
def clean_date(value: Any, label: str, field: str, required: Literal[True] = ...) -> date: ...
@overload
def clean_date(value: Any, label: str, field: str, required: bool = ...) -> date | None: ...
def clean_date(value: Any, label: str, field: str, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise ValidationError(f"{label}不是日期。", field=field)
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(f"{label}须在{EARLIEST.year}年至{LATEST.year}年之间。", field=field)
    return value


def not_after_today(day: date, today: date, label: str, field: str) -> date:
    if day > today:
        raise ValidationError(f"{label}不能晚于今天（{today:%Y-%m-%d}）。", field=field)
    return day


def milestone_within_task(milestone_due: date, task_due: date) -> None:
    if milestone_due > task_due:
        raise ValidationError(
            f"节点时限（{milestone_due:%Y-%m-%d}）不能晚于任务完成时限（{task_due:%Y-%m-%d}）。", field="due_on"
        )


def clean_percent(value: Any) -> int:
    return bounded_int(value, 0, 100, "完成进度须为0至100之间的整数（百分比）。", field="percent")


# --------------------------------------------------------------------------- warnings


def overdue_days(due_on: date | None, today: date, done: bool = False) -> int:
    """Whole days past the deadline (0: not overdue, or done)."""
    if done or due_on is None:
        return 0
    return max(0, (today - due_on).days)


def days_left(due_on: date, today: date) -> int:
    return (due_on - today).days


def warning(due_on: date | None, today: date, done: bool = False) -> tuple[str, str]:
    """(level, words) of a deadline: ("overdue", "已逾期3天"), ("soon", "即将到期（剩2天）" /
    "今天到期"), ("", "") when done, far off or without a deadline."""
    if done or due_on is None:
        return "", ""
    late = overdue_days(due_on, today)
    if late:
        return "overdue", f"已逾期{late}天"
    left = days_left(due_on, today)
    if left == 0:
        return "soon", "今天到期"
    if left <= DUE_SOON_DAYS:
        return "soon", f"即将到期（剩{left}天）"
    return "", ""


__all__ = [
    "CONSOLE_NUMBER",
    "DUE_SOON_DAYS",
    "NUMBER_PREFIX",
    "clean_date",
    "clean_lead_unit",
    "clean_number",
    "clean_owner",
    "clean_percent",
    "clean_source",
    "clean_standard",
    "clean_title",
    "clean_units",
    "days_left",
    "milestone_within_task",
    "not_after_today",
    "overdue_days",
    "warning",
]
