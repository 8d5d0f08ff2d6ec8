"""户与地址: the household list, and ``household_chain`` (a household's chain of responsibility
and its 一户一档 history), which other pages may call."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging, ui
from components.roster import common, reads
from components.timefmt import fmt
from db.models.grid_work import EVENT_STATUSES
from db.models.mediation import CASE_STATUSES, RISK_COLOURS
from db.models.orders import ORDER_STATUSES
from db.models.org import GRID_KINDS
from db.permissions import Actor, sees_unmasked
from db.queries import roster as q


def household_chain(household_id: int, role: str) -> None:
    """The chain of responsibility of a household (grid chief → grid worker → ten-household chief
    → linked party member), phones masked for the role, and its history (orders, grid events,
    disputes). Other pages may call this."""
    c = reads.chain(household_id, role)
    if c is None:
        st.warning("该户不存在或无权查看。")
        return
    h = c["household"]
    st.subheader(ui.esc(h["address"]))
    st.caption(
        f"{ui.esc(h['township'])} · {ui.esc(h['village'])} · {ui.esc(h['grid'])}"
        f"（{GRID_KINDS.get(h['grid_kind'], '')}） · 户主 {ui.esc(h['head_name'] or '—')} · {h['size']} 人 · "
        f"十户单元：{ui.esc(h['unit'] or '未编入')}"
    )
    steps = [
        ("网格长", c["chiefs"]),
        ("网格员", c["workers"]),
        ("十户长", [c["unit_chief"]] if c["unit_chief"] else []),
        ("联系党员", c["party_members"]),
    ]
    cols = st.columns(4)
    for col, (label, people) in zip(cols, steps, strict=False):
        with col.container(border=True):
            st.markdown(f"**{label}**")
            if not people:
                st.markdown(":red[空缺]" if label != "十户长" or h["unit"] else ":orange[未编入十户单元]")
            for p in people:
                st.markdown(f"{ui.esc(p['name'])}  \n:material/call: {ui.esc(common.phone_text(p['phone']))}")
    hist = c["history"]
    st.markdown(
        f"**一户一档**：工单 {len(hist['orders'])} 件 · 网格事件 {len(hist['events'])} 件 · "
        f"矛盾纠纷 {len(hist['disputes'])} 件（各显示最近20件）"
    )
    if hist["orders"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "编号": o["number"],
                        "受理时间": fmt(o["received_at"], with_time=False),
                        "分类": o["category"],
                        "标题": o["title"],
                        "状态": ORDER_STATUSES.get(o["status"], o["status"]),
                    }
                    for o in hist["orders"]
                ]
            )
        )
    if hist["events"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "编号": e["number"],
                        "上报时间": fmt(e["reported_at"], with_time=False),
                        "网格": e["grid"],
                        "描述": (e["description"] or "")[:40],
                        "状态": EVENT_STATUSES.get(e["status"], e["status"]),
                    }
                    for e in hist["events"]
                ]
            )
        )
    if hist["disputes"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "编号": d["number"],
                        "登记时间": fmt(d["reported_at"], with_time=False),
                        "标题": d["title"],
                        "风险": RISK_COLOURS.get(d["risk_colour"], d["risk_colour"]),
                        "状态": CASE_STATUSES.get(d["status"], d["status"]),
                    }
                    for d in hist["disputes"]
                ]
            )
        )


def view_household(actor: Actor) -> None:
    deep = ui.param_id("household")  # ASCII digits within 64 bits, else no deep link
    if deep is not None:
        if st.button("返回户列表", icon=":material/arrow_back:"):
            del st.query_params["household"]
            st.rerun()
        household_chain(deep, actor.role)
        return
    if st.query_params.get("household"):
        st.info("链接中的户编号无效，已显示户列表。")
    scope = common.place_filter(actor, "hh")
    text = st.text_input(
        "搜索", placeholder="地址" + ("或户主姓名" if sees_unmasked(actor.role, "name") else ""), key="hh_text"
    )
    f = q.HouseholdFilter(scope=scope, text=text or None)
    common.reset_on_change("hh", f)
    page = paging.paged("hh_page", lambda off, lim: reads.household_page(f, off, lim, actor.role), common.PAGE_SIZE)
    page.control(noun="户")
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "网格": r["grid"],
                "地址": r["address"],
                "户主": r["head_name"],
                "电话": common.phone_text(r["phone"]),
                "人口": r["size"],
            }
            for r in page.rows
        ]
    )
    i = common.pick_row(frame, common.table_key("hh", page.number))
    if i is not None:
        st.query_params["household"] = str(page.rows[i]["id"])
        st.rerun()
    elif page.total:
        st.caption("选中一户查看其责任链（网格长→网格员→十户长→联系党员）和一户一档记录。")
