"""The moment the tests run at (see tests/conftest.py, which starts db/clock.py there).

The default is a Friday morning of an ordinary week; ``GOV_TEST_CLOCK`` picks another moment
(the second-date CI run in scripts/test.sh: a Spring Festival week, 31 December, the first of a
month). Tests that build date-relative data use TEST_NOW; the code under test reads the same
clock through ``db.models.base.utcnow``.
"""

from __future__ import annotations

import os

from db import clock

DEFAULT = "2026-11-20T10:00:00+08:00"
TEST_NOW = clock.parse(os.environ.get("GOV_TEST_CLOCK") or DEFAULT)  # naive UTC
