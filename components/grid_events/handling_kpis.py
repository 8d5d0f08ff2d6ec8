"""网格事件: 事件考核 — the handling KPIs per grid or per grid worker, ranked."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components.grid_events.reads import kpis
from components.timefmt import today
from db.models.grid_work import EVENT_CLOCK_WORKDAYS, EVENT_TYPES
from db.permissions import Actor
from db.queries import grid_events as q
from db.queries.grid_events import EVENT_KPIS, KPI_BY, KPI_MIN_N

KPI_RANK_BY = {"on_time_rate": "按期办结率", "closure_rate": "事件办结率", "median_days": "处置时长中位数"}


def _pct(value: float | None, n: int) -> str:
    return f"{value:.1%}（n={n}）" if value is not None else f"—（n={n}）"


def kpi_table(ref: dict, actor: Actor) -> None:
    """事件考核: per grid or per grid worker, the closure rate, the on-time rate and the median
    handling time of the events reported in a period, each with its n; ranked on one of them
    among those with at least ``KPI_MIN_N`` in that KPI's n (db.queries.grid_events)."""
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    this_month = today().replace(day=1)  # the last three complete months: enough events per grid for n >= 5
    first = this_month
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
    span = c1.date_input(
        "统计期间（按上报日期）", value=(first, this_month - timedelta(days=1)), format="YYYY-MM-DD", key="gek_span"
    )
    by = c2.radio("统计对象", list(KPI_BY), format_func=KPI_BY.get, horizontal=True, key="gek_by")
    vills = {v["id"]: v["name"] for v in ref["villages"]}
    village_id = c3.selectbox(
        "村（社区）", list(vills), index=None, format_func=vills.get, key="gek_village", placeholder="全部"
    )
    metric = c4.selectbox("排名依据", list(KPI_RANK_BY), format_func=KPI_RANK_BY.get, key="gek_metric")
    if not (isinstance(span, tuple) and len(span) == 2):
        st.caption("请选择起止日期。")
        return
    rows = q.rank(kpis(span[0], span[1], by, village_id, actor.role), metric)
    if not rows:
        st.caption("所选期间没有上报的网格事件。")
        return
    ranked = sum(1 for r in rows if r["rank"] is not None)
    cols: dict[str, list] = {
        "排名": [str(r["rank"]) if r["rank"] is not None else "样本不足" for r in rows],
        "村（社区）": [r["village_name"] for r in rows],
        "网格": [r["grid_name"] for r in rows],
    }
    if by == "worker":
        cols["姓名"] = [r["name"] for r in rows]
        cols["岗位"] = ["网格长" if r["staff_role"] == "chief" else "网格员" for r in rows]
    cols |= {
        "上报事件": [r["reported"] for r in rows],
        "已办结": [r["closed"] for r in rows],
        "事件办结率": [_pct(r["closure_rate"], r["reported"]) for r in rows],
        "按期办结率": [_pct(r["on_time_rate"], r["on_time_n"]) for r in rows],
        "处置时长中位数（天）": [
            f"{r['median_days']:.1f}（n={r['closed']}）" if r["median_days"] is not None else f"—（n={r['closed']}）"
            for r in rows
        ],
    }
    st.caption(
        f"{span[0]:%Y-%m-%d} 至 {span[1]:%Y-%m-%d} 上报的事件，{len(rows)}个{'网格' if by == 'grid' else '人'}；"
        f"按“{KPI_RANK_BY[metric]}”排名：只排该指标 n 不少于{KPI_MIN_N}件的（{ranked}个），"
        f"不足{KPI_MIN_N}件的列在表后、不排名（样本不足）。"
        + ("按网格员统计的是其本人上报的事件。" if by == "worker" else "")
    )
    st.dataframe(pd.DataFrame(cols), hide_index=True, width="stretch")
    with st.expander("指标口径"):
        for label, definition in EVENT_KPIS.values():
            st.markdown(f"- **{label}**：{definition}")
        types = "、".join(f"{EVENT_TYPES[k]}{v}个" for k, v in EVENT_CLOCK_WORKDAYS.items())
        st.markdown(
            f"- **处置时限**：按事件类型的工作日数，自上报次日起算、至最后一个工作日24:00止，"
            f"节假日和调休与工单相同：{types}工作日。"
        )
