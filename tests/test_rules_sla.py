"""SLA deadline arithmetic against the State Council's published schedules.

2025 Spring Festival (国办发明电〔2024〕12号): off 28 Jan - 4 Feb 2025; make-up working days
Sunday 26 Jan and Saturday 8 Feb. National Day + Mid-autumn 2025: off 1-8 Oct; make-up
working days Sunday 28 Sep and Saturday 11 Oct.
"""

from datetime import date, datetime

import pytest

from db.queries.calendar import calendar_from_package
from db.rules.sla import (
    CalendarYearMissing,
    HolidayCalendar,
    add_workdays,
    contact_deadline,
    deadline_provisional,
    deadline_text,
    light,
    local_to_utc,
    to_local,
    warn_point,
    workdays_between,
)

CAL = calendar_from_package()


def local(y, m, d, h=10, mi=0):
    return local_to_utc(datetime(y, m, d, h, mi))


def due_local_date(start, n, cal=None):
    """The last working day counted (the deadline is the end of it)."""
    end = to_local(add_workdays(start, n, cal or CAL))
    assert (end.hour, end.minute, end.second) == (0, 0, 0)
    return date.fromordinal(end.date().toordinal() - 1)


@pytest.mark.parametrize(
    "start, n, expected",
    [
        # Monday 27 Jan 2025: the holiday runs 28 Jan - 4 Feb; day 1 is Wed 5 Feb
        (local(2025, 1, 27), 1, date(2025, 2, 5)),
        (local(2025, 1, 27), 3, date(2025, 2, 7)),
        # day 4 is the make-up Saturday 8 Feb
        (local(2025, 1, 27), 4, date(2025, 2, 8)),
        (local(2025, 1, 27), 5, date(2025, 2, 10)),
        # Friday 24 Jan: Saturday is off, Sunday 26 Jan is a make-up working day
        (local(2025, 1, 24), 1, date(2025, 1, 26)),
        (local(2025, 1, 24), 2, date(2025, 1, 27)),
        # National Day: Friday 26 Sep -> Sunday 28 Sep (make-up) -> Mon 29, Tue 30 -> off 1-8 Oct -> Thu 9
        (local(2025, 9, 26), 1, date(2025, 9, 28)),
        (local(2025, 9, 26), 3, date(2025, 9, 30)),
        (local(2025, 9, 26), 4, date(2025, 10, 9)),
        (local(2025, 9, 26), 6, date(2025, 10, 11)),  # make-up Saturday 11 Oct
        (local(2025, 9, 26), 7, date(2025, 10, 13)),
        # an ordinary week: Monday + 5 = next Monday
        (local(2025, 3, 3), 5, date(2025, 3, 10)),
    ],
)
def test_deadline_across_holidays(start, n, expected):
    assert due_local_date(start, n) == expected


def test_local_day_boundary_uses_beijing_time():
    # 23:30 on Friday 7 Mar 2025 in Beijing is 15:30 UTC the same day; 00:30 Saturday local
    # is still Friday in UTC. Counting follows the local date.
    late_friday = local(2025, 3, 7, 23, 30)
    early_saturday = local(2025, 3, 8, 0, 30)
    assert due_local_date(late_friday, 1) == date(2025, 3, 10)
    assert due_local_date(early_saturday, 1) == date(2025, 3, 10)
    assert to_local(early_saturday).date() == date(2025, 3, 8)


def test_unknown_year_raises_instead_of_guessing():
    cal = HolidayCalendar(known_years=frozenset({2026}), exceptions={})
    with pytest.raises(CalendarYearMissing) as err:
        add_workdays(local(2026, 12, 30), 5, cal)
    assert err.value.year == 2027
    assert "2027年" in str(err.value)


def test_admin_entered_year_is_used():
    # a made-up 2027 schedule: Monday 4 Jan 2027 is a holiday, Saturday 9 Jan a make-up day
    cal = HolidayCalendar(
        known_years=frozenset({2026, 2027}),
        exceptions={date(2027, 1, 1): False, date(2027, 1, 4): False, date(2027, 1, 9): True},
    )
    start = local(2026, 12, 31)  # Thursday
    end = to_local(add_workdays(start, 2, cal))
    # 1 Jan off, 2-3 Jan weekend, 4 Jan off: day 1 is Tue 5 Jan, day 2 Wed 6 Jan -> ends at 7 Jan 00:00
    assert (end.date(), end.hour) == (date(2027, 1, 7), 0)


def test_workdays_must_be_positive_and_bounded():
    with pytest.raises(ValueError):
        add_workdays(local(2025, 3, 3), 0, CAL)
    with pytest.raises(ValueError):
        add_workdays(local(2025, 3, 3), 10_000, CAL)


def test_workdays_between_counts_make_up_days():
    # 26 Jan (make-up Sunday), 27 Jan, then 5, 6, 7 Feb and the make-up Saturday 8 Feb
    assert workdays_between(local(2025, 1, 24), local(2025, 2, 8), CAL) == 6
    assert workdays_between(local(2025, 3, 3), local(2025, 3, 3), CAL) == 0


def test_contact_clock_is_plain_hours():
    start = datetime(2025, 1, 27, 2, 0)
    assert contact_deadline(start) == datetime(2025, 1, 28, 2, 0)
    assert contact_deadline(start, 2) == datetime(2025, 1, 27, 4, 0)
    with pytest.raises(ValueError):
        contact_deadline(start, 0)


def test_light_thresholds():
    start, due = datetime(2025, 3, 3), datetime(2025, 3, 13)  # ten days
    assert light(start, due, datetime(2025, 3, 10, 23)) == "green"  # 79.6%
    assert light(start, due, datetime(2025, 3, 11)) == "yellow"  # 80%
    assert light(start, due, datetime(2025, 3, 13)) == "yellow"  # due now, not yet over
    assert light(start, due, datetime(2025, 3, 13, 0, 0, 1)) == "red"
    # a stopped clock is judged when it stopped
    assert light(start, due, datetime(2025, 4, 1), done_utc=datetime(2025, 3, 12)) == "green"
    assert light(start, due, datetime(2025, 4, 1), done_utc=datetime(2025, 3, 14)) == "red"
    assert light(start, None, datetime(2025, 4, 1)) == "green"
    assert warn_point(start, due) == datetime(2025, 3, 11)


def test_local_midnight_is_beijing_midnight_in_utc():
    from db.rules.sla import local_midnight

    assert local_midnight(date(2025, 3, 8)) == datetime(2025, 3, 7, 16, 0)
    assert to_local(local_midnight(date(2026, 1, 1))).isoformat() == "2026-01-01T00:00:00+08:00"


# --------------------------------------------------------------------------- provisional years


def test_statutory_holidays_are_among_the_official_days_off_of_every_year_since_the_revision():
    """The 2024 revision (13 days) is in force from 2025: every statutory day is a day off in the
    official schedules the package knows for 2025 and 2026, so a provisional year never counts
    a statutory holiday as a working day."""
    import chinese_calendar

    from db.rules.statutory import statutory_days_off

    for year in (2025, 2026):
        days = statutory_days_off(year)
        assert len(days) == 13, (year, sorted(days))
        assert all(chinese_calendar.is_holiday(d) for d in days), year
    assert statutory_days_off(2027)[date(2027, 2, 5)] == "春节"  # 除夕 of the year of the goat
    assert statutory_days_off(2028)[date(2028, 4, 4)] == "清明节"


def test_a_provisional_calendar_counts_weekends_and_statutory_holidays_only():
    cal = HolidayCalendar(known_years=frozenset({2026}), exceptions={}, provisional=True)
    assert not cal.is_workday(date(2027, 1, 1))  # 元旦, a Friday
    assert cal.is_workday(date(2027, 1, 4))
    assert not cal.is_workday(date(2027, 2, 8))  # 正月初三, a Monday
    assert cal.is_workday(date(2027, 2, 9))  # no bridge days and no make-up days: unknown until the notice
    assert not cal.is_workday(date(2027, 2, 13))  # a Saturday stays a day off
    assert cal.is_provisional_year(2027) and not cal.is_provisional_year(2026)
    start = local(2026, 12, 29, 9, 0)
    due = add_workdays(start, 3, cal)  # 30, 31 Dec, (1 Jan off), 4 Jan
    assert due_local_date(start, 3, cal) == date(2027, 1, 4)
    assert deadline_provisional(start, due, cal)
    inside = add_workdays(local(2026, 12, 21, 9, 0), 3, cal)  # ends on 24 December
    assert not deadline_provisional(local(2026, 12, 21, 9, 0), inside, cal)
    # the last day counted decides: a clock ending at 24:00 on 31 December is not provisional
    end_of_year = add_workdays(local(2026, 12, 28, 9, 0), 3, cal)
    assert to_local(end_of_year).date() == date(2027, 1, 1)
    assert not deadline_provisional(local(2026, 12, 28, 9, 0), end_of_year, cal)
    assert deadline_text(end_of_year) == "2026-12-31 24:00"
    assert deadline_text(due, provisional=True) == "2027-01-04 24:00（暂定）"
    assert deadline_text(None) == "—"


def test_without_provisional_a_missing_year_still_raises():
    with pytest.raises(CalendarYearMissing):
        HolidayCalendar(known_years=frozenset({2026}), provisional=False).is_workday(date(2027, 1, 4))
    with pytest.raises(CalendarYearMissing):  # beyond the lunar tables even a provisional one does
        HolidayCalendar(known_years=frozenset(), provisional=True).is_workday(date(2100, 1, 4))
