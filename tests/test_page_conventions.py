"""Conventions of the page code that no linter knows about."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# runtime.py stops the configuration-error page before the UI helpers can be imported
ALLOWED = {"components/ui.py", "components/runtime.py"}


def test_pages_end_their_run_with_ui_stop_not_st_stop():
    """``ui.stop`` marks the run finished for the browser tests before calling ``st.stop``;
    after a bare ``st.stop`` nothing more can be rendered, and a journey waiting for the run to
    finish would wait until its time-out."""
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "components").rglob("*.py"))]:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bst\.stop\(\)", line):
                offenders.append(f"{rel}:{no}")
    assert not offenders, offenders
