"""Home: what needs this person's attention today."""

import streamlit as st

from components import data, timefmt, ui
from db.models.base import utcnow
from db.rules.sla import to_local

actor = ui.guard("home")
WEEKDAYS = "一二三四五六日"
today = to_local(utcnow())
st.title(f"{ui.esc(actor.display_name)}，您好")
st.caption(f"{today:%Y年%m月%d日} 星期{WEEKDAYS[today.weekday()]} · {actor.role_label} · 以下为需要您今天关注的事项")
if actor.role == "admin":  # until the console is ready for its first call: the go-live checklist
    from components.setup_ui import checklist_panel, steps

    missing = steps()
    if not all(step.done for step in missing):
        with st.container(border=True):
            st.subheader("上线准备")
            checklist_panel(missing)
            st.page_link(
                "pages/settings.py",
                label="去完成上线准备",
                icon=":material/arrow_forward:",
                query_params={"view": "setup"},
            )
items = data.attention(actor, timefmt.minute_key())
ui.attention_cards(items)
if actor.role == "leader":  # the overdue grid events, the most overdue first (issue #21 item 4)
    from components.grid_events import overdue_panel

    overdue_panel(actor)
if actor.role == "demo":
    st.info("观摩演示账号为只读账号：所有页面中的群众姓名、电话和身份证号均已脱敏显示。")
