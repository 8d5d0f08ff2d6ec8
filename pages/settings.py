"""Admin settings: going live (the organisation and the checklist), categories with their SLA
rules, the township's own settings (link range, clocks), the holiday calendar."""

import streamlit as st

from components import data, ui
from components.settings_forms import calendar_section, categories_table, category_form, township_section
from components.setup_ui import setup_section, steps

actor = ui.guard("settings")
ui.page_header(
    "settings",
    "上线准备、诉求类别与办理时限、本乡镇设置、节假日日历。办理时限按工作日计算，"
    "节假日与调休以国务院办公厅公布的安排为准。",
)
ui.show_flash()
lists = data.settings_lists()
VIEWS = ["上线准备", "类别与办理时限", "本乡镇设置", "节假日日历"]
if st.query_params.get("view") == "setup":  # the home's 去完成上线准备 link
    st.session_state["settings_view"] = VIEWS[0]
    del st.query_params["view"]
elif "settings_view" not in st.session_state:  # a console not yet ready opens on its checklist
    st.session_state["settings_view"] = VIEWS[0] if not all(s.done for s in steps()) else VIEWS[1]
view = st.segmented_control("视图", VIEWS, key="settings_view", label_visibility="collapsed") or VIEWS[1]
if view == "上线准备":
    setup_section(actor)
elif view == "类别与办理时限":
    locked = data.county_settings_locked(actor)
    if lists["categories"]:
        categories_table(lists["categories"])
        if locked:
            st.info("诉求类别和办理时限" + data.COUNTY_ONLY)
        else:
            category_form(actor, lists["categories"])
    else:
        st.info(
            "尚未配置诉求类别："
            + ("请县级管理员在“上线准备”中载入标准类别目录。" if locked else "可在“上线准备”中载入标准类别目录。")
        )
elif view == "本乡镇设置":  # what a township keeps for itself, whatever the county's catalogue
    township_section(actor)
else:
    calendar_section(actor, lists["years"], editable=not data.county_settings_locked(actor))
