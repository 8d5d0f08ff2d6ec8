"""Cached display reads: plain dicts and DataFrames only, never ORM objects.

Each wrapper is cleared by ``invalidate()`` after a write from this process.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components import runtime
from db.engine import read_session
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import audit as audit_q
from db.queries import home as home_q


@st.cache_data(ttl=30, show_spinner=False)
def attention(actor: Actor, minute: str) -> list:
    """Home-page counts for the actor; ``minute`` keys the cache to the current minute."""
    with read_session(runtime.engine()) as s:
        return home_q.attention(s, actor, utcnow())


@st.cache_data(ttl=30, show_spinner=False)
def audit_page(f: audit_q.AuditFilter, offset: int, limit: int) -> tuple[int, pd.DataFrame]:
    with read_session(runtime.engine()) as s:
        total = audit_q.count(s, f)
        rows = audit_q.page(s, f, offset, limit)
    return total, pd.DataFrame(rows)


@st.cache_data(ttl=300, show_spinner=False)
def audit_facets() -> dict[str, list[str]]:
    with read_session(runtime.engine()) as s:
        return audit_q.facets(s)


def now_minute() -> str:
    return datetime.now().strftime("%Y%m%d%H%M")


def invalidate() -> None:
    """Call after any write so the next read sees it."""
    st.cache_data.clear()


@st.cache_data(ttl=600, show_spinner=False)
def reference() -> dict[str, list[dict]]:
    from db.queries import reference as ref_q

    with read_session(runtime.engine()) as s:
        return {"platforms": ref_q.platforms(s), "villages": ref_q.villages(s)}


@st.cache_data(ttl=60, show_spinner=False)
def settings_lists() -> dict:
    from db.queries import settings as settings_q

    with read_session(runtime.engine()) as s:
        return {"categories": settings_q.categories(s), "years": settings_q.holiday_years(s)}


@st.cache_data(ttl=60, show_spinner=False)
def calendar_days(year: int) -> pd.DataFrame:
    from db.queries import settings as settings_q

    with read_session(runtime.engine()) as s:
        return pd.DataFrame(settings_q.calendar_days(s, year))
