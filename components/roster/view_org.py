"""组织架构: the coverage-gap counts and their lists, the villages and, on selection, a
village's grids and a grid's staff and ten-household units."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging, ui
from components.roster import common, reads
from db.models.org import GRID_KINDS, VILLAGE_KINDS
from db.models.people import EMPLOYMENT, STAFF_ROLES
from db.permissions import Actor
from db.queries import roster as q


def gap_help(rule: tuple[int, int] | None) -> dict[str, str]:
    """The help of each gap count; the party members' with the township's range (5-15 unless the
    township set its own in 系统设置 → 本乡镇设置)."""
    under = f"少于{rule[0]}户" if rule else "少于所在乡镇规定户数"
    over = f"多于{rule[1]}户" if rule else "多于所在乡镇规定户数"
    return {
        "grid_no_chief": "没有在岗网格长的网格",
        "grid_no_worker": "没有在岗网格员（专职或兼职）的网格",
        "household_no_unit": "未编入任何十户单元的户",
        "party_under": f"在册党员中联系户{under}的（联户户数范围在系统设置中按乡镇设定）",
        "party_over": f"在册党员中联系户{over}的（联户户数范围在系统设置中按乡镇设定）",
        "household_unlinked": "没有任何在册党员联系的户",
    }


def view_org(actor: Actor) -> None:
    towns = reads.townships()
    town_id = None
    if len(towns) > 1:
        town_id = st.selectbox(
            "乡镇（街道）",
            [None] + [x["id"] for x in towns],
            key="org_town",
            format_func=lambda v: "全县" if v is None else next(x["name"] for x in towns if x["id"] == v),
        )
    scope = q.Scope(township_id=town_id)
    counts = reads.gaps(scope)
    rule = reads.link_rule(town_id)
    kinds, helps = q.gap_kinds(reads.link_range(rule)), gap_help(rule)
    st.markdown("**覆盖缺口**（点击查看名单）")
    cols = st.columns(len(kinds))
    for col, (kind, label) in zip(cols, kinds.items(), strict=False):
        with col.container(border=True):
            st.metric(label, counts[kind], help=helps[kind])
            if col.button("查看", key=f"gap_{kind}", disabled=counts[kind] == 0, width="stretch"):
                st.session_state["org_gap"] = kind
                st.session_state["org_gap_page"] = 1
    kind = st.session_state.get("org_gap")
    if kind:
        gap_list(actor, kind, scope)
    rows = reads.tree(town_id)
    st.markdown(f"**村（社区）{len(rows)} 个**：选中一行展开其网格")
    frame = pd.DataFrame(
        [
            {
                "乡镇": r["township"],
                "村（社区）": r["name"],
                "类型": VILLAGE_KINDS.get(r["kind"], r["kind"]),
                "农村网格": r["rural"],
                "社区网格": r["community"],
                "专属网格": r["special"],
                "户数": r["households"],
                "十户单元": r["units"],
                "网格长": r["chiefs"],
                "专职网格员": r["workers_full"],
                "兼职网格员": r["workers_part"],
                "党员": r["party_members"],
                "缺口": sum(r[k] for k in ("grid_no_chief", "grid_no_worker", "party_under", "party_over")),
            }
            for r in rows
        ]
    )
    i = common.pick_row(frame, f"org_villages_{town_id}", height=320)
    if i is None:
        return
    village = rows[i]
    st.markdown(f"#### {ui.esc(village['name'])}的网格")
    grs = reads.grid_rows(village["id"], actor.role)
    gframe = pd.DataFrame(
        [
            {
                "网格编码": g["code"],
                "网格": g["name"],
                "类型": GRID_KINDS.get(g["kind"], g["kind"]),
                "网格长": g["chief"] or "空缺",
                "网格员": g["workers"],
                "户数": g["households"],
                "十户单元": g["units"],
                "未编入单元户": g["no_unit"],
                "无党员联系户": g["unlinked"],
            }
            for g in grs
        ]
    )
    j = common.pick_row(gframe, f"org_grids_{village['id']}")
    if j is None:
        return
    grid = grs[j]
    people = reads.grid_people(grid["id"], actor.role)
    st.markdown(f"#### {ui.esc(grid['name'])}")
    ui.table(
        pd.DataFrame(
            [
                {
                    "职务": STAFF_ROLES.get(p["staff_role"]),
                    "姓名": p["name"],
                    "电话": common.phone_text(p["phone"]),
                    "专兼职": EMPLOYMENT.get(p["employment"]),
                    "状态": "在岗" if p["active"] else "离岗",
                }
                for p in people["staff"]
            ]
        )
        if people["staff"]
        else pd.DataFrame({"提示": ["本网格尚无网格人员"]})
    )
    units = people["units"]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "十户单元": u["name"],
                    "十户长": u["chief_name"] or "空缺",
                    "电话": common.phone_text(u["chief_phone"]),
                    "户数": u["households"],
                }
                for u in units
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def gap_list(actor: Actor, kind: str, scope: q.Scope) -> None:
    with st.container(border=True):
        head, close = st.columns([5, 1])
        head.markdown(f"**{q.gap_kinds(reads.link_range(reads.link_rule(scope.township_id)))[kind]}**")
        if close.button("收起", key="gap_close"):
            st.session_state.pop("org_gap", None)
            st.rerun()
        page = paging.paged(
            "org_gap_page", lambda off, lim: reads.gap_page(kind, scope, off, lim, actor.role), common.PAGE_SIZE
        )
        page.control()
        entity = q.GAP_ENTITY[kind]
        if entity == "grid":
            frame = pd.DataFrame(
                [
                    {
                        "村（社区）": r["village"],
                        "网格编码": r["code"],
                        "网格": r["name"],
                        "类型": GRID_KINDS.get(r["kind"]),
                    }
                    for r in page.rows
                ]
            )
        elif entity == "household":
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
        else:
            frame = pd.DataFrame(
                [
                    {
                        "村（社区）": r["village"],
                        "党员": r["name"],
                        "电话": common.phone_text(r["phone"]),
                        "联系户数": r["links"],
                        "规定户数": f"{r['link_min']}—{r['link_max']}",
                    }
                    for r in page.rows
                ]
            )
        i = common.pick_row(frame, f"gap_table_{kind}_{page.number}")
        if i is not None and entity == "household":
            st.query_params["household"] = str(page.rows[i]["id"])
            st.rerun()
        if i is not None and entity == "party":
            st.query_params["member"] = str(page.rows[i]["id"])
            st.rerun()
