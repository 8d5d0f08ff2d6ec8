"""The module's settings: the follow-up interval and the no-progress reminder (county accounts)."""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.mediation.common import done
from components.mediation.reads import settings
from db.permissions import Actor
from db.services import mediation as svc


def settings_view(actor: Actor) -> None:
    cur = settings()
    if data.county_settings_locked(actor):
        st.markdown(f"回访间隔：协议达成后 **{cur['followup_days']}** 天；无进展提醒：**{cur['stale_days']}** 天。")
        st.info("调解回访和提醒设置" + data.COUNTY_ONLY)
        return
    with st.form("med_settings"):
        a, b = st.columns(2)
        fu = a.number_input("回访间隔（协议达成后天数）", 1, 365, value=cur["followup_days"])
        sd = b.number_input("无进展提醒（天）", 1, 180, value=cur["stale_days"])
        if st.form_submit_button("保存设置", type="primary"):
            with ui.user_errors():
                svc.update_settings(runtime.engine(), actor, followup_days=fu, stale_days=sd)
                done("调解设置已保存。")
