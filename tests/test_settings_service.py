"""Admin settings: category SLA rules and entering a year's holiday schedule (both backends)."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.errors import ConflictError, PermissionDenied, ValidationError
from db.models import AuditLog, CalendarDay, Category, HolidayYear
from db.permissions import Actor
from db.queries.calendar import load_calendar
from db.rules.calendar_input import parse_schedule
from db.rules.sla import add_workdays, deadline_provisional, local_to_utc, to_local
from db.services import settings as svc
from db.services.calendar import seed_from_package

ADMIN = Actor(0, "admin", "admin")
SCHEDULE_2027 = """
# 2027 (an illustrative schedule)
2027-01-01 元旦
2027-02-06 至 2027-02-12 春节
2027-02-14 上班 春节调休
2027-02-20 调休上班
"""


def test_parse_schedule():
    s = parse_schedule(2027, SCHEDULE_2027)
    assert len(s.days_off) == 8 and s.days_off[date(2027, 2, 9)] == "春节"
    assert set(s.workdays) == {date(2027, 2, 14), date(2027, 2, 20)}


@pytest.mark.parametrize(
    "text, message",
    [
        ("2027-02-30 春节", "不存在"),
        ("2026-12-31 元旦", "不在2027年内"),
        ("2027-02-10 至 2027-02-01 春节", "早于"),
        ("2027-03-03 上班 调休", "应为周六或周日"),
        ("2027-01-01 元旦\n2027-01-01 元旦", "重复"),
        ("明年元旦放假", "无法识别"),
        ("2027-01-01", "节日名称"),
        ("2027-02-14 上班 调休", "至少录入一个放假日期"),
    ],
)
def test_parse_schedule_rejects_with_line_numbers(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_schedule(2027, text)


def test_full_width_digits_are_accepted():
    s = parse_schedule(2027, "２０２７－０１－０１ 元旦")
    assert date(2027, 1, 1) in s.days_off


def test_enter_year_makes_deadlines_official(engine):
    with write_session(engine) as s:
        seed_from_package(s, [2026])
    start = local_to_utc(datetime(2026, 12, 30, 10))
    with read_session(engine) as s:
        cal = load_calendar(s)
    # before: 2027 is provisional (statutory holidays and weekends: 1 Jan off)
    assert cal.is_provisional_year(2027) and deadline_provisional(start, add_workdays(start, 5, cal), cal)
    res = svc.enter_holiday_year(engine, ADMIN, 2027, SCHEDULE_2027, "国办发明电〔2026〕1号")
    assert res == {"source": "国办发明电〔2026〕1号", "days_off": 8, "workdays": 2, "recounted": 0}
    with read_session(engine) as s:
        cal = load_calendar(s)
        audits = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "calendar.enter_year"))
    assert not cal.is_provisional_year(2027)
    # Wed 30 Dec 2026: Thu 31 (1), Fri 1 Jan off, Mon 4 (2), Tue 5 (3), Wed 6 (4), Thu 7 (5)
    assert to_local(add_workdays(start, 5, cal)).date() == date(2027, 1, 8)
    assert audits == 1
    with pytest.raises(ValidationError, match="已录入"):
        svc.enter_holiday_year(engine, ADMIN, 2027, SCHEDULE_2027, "x")
    svc.enter_holiday_year(engine, ADMIN, 2027, "2027-01-01 元旦", "更正", replace=True)
    with read_session(engine) as s:
        n = s.scalar(
            select(func.count())
            .select_from(CalendarDay)
            .where(CalendarDay.day.between(date(2027, 1, 1), date(2027, 12, 31)))
        )
        assert n == 1 and s.get(HolidayYear, 2027).source == "更正"
    with pytest.raises(PermissionDenied):
        svc.enter_holiday_year(engine, Actor(5, "leader", "leader"), 2028, "2028-01-01 元旦", "x")


def test_update_category_is_versioned_and_validated(engine):
    with write_session(engine) as s:
        c = Category(code="T1", name="道路", default_tier="local", handling_workdays=5, contact_hours=24)
        s.add(c)
        s.flush()
        cid, v = c.id, c.version
    kw = dict(
        name="道路交通",
        default_tier="whistle",
        platform_code="zhifa",
        contact_hours=12,
        handling_workdays=7,
        keywords="路灯， 坑洼、井盖,路灯",
        active=True,
    )
    v2 = svc.update_category(engine, ADMIN, cid, v, **kw)
    assert v2 == v + 1
    with read_session(engine) as s:
        c = s.get(Category, cid)
        assert (c.name, c.handling_workdays, c.keywords) == ("道路交通", 7, "路灯,坑洼,井盖")
    with pytest.raises(ConflictError):
        svc.update_category(engine, ADMIN, cid, v, **kw)
    for bad, msg in [
        (dict(handling_workdays=0), "办理时限"),
        (dict(contact_hours=100), "首次联系"),
        (dict(name=" "), "类别名称"),
        (dict(platform_code="nope"), "承办平台"),
    ]:
        with pytest.raises(ValidationError, match=msg):
            svc.update_category(engine, ADMIN, cid, v2, **{**kw, **bad})
    with pytest.raises(PermissionDenied):
        svc.update_category(engine, Actor(3, "demo", "demo"), cid, v2, **kw)
