"""KPI page: 多渠道重合度 — matters reported through several channels and the grid's sentinel
failures (db/queries/overlap.py), with the list of matters and one matter's records."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging
from components.kpi.drill import selected_index
from components.kpi.figures import build_overlap_figure
from components.kpi.reads import OVERLAP_PAGE, overlap_key, overlap_matters, overlap_records, overlap_summary
from components.timefmt import fmt
from db.queries import kpi as kpi_q
from db.queries import overlap as overlap_q

OVERLAP_MATTER = (
    "同一户或同一电话的同类诉求（{key}天内）、同一地址的同类诉求（{place}天内），以及相互关联的工单与网格事件，"
    "合为一件事项。"
)
OVERLAP_SENTINEL = "事项首次经热线或信访反映之前，网格（网格工单或网格事件）没有上报过。"


def _share(part: int, n: int) -> str:
    return f"{part / n:.1%}" if n else "—"


def _day(v) -> str:
    return fmt(v, with_time=False) if v else ""


def overlap_frame(rows: list[dict], first: str, first_of=lambda r: r) -> pd.DataFrame:
    """Per week / per village / per category: matters and multi-channel (n = matters), reached the
    desk and sentinel failures (n = reached), each share beside its count."""
    return pd.DataFrame(
        {
            first: [first_of(r) for r in rows],
            "事项（n）": [r["matters"] for r in rows],
            "多渠道": [r["multi"] for r in rows],
            "多渠道占比": [_share(r["multi"], r["matters"]) for r in rows],
            "首到热线/信访（n）": [r["reached"] for r in rows],
            "哨点失灵": [r["sentinel_failures"] for r in rows],
            "失灵占比": [_share(r["sentinel_failures"], r["reached"]) for r in rows],
        }
    )


def week_label(r: dict) -> str:
    return f"第{r['start'].isocalendar()[1]}周 {r['start']:%m-%d}至{r['end']:%m-%d}"


def render_overlap(actor, period: kpi_q.Period) -> None:
    minute = overlap_key(period)
    data = overlap_summary(period, minute)
    matter_rule = OVERLAP_MATTER.format(key=overlap_q.KEY_WINDOW_DAYS, place=overlap_q.ADDRESS_WINDOW_DAYS)
    st.caption(f"**事项**：{matter_rule}　**哨点失灵**：{OVERLAP_SENTINEL}")
    with st.popover("重合度口径", icon=":material/help:"):
        st.markdown(
            "- **渠道**：网格上报（网格事件，及网格渠道的工单）、热线（热线、"
            "12345转办、线上）、信访；来访不计，已撤销的工单不计。\n"
            f"- **同一事项**：{matter_rule}“同类”按一级类别比较；网格事件按事件类型对应一级类别"
            "（基础设施—水电气暖、道路交通；环境卫生—环境卫生；矛盾纠纷—邻里纠纷、土地纠纷；民生诉求—政策咨询、"
            "社会保障、劳动就业；特殊人群—社会保障；安全隐患—违法建设、治安防范；其他—其余类别）。"
            "电话：工单的来电号码（网格工单的是网格员的，不用）、网格事件所属户的登记电话。关联可以传递：甲与乙、乙与丙为同一事项，三者即为一件事项。\n"
            f"- **本期事项**：本期内有记录的事项（匹配时向前多看{overlap_q.LOOKBACK_DAYS}天）；"
            "按本期记录的渠道组合统计，两个及以上渠道为**多渠道重合**。按周、按村统计时，事项计入它本期第一条记录所在的周和村，"
            "首到热线/信访和哨点失灵计入首次热线/信访所在的周和村。\n"
            "- **首到热线/信访**：事项第一次经热线或信访反映的时间在本期内。\n"
            f"- **哨点失灵**：首到热线/信访的事项中，在这第一次反映之前（含本期前{overlap_q.LOOKBACK_DAYS}天）"
            "没有任何网格上报的。"
        )
    c = st.columns(4)
    c[0].metric(f"本期事项（n={data['matters']}）", data["matters"])
    share = data["multi_share"]
    c[1].metric(
        f"多渠道重合（n={data['matters']}）",
        data["multi"],
        delta=f"占 {share:.1%}" if share is not None else None,
        delta_color="off",
        delta_arrow="off",
    )
    c[2].metric(
        f"匹配的网格事件（n={data['events']}）",
        data["events_matched"],
        delta=f"占 {_share(data['events_matched'], data['events'])}" if data["events"] else None,
        delta_color="off",
        delta_arrow="off",
        help="n：本期的网格事件；其中所属事项本期也有热线或信访工单的。",
    )
    fail = data["sentinel_share"]
    c[3].metric(
        f"哨点失灵（n={data['reached']}）",
        data["sentinel_failures"],
        delta=f"占 {fail:.1%}" if fail is not None else None,
        delta_color="off",
        delta_arrow="off",
        help="n：本期首次经热线或信访反映的事项；其中此前网格没有上报过的为哨点失灵。",
    )
    event = st.plotly_chart(
        build_overlap_figure(data),
        on_select="rerun",
        selection_mode="points",
        key=f"overlap_chart_{period.kind}_{period.start}",
        config={"displayModeBar": False},
    )
    st.markdown("**按周**（北京时间；事项计入本期第一条记录所在的周，哨点计入首次热线/信访所在的周）")
    st.dataframe(overlap_frame(data["by_week"], "周", week_label), hide_index=True, width="stretch")
    county = len({r["township"] for r in data["by_village"] if r["township"]}) > 1
    st.markdown("**按村（社区）**（事项计入本期第一条记录所在的村，哨点计入首次热线/信访所在的村）")
    st.dataframe(
        overlap_frame(
            data["by_village"],
            "村（社区）",
            lambda r: f"{r['township']} {r['village']}" if county and r["township"] else r["village"],
        ),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(data["by_village"]), 420),
    )
    if data["by_category"]:
        with st.expander("按类别"):
            st.dataframe(
                overlap_frame(data["by_category"], "类别", lambda r: r["category"]), hide_index=True, width="stretch"
            )
    options = {
        "sentinel": "哨点失灵的事项",
        **{str(i): f"{c['label']}（{c['matters']}）" for i, c in enumerate(data["combos"])},
    }
    idx = selected_index(event)
    default = str(idx) if idx is not None else "sentinel"
    if st.session_state.get("overlap_last_click") != idx and idx is not None:
        st.session_state["overlap_last_click"] = idx
        st.session_state["overlap_pick"] = default
    pick = st.selectbox("查看事项清单", list(options), format_func=options.get, key="overlap_pick")
    combo = None if pick == "sentinel" else data["combos"][int(pick)]["combo"]

    def fetch(off: int, lim: int) -> tuple[int, list[dict]]:
        if pick == "sentinel" and off == 0 and lim == OVERLAP_PAGE:
            return data["sentinel_list"]  # read with the figures
        return overlap_matters(period, combo, pick == "sentinel", off, lim, minute)

    page = paging.paged("overlap_page", fetch, OVERLAP_PAGE)
    page.control(noun="个事项")
    if not page.rows:
        st.info("没有符合条件的事项。")
        return
    table = st.dataframe(
        pd.DataFrame(
            {
                "类别": [r["category"] for r in page.rows],
                "村（社区）": [r["village"] or "" for r in page.rows],
                "来源渠道（本期）": [r["channels"] for r in page.rows],
                "工单": [r["orders"] for r in page.rows],
                "网格事件": [r["events"] for r in page.rows],
                "首次网格上报": [_day(r["first_grid"]) for r in page.rows],
                "首次热线/信访": [_day(r["first_call"]) for r in page.rows],
            }
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"overlap_table_{pick}_{page.number}",
    )
    sel = [i for i in table.selection.rows if i < len(page.rows)]
    if sel:
        r = page.rows[sel[0]]
        rows = overlap_records(r["order_ids"], r["event_ids"], actor.role, minute)
        st.markdown(f"**该事项的工单与网格事件（{len(rows)} 件）**")
        st.dataframe(
            pd.DataFrame(
                {
                    "编号": [o["number"] for o in rows],
                    "日期": [_day(o["at"]) for o in rows],
                    "渠道/类型": [o["source"] for o in rows],
                    "内容": [o["text"] for o in rows],
                    "状态": [o["status"] for o in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("选中一行查看该事项的工单和网格事件（含本期前的记录）。")
