"""Rendering of work orders: the inbox table, filters, the detail view with both clocks."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import streamlit as st

from components.timefmt import fmt, fmt_deadline, fmt_short
from components.ui import esc, table
from db.models.base import utcnow
from db.models.orders import CHANNELS, OPEN_STATUSES, ORDER_STATUSES, SATISFACTION, TIERS, URGENCIES
from db.queries.order_counts import COUNTS
from db.queries.orders import InboxFilter
from db.rules.order_fsm import action_label
from db.rules.sla import LIGHT_LABELS, light, overdue_text, remaining_text, to_local

LIGHT_ICONS = {"red": "超期", "yellow": "临期", "green": "正常"}
LIGHT_STYLE = {
    "超期": "background-color:#f9dedc;color:#8c1d18;font-weight:600",
    "临期": "background-color:#fdf0d5;color:#7a4b00;font-weight:600",
    "正常": "color:#2e6b30",
}
PAGE_SIZE = 25


remaining = remaining_text  # db.rules.sla: one format for time left and time overdue


def filters(ref: dict, role: str) -> InboxFilter:
    """The inbox filter widgets; defaults to the open orders."""
    # a link (from the home page) may set the first filters: ?status=a,b  ?from=today
    qp = st.query_params
    wanted = [x for x in qp.get("status", "").split(",") if x in ORDER_STATUSES]
    c1, c2 = st.columns([2, 3])
    text = c1.text_input("搜索", placeholder="编号、电话、地址或关键词", key="inbox_text")
    statuses = c2.multiselect(
        "状态",
        list(ORDER_STATUSES),
        default=wanted or list(OPEN_STATUSES),
        format_func=ORDER_STATUSES.get,
        key="inbox_status",
    )
    # the labels of the "now" counts (db.queries.order_counts), as on the home cards they come from
    flag_names = {
        "overdue": COUNTS["overdue"].label,
        "contact_overdue": COUNTS["contact_overdue"].label,
        "supervised": COUNTS["supervised"].label,
        "unsatisfied": "不满意",
        "extension": "待批延期",
        "mine": "我的",
    }
    wanted_flags = [x for x in qp.get("only", "").split(",") if x in flag_names]
    # a row of its own: six pills in a third of the width ran off its edge
    flags = (
        st.pills(
            "只看",
            list(flag_names),
            selection_mode="multi",
            default=wanted_flags or None,
            format_func=flag_names.get,
            key="inbox_flags",
        )
        or []
    )
    with st.expander("更多筛选：渠道、类别、平台、村（社区）、受理日期", expanded=qp.get("from") == "today"):
        c1, c2 = st.columns(2)
        channels = c1.multiselect("渠道", list(CHANNELS), format_func=CHANNELS.get, key="inbox_channel")
        cats = {c["id"]: c["label"] for c in ref["categories"]}
        category_ids = c2.multiselect("类别", list(cats), format_func=cats.get, key="inbox_cat")
        plats = {p["id"]: p["name"] for p in ref["platforms"]}
        platform_ids = c1.multiselect(
            "承办平台",
            list(plats),
            format_func=plats.get,
            key="inbox_plat",
            disabled=role == "platform",
            help="平台工作人员只看本平台工单",
        )
        vills = {v["id"]: v["name"] for v in ref["villages"]}
        village_ids = c2.multiselect("村（社区）", list(vills), format_func=vills.get, key="inbox_village")
        today = to_local(utcnow()).date()
        dates = c1.date_input(
            "受理日期",
            value=(today, today) if qp.get("from") == "today" else (),
            format="YYYY-MM-DD",
            key="inbox_dates",
        )
    date_from = dates[0] if isinstance(dates, tuple) and len(dates) == 2 else None
    date_to = dates[1] if isinstance(dates, tuple) and len(dates) == 2 else None
    return InboxFilter(
        statuses=tuple(statuses),
        channels=tuple(channels),
        category_ids=tuple(category_ids),
        platform_ids=tuple(platform_ids),
        village_ids=tuple(village_ids),
        received_from=date_from,
        received_to=date_to,
        overdue="overdue" in flags,
        contact_overdue="contact_overdue" in flags,
        supervised="supervised" in flags,
        unsatisfied="unsatisfied" in flags,
        mine="mine" in flags,
        extension_pending="extension" in flags,
        text=text.strip() or None,
    )


def _where_and_who(rows: list[dict]) -> dict[str, list]:
    """The list's and the export's shared columns: category, place, status, handler."""
    return {
        "类别": [r["category"] for r in rows],
        "村（社区）": [r["village"] or "" for r in rows],
        "状态": [ORDER_STATUSES.get(r["status"], r["status"]) + ("·督办" if r["supervised"] else "") for r in rows],
        "承办": [handler_cell(r) for r in rows],
    }


def _channel_and_caller(rows: list[dict]) -> dict[str, list]:
    return {
        "渠道": [CHANNELS.get(r["channel"], r["channel"]) for r in rows],
        "来电人": [" ".join(x for x in (r["caller_name"], r["caller_phone"]) if x) for r in rows],
    }


HISTORY = "history"  # an order of the township's old ledger (db/services/imports/history.py)


def _county_no(r: dict) -> str | None:
    """The county's number of an order it transferred (12345 or a petition), not an old ledger's."""
    return r.get("external_no") if r.get("external_source") != HISTORY else None


def inbox_frame(rows: list[dict]) -> pd.DataFrame:
    now = utcnow()

    def clock(r: dict) -> str:
        if r["status"] not in OPEN_STATUSES:
            return f"办结 {fmt(r['resolved_at'], False)}" if r.get("resolved_at") else ""
        if r["due_at"]:
            return remaining(r["due_at"], now) + ("（暂定）" if r.get("due_provisional") else "")
        if r.get("external_due_at"):  # transferred by 12345, not yet dispatched: the county's clock runs
            return "县限" + remaining(r["external_due_at"], now)
        return "联系" + remaining(r["contact_due_at"], now)

    return pd.DataFrame(
        {
            "风险": [LIGHT_ICONS.get(r["light"], "") for r in rows],
            "编号": [r["number"] for r in rows],
            "受理": [fmt_short(r["received_at"]) for r in rows],
            "事项": [(f"【县{r['external_no']}】" if _county_no(r) else "") + (r["title"] or "") for r in rows],
            **_where_and_who(rows),
            "时限": [clock(r) for r in rows],
            **_channel_and_caller(rows),
        }
    )


INBOX_COLUMNS = {
    "风险": st.column_config.TextColumn(width=48),
    "编号": st.column_config.TextColumn(width=118),
    "受理": st.column_config.TextColumn(width=86),
    # 事项 and 状态 are the facts of the row: wide enough for a whole title (the desk's titles stop
    # at about 20 characters) and for 办理中·督办 (a cut title read as another matter)
    "事项": st.column_config.TextColumn(width=300),
    "类别": st.column_config.TextColumn(width=80),
    "村（社区）": st.column_config.TextColumn(width=72),
    "状态": st.column_config.TextColumn(width=104),
    "承办": st.column_config.TextColumn(width=104),
    "时限": st.column_config.TextColumn(width=96),
}


def styled(df: pd.DataFrame):
    """The risk column coloured (red / amber / green) rather than marked with emoji."""
    if df.empty:
        return df
    return df.style.map(lambda v: LIGHT_STYLE.get(v, ""), subset=["风险"])


def _local(ts) -> datetime | None:
    """A date-and-time cell (Beijing time, no zone: Excel has none) for the export."""
    return to_local(ts).replace(tzinfo=None) if ts else None


def export_frame(rows: list[dict]) -> pd.DataFrame:
    """The export: what the list shows, with its times as date-and-time cells with their year
    (sorted and filtered as dates in Excel) and the deadline's state in words."""
    return pd.DataFrame(
        {
            "编号": [r["number"] for r in rows],
            "受理时间": [_local(r["received_at"]) for r in rows],
            "事项": [r["title"] for r in rows],
            **_where_and_who(rows),
            "办理时限": [_local(r["due_at"]) for r in rows],
            "时限暂定": ["是" if r.get("due_provisional") else "" for r in rows],
            "办结时间": [_local(r.get("resolved_at")) for r in rows],
            "县平台编号": [_county_no(r) or "" for r in rows],
            "原台账编号": [r["external_no"] if r.get("external_source") == HISTORY else "" for r in rows],
            "县平台办理时限": [_local(r.get("external_due_at")) for r in rows],
            "风险": [LIGHT_LABELS.get(r["light"], "") if r["status"] in OPEN_STATUSES else "" for r in rows],
            **_channel_and_caller(rows),
        }
    )


def export_bytes(rows: list[dict]) -> bytes:
    df = export_frame(rows)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        df.to_excel(xw, index=False, sheet_name="工单")
        sheet = xw.sheets["工单"]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):  # text, never a formula ("=HYPERLINK(…)" in a title)
                    cell.data_type = "s"
                elif isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        for col, width in zip(
            "ABCDEFGHIJKLMNO", (16, 17, 30, 14, 12, 12, 18, 17, 8, 17, 18, 17, 8, 10, 22), strict=False
        ):
            sheet.column_dimensions[col].width = width
        sheet.freeze_panes = "B2"
    return buf.getvalue()


def badge(lt: str) -> str:
    colour = {"red": "red", "yellow": "orange", "green": "green"}[lt]
    return f":{colour}-badge[{LIGHT_LABELS[lt]}]"


def clocks(o: dict) -> None:
    """The two clocks: first contact, and handling."""
    now = utcnow()
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        lt = light(o["received_at"], o["contact_due_at"], now, o["contacted_at"])
        st.markdown(f"**首次联系时限** · {badge(lt)}")
        st.write(f"受理 {fmt(o['received_at'])} → 须在 {fmt(o['contact_due_at'])} 前联系群众")
        st.write(
            f"已联系：{fmt(o['contacted_at'])}"
            if o["contacted_at"]
            else f"尚未联系（{remaining(o['contact_due_at'], now)}）"
        )
    with c2.container(border=True):
        if o["due_at"] is None:
            st.markdown("**办理时限** · 未派单")
            if o.get("external_due_at"):  # the county's clock runs from its own transfer
                st.write(
                    f"县平台办理时限 {fmt_deadline(o['external_due_at'])}（{remaining(o['external_due_at'], now)}）；"
                    "派单时取类别时限与县平台时限中较早者。"
                )
            else:
                st.write("派单时按类别时限（工作日，已扣除节假日并计入调休）计算。")
        else:
            done = o["resolved_at"] if o["status"] not in OPEN_STATUSES else None
            lt = light(o["dispatched_at"], o["due_at"], now, done)
            st.markdown(f"**办理时限** · {badge(lt)}")
            st.write(f"派单 {fmt(o['dispatched_at'])} → 截止 {fmt_deadline(o['due_at'], o.get('due_provisional'))}")
            if o.get("due_provisional"):
                st.caption(
                    "时限暂定：所跨年份的节假日安排尚未录入，按法定节假日和周末计算（不含调休）；管理员录入后自动重算。"
                )
            st.write(f"办结：{fmt(o['resolved_at'])}" if o["resolved_at"] else remaining(o["due_at"], now))


def handler_cell(r: dict) -> str:
    """The 承办 cell of a list row: the department (else the platform), or 本村就地办."""
    return r["department"] or r["platform"] or ("本村就地办" if r.get("handler_village_id") else "")


def handler_text(o: dict) -> str:
    """Who handles the order: the village of a 就地办, else the platform and department."""
    if o.get("handler_village"):
        return f"{o['handler_village']}（就地办：网格员、村干部）"
    return f"{o['platform'] or '—'} {o['department'] or ''}".strip()


def detail_fields(o: dict) -> None:
    raw_description, raw_result = o["description"], o["result"]
    o = {
        k: (esc(v) if isinstance(v, str) and k not in ("status", "channel", "tier", "urgency", "satisfaction") else v)
        for k, v in o.items()
    }
    st.markdown(f"### {o['number']} · {o['title']}")
    st.caption(
        f"状态：{ORDER_STATUSES.get(o['status'])}"
        + (f" · 督办（{o['supervisor'] or '未指定督办领导'}）" if o["supervised"] else "")
        + (f" · 重新交办 {o['redispatch_count']} 次" if o["redispatch_count"] else "")
        + (f" · 延期 {o['extension_count']} 次" if o["extension_count"] else "")
        + (f" · 退回 {o['bounce_count']} 次" if o["bounce_count"] else "")
        + (f" · 催办 {o['urge_count']} 次" if o["urge_count"] else "")
    )
    if o.get("external_source") == HISTORY:
        st.info(f"**由历史台账导入** · 原工单编号 {o['external_no']}", icon=":material/history:")
    elif o.get("external_no"):  # transferred by the county's 12345 platform, or a petition
        source = "县12345平台转办" if o["external_source"] == "12345" else "县信访件"
        st.info(
            f"**{source}** · 县平台编号 {o['external_no']}"
            + (f" · 县平台受理 {fmt(o['external_received_at'])}" if o.get("external_received_at") else "")
            + (
                f" · **县平台办理时限 {fmt_deadline(o['external_due_at'])}**（本系统办理时限取两者中较早者）"
                if o.get("external_due_at")
                else ""
            ),
            icon=":material/account_balance:",
        )
    clocks(o)
    c1, c2, c3 = st.columns(3)
    c1.markdown(
        f"**渠道**：{CHANNELS.get(o['channel'])}  \n**来电人**：{o['caller_name'] or '—'}  \n"
        f"**电话**：{o['caller_phone'] or '—'}"
    )
    c2.markdown(
        f"**地点**：{o['village'] or '—'} {o['grid'] or ''}  \n**地址**：{o['address'] or '—'}  \n"
        f"**类别**：{o['category']}（{TIERS.get(o['tier'])}，{URGENCIES.get(o['urgency'])}）"
    )
    c3.markdown(
        f"**承办**：{handler_text(o)}  \n**签收人**：{o['assignee'] or '—'}  \n"
        f"**回访**：{SATISFACTION.get(o['satisfaction'], '—')}"
    )
    st.markdown("**诉求描述**")
    st.text(raw_description)
    if raw_result:
        st.markdown("**办理结果**")
        st.text(raw_result)
    if o["duplicate_of_number"]:
        st.caption(f"本件为 {o['duplicate_of_number']} 的重复件。")


def timeline_table(events: list[dict]) -> None:
    df = pd.DataFrame(
        {
            "时间": [fmt(e["at"]) for e in events],
            "操作人": [e["actor"] for e in events],
            "操作": [action_label(e["action"]) for e in events],
            "状态变化": [
                f"{ORDER_STATUSES.get(e['from_status'], '')} → {ORDER_STATUSES.get(e['to_status'], '')}"
                if e["from_status"] != e["to_status"] and e["to_status"]
                else ""
                for e in events
            ],
            "说明": [e["note"] or "" for e in events],
        }
    )
    table(df.set_index("时间"))  # a static table: short, printable, readable by screen readers


LINK_TYPES = {"work_order": "工单", "grid_event": "网格事件", "mediation_case": "矛盾纠纷", "platform_case": "平台案件"}
LINK_KINDS = {"source": "来源", "duplicate": "重复件", "related": "相关", "escalated": "升级", "duplicate_of": "重复于"}


def links_list(links: list[dict]) -> None:
    for link in links:
        label = link.get("number") or f"#{link['id']}"
        st.markdown(
            f"- {LINK_TYPES.get(link['type'], link['type'])} {esc(label)} {esc(link.get('title') or '')}"
            f"（{LINK_KINDS.get(link['kind'], link['kind'])}）"
        )


def supervision_frame(rows: list[dict], now: datetime | None = None) -> pd.DataFrame:
    now = now or utcnow()
    return pd.DataFrame(
        {
            "编号": [r["number"] for r in rows],
            "事项": [r["title"] for r in rows],
            "村（社区）": [r["village"] or "" for r in rows],
            "承办部门": [handler_cell(r) for r in rows],
            "截止": [fmt_deadline(r["due_at"], r.get("due_provisional")) for r in rows],
            "超期": [overdue_text(r["due_at"], now) or "未超期" for r in rows],
            "督办领导": [r["supervisor"] or "未指定" for r in rows],
            "催办": [r["urge_count"] for r in rows],
            "延期": [r["extension_count"] for r in rows],
        }
    )
