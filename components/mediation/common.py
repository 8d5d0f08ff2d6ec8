"""What the mediation views share: the page size, the file types, and what follows a save.

A save of a record the form was rendered with (a case, a village's screening of a month) goes
through ``ui.save_versioned(..., reload_on_conflict=True)``: a conflict drops the kept version
(``med_v_…``) and the caches and runs the page again, which shows the record as now stored and
the message where ``ui.show_conflict()`` is called, so the retry works on what is now stored.
After any save the module's kept state is reset (``reset``) and the page runs again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components import ui

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def version_key(case_id: int) -> str:
    return f"med_v_{case_id}"


def reset(number: str | None = None) -> None:
    """After a save: forget every kept version and chosen action, start the ledger table afresh
    (no stale selection) and, with ``number``, show that case."""
    for key in [k for k in st.session_state if str(k).startswith("med_v_") or str(k).startswith("med_act_")]:
        del st.session_state[key]
    st.session_state["med_table_gen"] = st.session_state.get("med_table_gen", 0) + 1
    if number:
        st.query_params["case"] = number


def done(message: str, number: str | None = None) -> None:
    """After a save that sent no version (a new case, a visit, the settings)."""
    ui.after_save(message, after=lambda: reset(number))


def save_case(c: dict, save: Callable[[Any], dict], message: Callable[[dict], str]) -> None:
    """Save the case ``c`` with the version it was rendered at: ``save(version)``; ``message(out)``."""
    ui.save_versioned(version_key(c["id"]), save, message, after=lambda: reset(c["number"]), reload_on_conflict=True)
