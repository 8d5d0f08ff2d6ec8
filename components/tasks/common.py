"""What the task views share: the page size, the quick views, the warning badges, and what
follows a save.

A save of a record the form was rendered with (a task, a milestone) sends the version kept in
session_state when the form was first rendered (``task_v_…``, ``ui.remember_version``) through
``ui.save_versioned``: a conflict drops the kept version and the caches and shows the message,
so the retry works on what is now stored. After any save every kept version and chosen action
is forgotten, the ledger table starts afresh and the task is shown (``reset``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components import ui

PAGE_SIZE = 20
QUICK = {
    "open": "在办任务",
    "overdue": "已逾期",
    "milestone_overdue": "节点逾期",
    "due_soon": "7天内到期",
    "closed": "已销号",
    "all": "全部任务",
}
LEVEL_BADGE = {"overdue": "red", "soon": "orange"}


def version_key(kind: str, ident: int) -> str:
    return f"task_v_{kind}_{ident}"


def reset(task_id: int) -> None:
    """After a save: forget every kept version and chosen action, start the ledger table afresh
    (no stale selection) and show the task."""
    for key in [k for k in st.session_state if str(k).startswith(("task_v_", "task_act_"))]:
        del st.session_state[key]
    st.session_state["task_table_gen"] = st.session_state.get("task_table_gen", 0) + 1
    st.query_params["task"] = str(task_id)


def done(message: str, task_id: int) -> None:
    """After a save that sent no version (a new task)."""
    ui.after_save(message, after=lambda: reset(task_id))


def save(key: str, task_id: int, write: Callable[[int], Any], message: str) -> None:
    """Save with the version kept under ``key``: ``write(version)``; then ``message``, the task shown."""
    ui.save_versioned(key, write, message, conflict_note=ui.SAVED_NOTE, after=lambda: reset(task_id))
