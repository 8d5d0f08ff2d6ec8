"""12345对接: orders transferred by the county's 12345 platform and the petition office's list
imported from their exports, and the replies written back in the county's layout."""

import streamlit as st

from components import county_ui, ui

actor = ui.guard("county_link")
ui.page_header(
    "county_link",
    "县12345平台转办工单、县信访件：导入县平台的导出文件，逐行检查、核对后一次导入；办理进展按县平台格式导出回复。",
)
views = {"12345": "导入转办工单", "petition": "导入信访件", "reply": "回复县平台", "columns": "列对应"}
view = (
    st.segmented_control(
        "视图", list(views), format_func=views.get, default="12345", key="county_view", label_visibility="collapsed"
    )
    or "12345"
)
if view in ("12345", "petition"):
    county_ui.import_view(actor, view)
elif view == "reply":
    county_ui.reply_view(actor)
else:
    county_ui.columns_view(actor)
