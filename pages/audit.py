"""Audit log: every write, browsable with filters (admins only; the log is append-only)."""

from datetime import timedelta

import streamlit as st

from components import data, paging, ui
from db.audit_labels import action_label, change_text, entity_label
from db.queries.audit import AuditFilter
from db.rules.sla import local_midnight, to_local

PAGE_SIZE = 50
actor = ui.guard("audit")
ui.page_header("audit", "系统中的每一次写操作都留有审计记录；审计日志只能追加，任何角色都不能修改或删除。")
facets = data.audit_facets(actor)
c1, c2, c3, c4 = st.columns(4)
username = c1.selectbox("操作人", ["（全部）"] + facets["usernames"])
entity = c2.selectbox(
    "对象", ["（全部）"] + facets["entities"], format_func=lambda c: c if c == "（全部）" else entity_label(c)
)
action = c3.selectbox(
    "操作", ["（全部）"] + facets["actions"], format_func=lambda c: c if c == "（全部）" else action_label(c)
)
dates = c4.date_input("日期范围", value=(), format="YYYY-MM-DD")
since = until = None
if isinstance(dates, tuple) and len(dates) == 2:
    since = local_midnight(dates[0])
    until = local_midnight(dates[1] + timedelta(days=1))
f = AuditFilter(
    username=None if username == "（全部）" else username,
    entity=None if entity == "（全部）" else entity,
    action=None if action == "（全部）" else action,
    since=since,
    until=until,
)
if st.session_state.get("audit_last_filter") != f:  # a new filter starts at page 1
    st.session_state["audit_last_filter"] = f
    st.session_state["audit_page"] = 1
page = paging.paged("audit_page", lambda off, lim: data.audit_page(actor, f, off, lim), PAGE_SIZE)
page.control()
df = page.rows
if df.empty:
    st.info("没有符合条件的审计记录。")
else:
    df["at"] = df["at"].map(lambda t: f"{to_local(t):%Y-%m-%d %H:%M:%S}")
    # the person, then the account: 王接待（reception）; the system's own writes say 系统
    df["who"] = [
        (f"{n}（{u}）" if n and n != u else u) if u != "system" else "系统"
        for n, u in zip(df["display_name"], df["username"], strict=True)
    ]
    df["action"] = df["action"].map(action_label)
    df["entity"] = df["entity"].map(entity_label)
    df["change"] = [change_text(b, a) for b, a in zip(df["before"], df["after"], strict=True)]
    df = df[["id", "at", "who", "action", "entity", "entity_id", "change"]].rename(
        columns={
            "id": "编号",
            "at": "时间",
            "who": "操作人",
            "action": "操作",
            "entity": "对象",
            "entity_id": "对象编号",
            "change": "内容",
        }
    )
    st.dataframe(
        df, hide_index=True, width="stretch", column_config={"内容": st.column_config.TextColumn(width="large")}
    )
