"""网格事件: the leader's overdue list on the home page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import ui
from components.grid_events.reads import overdue
from components.timefmt import fmt_deadline, minute_key
from db.models.base import utcnow
from db.models.grid_work import EVENT_TYPES
from db.permissions import Actor
from db.queries.grid_events import EVENT_COUNTS, STAGES
from db.rules.sla import overdue_text


def overdue_panel(actor: Actor) -> None:
    """The leader's home: the unclosed grid events past their deadline, the most overdue first,
    with a link to the events page filtered to them (已超期)."""
    c = EVENT_COUNTS["overdue"]
    n, rows = overdue(actor.role, minute_key())
    now = utcnow()
    with st.container(border=True):
        st.markdown(f"**{c.label}（{n}件）**", help=c.definition)
        if not rows:
            st.caption("目前没有超过处置时限的未结网格事件。")
            return
        ui.table(
            pd.DataFrame(
                {
                    "编号": [r["number"] for r in rows],
                    "类型": [EVENT_TYPES.get(r["event_type"], r["event_type"]) for r in rows],
                    "网格": [f"{r['village'] or ''} {r['grid'] or ''}".strip() for r in rows],
                    "环节": [STAGES[r["stage"]] for r in rows],
                    "处置时限": [fmt_deadline(r["due_at"], r["due_provisional"]) for r in rows],
                    "超期": [overdue_text(r["due_at"], now) for r in rows],
                }
            ).set_index("编号")
        )
        st.page_link(
            "pages/grid_events.py",
            label=f"查看全部{n}件超期网格事件并督促办理",
            icon=":material/arrow_forward:",
            query_params={"only": "overdue"},
        )
