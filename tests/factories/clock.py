"""The moment the tests run at (see tests/conftest.py, which starts db/clock.py there).

The default is a Friday morning of an ordinary week. ``GOV_TEST_CLOCK`` picks another moment;
``GOV_TEST_CLOCKS`` (comma-separated) gives each pytest-xdist worker its own, by worker number:
the date run in scripts/test.sh runs the date-sensitive tests on as many workers as moments with
``--dist each``, so every test runs once at each moment (a Spring Festival week, 31 December,
the first of a month) in one pytest run. Tests that build date-relative data use TEST_NOW; the
code under test reads the same clock through ``db.models.base.utcnow``.
"""

from __future__ import annotations

import os

from db import clock

DEFAULT = "2026-11-20T10:00:00+08:00"


def _moment() -> str:
    moments = [m.strip() for m in os.environ.get("GOV_TEST_CLOCKS", "").split(",") if m.strip()]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"…
    if moments and worker.startswith("gw"):
        return moments[int(worker[2:]) % len(moments)]
    return os.environ.get("GOV_TEST_CLOCK") or DEFAULT


MOMENT = _moment()
TEST_NOW = clock.parse(MOMENT)  # naive UTC
