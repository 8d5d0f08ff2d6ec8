"""The resolution KPIs of a period: overall, by risk colour and by dispute type, with their definition."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components import ui
from components.mediation.reads import stats
from components.timefmt import today
from db.rules.sla import local_midnight


def kpi_view() -> None:
    a, b = st.columns(2)
    start = a.date_input("登记日期自", value=today().replace(month=1, day=1), format="YYYY-MM-DD", key="med_k_from")
    end = b.date_input("至", value=today(), format="YYYY-MM-DD", key="med_k_to")
    since, until = local_midnight(start), local_midnight(end + timedelta(days=1))

    def frame(rows: list[dict], head: str) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    head: r["label"],
                    "案件数": r["n"],
                    "已化解": r["resolved"],
                    "化解率": _pct(r["resolution_rate"]),
                    "村内化解": r["resolved_in_village"],
                    "小事不出村占比": _pct(r["village_share"]),
                    "平均化解天数": "—" if r["avg_days"] is None else f"{r['avg_days']:.1f}",
                }
                for r in rows
            ]
        )

    ui.table(frame(stats(since, until, None), "范围"))
    c, d = st.columns(2)
    with c:
        st.markdown("**按风险等级**")
        ui.table(frame(stats(since, until, "risk_colour"), "风险等级"))
    with d:
        st.markdown("**按纠纷类型**")
        ui.table(frame([r for r in stats(since, until, "dispute_type") if r["n"]], "纠纷类型"))
    st.caption(KPI_DEFINITION)


KPI_DEFINITION = (
    "口径：登记日期在所选范围内的矛盾纠纷（不含隐患）；已化解 = 当前状态为“已达成协议”或“已销号”"
    "（达成协议即计入，不必等到销号；重新启调的案件须再次达成协议才计入）；化解率 = 已化解 ÷ 案件数；"
    "村内化解 = 已化解且仍为村级、从未升级；小事不出村占比 = 村内化解 ÷ 已化解；"
    "平均化解天数 = 已化解案件从登记到达成协议（无协议时间的按销号时间）的平均天数。"
)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"
