"""KPI page: the KPI cards with their n and change, and the definitions popover."""

from __future__ import annotations

import streamlit as st

from components import ui
from components.kpi.formatting import all_metrics, fmt_delta, fmt_value
from db.queries import kpi as kpi_q

# the cards in the order the metrics are defined (db/queries/kpi.py ORDER_METRICS), as the weekly report
CARD_ORDER = tuple(kpi_q.ORDER_METRICS)
COMPARISON_NOTE = (
    "环比、同比均对比上期同期：本期统计到此刻为止，上期只统计从上期开始起经过同样时长的部分"
    "（上期较短时取上期全部），上年同期统计到上年同一日期时刻为止；已结束的时段与上一时段整段对比。"
    "按受理或登记时间取样的比率（如办结率、纠纷化解率）计算的是样本中至今已办结或化解的比例，"
    "上期的样本经过的时间更长，时段进行中本期偏低属正常。"
)


def definitions_popover() -> None:
    with st.popover("指标口径", icon=":material/help:"):
        for m in all_metrics().values():
            st.markdown(f"**{m.label}**：{m.definition}")
        st.markdown(f"**环比与同比**：{COMPARISON_NOTE}")


def kpi_cards(data: dict, other: dict) -> None:
    """Every KPI with its n and the change against the previous period."""
    cur, prev, year = data["current"], data["previous"], data["year_before"]
    cols = st.columns(4)
    i = 0
    for key in CARD_ORDER:
        m = kpi_q.ORDER_METRICS[key]
        with cols[i % 4].container(border=True):
            if key == "petitions":
                delta = fmt_delta(m, cur[key], year[key])
                delta = f"{delta} 同比（上年{year[key]}件）" if delta else None
            else:
                delta = fmt_delta(m, cur[key], prev[key])
                delta = f"{delta} 环比" if delta else None
            st.metric(
                f"{m.label}（n={cur[f'{key}_n']}）",
                fmt_value(m, cur[key]),
                help=m.definition,
                **ui.change_style(delta, m.higher_is_better),
            )
        i += 1
    cur, prev = other["current"], other["previous"]
    for key in ("dispute_resolution", "village_share", "events_per_worker"):
        m = kpi_q.OTHER_METRICS[key]
        delta = fmt_delta(m, cur[key], prev[key])
        with cols[i % 4].container(border=True):
            st.metric(
                f"{m.label}（n={cur[f'{key}_n']}）",
                fmt_value(m, cur[key]),
                help=m.definition,
                **ui.change_style(f"{delta} 环比" if delta else None, m.higher_is_better),
            )
        i += 1
