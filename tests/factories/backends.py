"""The two database backends a test runs on: SQLite (id ``sqlite``) and PostgreSQL (id ``pg``,
marked ``pg``). The ``engine`` fixtures of tests/conftest.py are parametrized over this list, and
so is any module-scoped world that must run on both."""

from __future__ import annotations

import pytest

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="pg", marks=pytest.mark.pg),
]
