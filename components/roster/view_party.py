"""党员: the party members' list with its filters, and a member's page (linked households,
zone, team, score history); admin's forms are in ``forms``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging, ui
from components.roster import common, forms, reads
from components.timefmt import fmt
from db.permissions import Actor, allowed, sees_unmasked
from db.queries import roster as q
from db.rules.roster import link_range_text, link_status, link_status_labels


def _member_status(r: dict) -> str:
    """A member's link status in words, against the member's own township's range."""
    lo, hi = r["link_min"], r["link_max"]
    return link_status_labels(lo, hi)[link_status(r["links"], lo, hi)]


def view_party(actor: Actor) -> None:
    deep = ui.param_id("member")  # ASCII digits within 64 bits, else no deep link
    if deep is not None:
        if st.button("返回党员名册", icon=":material/arrow_back:"):
            del st.query_params["member"]
            st.rerun()
        party_member(actor, deep)
        return
    if st.query_params.get("member"):
        st.info("链接中的党员编号无效，已显示党员名册。")
    scope = common.place_filter(actor, "party")
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    text = c1.text_input(
        "搜索", placeholder="姓名" + ("或电话" if sees_unmasked(actor.role, "phone") else ""), key="party_text"
    )
    ts = reads.teams(scope.township_id)
    if scope.village_id:
        ts = [x for x in ts if x["village_id"] in (None, scope.village_id)]
    team = c2.selectbox(
        "突击队",
        [None] + [x["id"] for x in ts],
        key="party_team",
        format_func=lambda v: common.ALL if v is None else next((x["name"] for x in ts if x["id"] == v), "—"),
    )
    rule = reads.link_rule(scope.township_id)
    status_words = link_status_labels(*(rule or (None, None)))
    status = c3.selectbox(
        "联户情况",
        [None, "under", "over", "ok"],
        key="party_links",
        format_func=lambda v: common.ALL if v is None else status_words[v],
    )
    below = c4.selectbox(
        "考评得分", [None, 90, 80], key="party_score", format_func=lambda v: common.ALL if v is None else f"低于{v}分"
    )
    f = q.PartyFilter(scope=scope, team_id=team, link_status=status, score_below=below, text=text or None)
    common.reset_on_change("party", f)
    page = paging.paged("party_page", lambda off, lim: reads.party_page(f, off, lim, actor.role), common.PAGE_SIZE)
    page.control(noun="名党员")
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "姓名": r["name"],
                "电话": common.phone_text(r["phone"]),
                "网格": r["grid"] or "—",
                "责任区": r["zone"] or "—",
                "突击队": r["team"] or "—",
                "联系户": r["links"],
                "联户情况": _member_status(r),
                "考评得分": r["score"],
            }
            for r in page.rows
        ]
    )
    i = common.pick_row(frame, common.table_key("party", page.number))
    if i is not None:
        st.query_params["member"] = str(page.rows[i]["id"])
        st.rerun()
    elif page.total:
        st.caption("选中一行查看党员的联系户、责任区、突击队和考评记录。")


def party_member(actor: Actor, member_id: int) -> None:
    d = reads.party_detail(member_id, actor.role)
    if d is None:
        st.warning("该党员不存在或无权查看。")
        return
    m = d["member"]
    n = len(d["links"])
    st.subheader(f"党员 {ui.esc(m['name'])}")
    st.markdown(
        f"{ui.esc(m['village'])} · {ui.esc(m['grid'] or '未定网格')} · 电话 {ui.esc(common.phone_text(m['phone']))} · "
        f"入党日期 {fmt(m['joined_on'], with_time=False)} · {'在册' if m['active'] else '已不在册'}"
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("百分制考评得分", m["score"])
    lo, hi = m["link_min"], m["link_max"]  # the member's township's range
    c2.metric("联系户数", n, help=f"本乡镇{link_range_text(lo, hi)}")
    c3.metric("考评记录", len(d["scores"]))
    st.markdown(
        f"**责任区**：{ui.esc(m['zone'] or '未分配')}"
        + (f"（{ui.esc(m['zone_description'])}）" if m["zone_description"] else "")
        + f"  \n**突击队**：{ui.esc(m['team'] or '未参加')}"
    )
    if link_status(n, lo, hi) != "ok":
        st.warning(
            f"{link_status_labels(lo, hi)[link_status(n, lo, hi)]}（当前{n}户，本乡镇{link_range_text(lo, hi)}）。"
        )
    left, right = st.columns(2)
    with left:
        st.markdown("**联系户**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "地址": h["address"],
                        "户主": h["head_name"],
                        "电话": common.phone_text(h["phone"]),
                        "网格": h["grid"],
                        "联户日期": fmt(h["linked_on"], with_time=False),
                    }
                    for h in d["links"]
                ]
            ),
            hide_index=True,
            width="stretch",
            height=38 + 35 * min(max(n, 1), 10),
        )
    with right:
        st.markdown("**考评记录**（加分、扣分及事由）")
        ui.table(
            pd.DataFrame(
                [
                    {"日期": fmt(e["recorded_at"], with_time=False), "分值": f"{e['delta']:+d}", "事由": e["reason"]}
                    for e in d["scores"]
                ]
            )
            if d["scores"]
            else pd.DataFrame({"提示": ["暂无考评记录"]})
        )
    ui.remember_version(f"party_v_{member_id}", m["version"])
    if allowed(actor.role, "party.score"):
        forms.score_form(actor, m)
    if allowed(actor.role, "roster.edit"):
        with st.expander("编辑党员信息与联系户"):
            forms.party_form(actor, m, d["links"])
