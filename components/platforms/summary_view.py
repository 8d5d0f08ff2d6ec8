"""四平台总览's pieces: the period picker, the per-platform table and the hand-off flows (a
Sankey chart and a matrix)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import ui
from components.timefmt import today
from db.models.people import PLATFORMS
from db.rules.sla import local_to_utc


def period_picker(key: str) -> tuple[datetime, datetime, str]:
    day = today()
    options = {
        "本月": day.replace(day=1),
        "近30天": day - timedelta(days=29),
        "本季度": date(day.year, 3 * ((day.month - 1) // 3) + 1, 1),
        "本年": date(day.year, 1, 1),
        "近两年": date(day.year - 1, 1, 1),
    }
    label = st.segmented_control("统计期间", list(options), default="本年", key=key) or "本年"
    start = local_to_utc(datetime.combine(options[label], datetime.min.time()))
    end = local_to_utc(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    return start, end, label


def summary_table(rows: list[dict]) -> None:
    ui.table(
        pd.DataFrame(
            {
                "平台": [r["name"] for r in rows],
                "期间立案": [r["opened"] for r in rows],
                "在办": [r["open"] for r in rows],
                "已办结": [r["closed"] for r in rows],
                "超期": [r["overdue"] for r in rows],
                "多次退回": [r["flagged"] for r in rows],
            }
        )
    )


def sankey(flows: list[dict]) -> None:
    if not flows:
        st.info("期间内没有平台之间的推送。")
        return
    codes = list(PLATFORMS)
    left = {c: i for i, c in enumerate(codes)}
    right = {c: i + len(codes) for i, c in enumerate(codes)}
    colors = {
        "accepted": "rgba(46,125,50,0.55)",
        "bounced": "rgba(198,40,40,0.55)",
        "pending": "rgba(158,158,158,0.55)",
    }
    names = {"accepted": "已接收", "bounced": "已退回", "pending": "待接收"}
    fig = go.Figure(
        go.Sankey(
            node=dict(
                label=[f"{PLATFORMS[c]}（推送）" for c in codes] + [f"{PLATFORMS[c]}（接收）" for c in codes],
                pad=18,
                thickness=16,
                color="#4a6fa5",
            ),
            link=dict(
                source=[left[f["from_code"]] for f in flows],
                target=[right[f["to_code"]] for f in flows],
                value=[f["n"] for f in flows],
                color=[colors.get(f["status"], "#999") for f in flows],
                customdata=[names.get(f["status"], f["status"]) for f in flows],
                hovertemplate="%{source.label} → %{target.label}<br>%{customdata}：%{value} 件<extra></extra>",
            ),
        )
    )
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=10), font=dict(size=13))
    st.plotly_chart(fig, config={"displayModeBar": False})
    st.caption("连线颜色：绿色为已接收，红色为已退回，灰色为待接收。")


def flow_matrix(flows: list[dict]) -> None:
    codes = list(PLATFORMS)
    cell: dict[tuple[str, str], list[int]] = {}
    for f in flows:
        a = cell.setdefault((f["from_code"], f["to_code"]), [0, 0, 0])
        a[{"accepted": 0, "bounced": 1}.get(f["status"], 2)] += f["n"]
    ui.table(
        pd.DataFrame(
            {
                PLATFORMS[t] + "（接收）": [
                    ("—" if a == t else "接收{} / 退回{} / 待{}".format(*cell.get((a, t), [0, 0, 0]))) for a in codes
                ]
                for t in codes
            },
            index=[PLATFORMS[a] + "（推送）" for a in codes],
        )
    )
