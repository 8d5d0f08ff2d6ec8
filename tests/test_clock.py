"""db/clock.py: the one clock the console reads, and how tests and subprocesses move it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from db import clock
from db.models.base import utcnow
from tests.factories.clock import TEST_NOW

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_parse_reads_beijing_time_unless_an_offset_is_given():
    assert clock.parse("2026-02-18T10:00") == datetime(2026, 2, 18, 2, 0)
    assert clock.parse("2026-02-18T10:00:00+08:00") == datetime(2026, 2, 18, 2, 0)
    assert clock.parse("2026-02-18T02:00:00Z") == datetime(2026, 2, 18, 2, 0)
    assert clock.parse("2025-12-31") == datetime(2025, 12, 31, 2, 0)  # a bare date: 10:00 that day
    for bad in ("", "tomorrow", "2026-13-01"):
        with pytest.raises(ValueError):
            clock.parse(bad)


def test_the_tests_run_at_their_own_moment_and_the_clock_runs():
    now = utcnow()
    assert TEST_NOW <= now < TEST_NOW + timedelta(hours=1)  # a test session is shorter than an hour
    assert clock.is_moved()
    later = utcnow()
    assert later >= now  # it runs (timestamps written one after another still order)


def test_freeze_start_at_and_restore():
    saved = clock.state()  # what tests/conftest.py's _clock_put_back keeps around each test
    clock.freeze(datetime(2030, 1, 1))
    assert utcnow() == datetime(2030, 1, 1) == utcnow()
    clock.start_at(datetime(2031, 6, 1))
    assert datetime(2031, 6, 1) <= utcnow() < datetime(2031, 6, 1, 0, 1)
    clock.restore(saved)
    assert TEST_NOW <= utcnow() < TEST_NOW + timedelta(hours=1)


def test_a_subprocess_reads_the_moment_it_is_given():
    code = "from db.models.base import utcnow; print(utcnow().isoformat())"
    env = dict(os.environ, GOV_CLOCK="2026-02-18T10:00")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    seen = datetime.fromisoformat(out)
    assert datetime(2026, 2, 18, 2, 0) <= seen < datetime(2026, 2, 18, 2, 1)


def test_without_gov_clock_a_process_reads_the_system_clock():
    code = "from db import clock; print(clock.is_moved(), clock.utcnow().isoformat())"
    env = {k: v for k, v in os.environ.items() if k != clock.ENV}
    before = datetime.utcnow()  # noqa: DTZ003 - the system clock itself, for comparison
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "False"
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(out[1]) <= datetime.utcnow() + timedelta(seconds=1)


def test_lists_show_the_year_only_when_it_is_not_this_year():
    """Issue #22: a list of dates without a year hid that an open item was from last year."""
    from datetime import date

    from components.timefmt import fmt_short
    from db.rules.sla import local_to_utc, to_local

    this_year = to_local(utcnow()).year  # the year in Beijing at the tests' clock
    assert fmt_short(local_to_utc(datetime(this_year, 3, 1, 9, 18))) == "03-01 09:18"
    assert fmt_short(local_to_utc(datetime(this_year - 1, 11, 1, 9, 18))) == f"{this_year - 1}-11-01 09:18"
    assert fmt_short(date(this_year, 7, 4)) == "07-04"
    assert fmt_short(date(this_year + 1, 1, 2)) == f"{this_year + 1}-01-02"
    assert fmt_short(None) == "—"
