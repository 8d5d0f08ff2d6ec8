"""What to do when a test dependency (PostgreSQL binaries, Chromium, LibreOffice) is missing:
fail under CI=true, so a green CI run always ran the test, skip with the reason otherwise."""

from __future__ import annotations

import os

import pytest


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def unavailable(reason: str) -> None:
    """A test dependency is missing: fail under CI (never a silent skip there), else skip."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)
