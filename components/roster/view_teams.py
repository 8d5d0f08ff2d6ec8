"""突击队与责任区: commando teams and responsibility zones with their members, and the
emergency roster export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.roster import common, reads
from db.permissions import Actor, allowed


def view_teams(actor: Actor) -> None:
    towns = reads.townships()
    town_id = None
    if len(towns) > 1:
        town_id = st.selectbox(
            "乡镇（街道）",
            [x["id"] for x in towns],
            key="teams_town",
            format_func=lambda v: next(x["name"] for x in towns if x["id"] == v),
        )
    kind = st.radio(
        "列出",
        ["team", "zone"],
        horizontal=True,
        key="teams_kind",
        format_func={"team": "党员突击队", "zone": "党员责任区"}.get,
    )
    if kind == "team":
        ts = reads.teams(town_id)
        frame = pd.DataFrame(
            [
                {
                    "突击队": x["name"],
                    "用途": x["purpose"],
                    "层级": x["village"] or f"{x['township']}（乡级）",
                    "在册队员": x["members"],
                }
                for x in ts
            ]
        )
        i = common.pick_row(frame, "teams_table", height=300)
        if i is None:
            st.caption("选中一支突击队查看队员，并可一键导出应急名单（防汛、抗旱等）。")
            return
        group(actor, ts[i]["name"], team_id=ts[i]["id"])
    else:
        vs = reads.villages(town_id)
        vid = st.selectbox(
            "村（社区）",
            [v["id"] for v in vs],
            key="zones_village",
            format_func=lambda v: next(x["name"] for x in vs if x["id"] == v),
        )
        zs = reads.zones(vid)
        frame = pd.DataFrame(
            [{"责任区": z["name"], "任务": z["description"] or "—", "在册党员": z["members"]} for z in zs]
        )
        i = common.pick_row(frame, f"zones_table_{vid}")
        if i is not None:
            group(actor, zs[i]["name"], zone_id=zs[i]["id"])


def group(actor: Actor, title: str, team_id: int | None = None, zone_id: int | None = None) -> None:
    rows = reads.members(team_id, zone_id, actor.role)
    head, button = st.columns([4, 2], vertical_alignment="bottom")
    head.markdown(f"**{ui.esc(title)}**：在册 {len(rows)} 人")
    if (
        allowed(actor.role, "roster.export")
        and rows
        and button.button("导出应急名单", icon=":material/download:", key=f"emg_{team_id}_{zone_id}")
    ):
        from db.services import roster_io  # deferred: openpyxl, ~0.5 s, only for an export

        with ui.user_errors():
            content, n = roster_io.emergency_workbook(runtime.engine(), actor, team_id=team_id, zone_id=zone_id)
            st.download_button(
                f"下载应急名单（{n}人）.xlsx",
                content,
                file_name=f"{title}应急名单.xlsx",
                mime=common.XLSX,
                type="primary",
            )
            if actor.role != "admin":
                st.caption("按您的角色已对姓名、电话脱敏；真实应急调度请由系统管理员导出完整名单。")
    ui.table(
        pd.DataFrame(
            [
                {
                    "姓名": r["name"],
                    "电话": common.phone_text(r["phone"]),
                    "村（社区）": r["village"],
                    "网格": r["grid"] or "—",
                    "考评得分": r["score"],
                }
                for r in rows
            ]
        )
        if rows
        else pd.DataFrame({"提示": ["暂无在册队员"]})
    )
