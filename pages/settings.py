"""Admin settings: categories with their SLA rules; the holiday calendar."""

import streamlit as st

from components import data, ui
from components.settings_forms import calendar_section, categories_table, category_form

actor = ui.guard("settings")
ui.page_header("settings", "办理时限按工作日计算，节假日与调休以国务院办公厅公布的安排为准。")
ui.show_flash()
lists = data.settings_lists()
tab_cat, tab_cal = st.tabs(["类别与办理时限", "节假日日历"])
with tab_cat:
    if lists["categories"]:
        categories_table(lists["categories"])
        category_form(actor, lists["categories"])
    else:
        st.info("尚未配置诉求类别。")
with tab_cal:
    calendar_section(actor, lists["years"])
