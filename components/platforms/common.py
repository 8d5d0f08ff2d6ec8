"""What the platforms' views share: the page size, "now", a deadline as text, the pager, the
record views' switch, and the two ways a form saves.

A form that changes an existing record remembers the record's version when it is first rendered
(``remember_versions``, kept under ``pl_v_<kind>_<id>``) and saves with ``save`` (the one
versioned save, ``ui.save_versioned``): a change made meanwhile by someone else is refused as a
conflict, the kept version and the caches are dropped, and the user sees the other change and
may submit again. A form that creates a record saves inside ``ui.user_errors`` and then calls
``after_write``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st

from components import data, paging, ui
from components.timefmt import fmt_deadline
from db.models.base import utcnow
from db.permissions import Actor

PAGE_SIZE = 15


def now_utc() -> datetime:
    return utcnow().replace(second=0, microsecond=0)


def as_pid(actor: Actor, plat: dict) -> int | None:
    return plat["id"] if actor.role == "admin" else None


def due_text(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "—"
    text = fmt_deadline(due)  # 24:00 of the last day, as every page writes a deadline
    return f"{text}（已超期）" if due < now else text


# --------------------------------------------------------------------------- saving


def after_write(message: str) -> None:
    """After a save that sent no version (a new record)."""
    ui.after_save(message)


def version_key(kind: str, record_id: int) -> str:
    return f"pl_v_{kind}_{record_id}"


def remember_versions(kind: str, rows: list[dict]) -> None:
    """Remember the loaded version of every row a form on the page may act on."""
    for r in rows:
        ui.remember_version(version_key(kind, r["id"]), r["version"])


def save(kind: str, record_id: int, write: Callable[[Any], Any], message: str) -> None:
    """``write(version)`` (a service call given the version remembered for the record), then the
    page runs again with ``message``; a conflict reloads the data and says so."""
    ui.save_versioned(version_key(kind, record_id), write, message, conflict_note=ui.RELOADED_NOTE)


# --------------------------------------------------------------------------- lists


def pager(key: str, fetch: Callable[[int, int], tuple[int, Any]]) -> paging.Page:
    """A page of ``fetch(offset, limit)`` with its count line and buttons."""
    page = paging.paged(key, fetch, PAGE_SIZE)
    page.control()
    return page


def sub_view(key: str, views: list[str]) -> str:
    """The record view inside a platform's ledger: a segmented control (its value kept in
    session_state under ``key``), not tabs, so a save's rerun stays on the same view."""
    return st.segmented_control("台账", views, default=views[0], key=key, label_visibility="collapsed") or views[0]


def village_map(plat: dict) -> dict[int, str]:
    return {v["id"]: v["name"] for v in data.reference()["villages"] if v["township"] == plat["township"]}
