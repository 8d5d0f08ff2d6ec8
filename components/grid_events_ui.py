"""网格事件 UI: cached reads, the list and its filters, the event's file with its actions, the
report form and the work logs. Pages stay thin; services do every write."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from components.orders_ui import LIGHT_STYLE, badge
from components.timefmt import fmt, fmt_deadline, fmt_short, today
from components.ui import esc
from db.engine import read_session
from db.models.base import utcnow
from db.models.grid_work import EVENT_CLOCK_WORKDAYS, EVENT_HANDLING, EVENT_RATINGS, EVENT_STATUSES, EVENT_TYPES
from db.models.mediation import DISPUTE_TYPES, RISK_COLOURS
from db.models.orders import URGENCIES
from db.permissions import Actor, allowed, can_open
from db.queries import grid_events as q
from db.queries.grid_events import EVENT_COUNTS, EVENT_KPIS, KPI_BY, KPI_MIN_N, OPEN_STAGES, STAGES, EventFilter
from db.rules import event_fsm
from db.rules import photo as photo_rules
from db.rules.sla import LIGHT_LABELS, overdue_text, remaining_text
from db.services import grid_events as svc

PAGE_SIZE = 20
LOG_PAGE_SIZE = 10
STAGE_STYLE = {
    "待分级转办": "background-color:#f9dedc;color:#8c1d18;font-weight:600",
    "待核查反馈": "background-color:#fdf0d5;color:#7a4b00;font-weight:600",
    "待评价": "background-color:#e3ecfa;color:#1f3f7a",
    "待归档": "background-color:#e3ecfa;color:#1f3f7a",
}
RECORD_PAGES = {
    "work_order": ("inbox", "pages/inbox.py", "order"),
    "mediation_case": ("mediation", "pages/mediation.py", None),
    "platform_case": ("platform_desk", "pages/platform_desk.py", None),
}
RECORD_LABELS = {
    "work_order": "工单",
    "mediation_case": "矛盾纠纷",
    "platform_case": "平台案件",
    "grid_event": "网格事件",
}


def _record_status(record_type: str, status: str | None) -> str:
    from db.models.mediation import CASE_STATUSES
    from db.models.orders import ORDER_STATUSES
    from db.models.platforms import PLATFORM_CASE_STATUSES

    labels = {
        "work_order": ORDER_STATUSES,
        "mediation_case": CASE_STATUSES,
        "platform_case": PLATFORM_CASE_STATUSES,
        "grid_event": EVENT_STATUSES,
    }.get(record_type, {})
    return labels.get(status or "", status or "—")


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=15)
def events(f: EventFilter, actor: Actor, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.event_count(s, f, actor), q.event_page_for(s, f, actor, offset, limit)


@runtime.cached(ttl=10)
def _cached_bundle(event_id: int, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        d = q.event_detail_for(s, event_id, role)
        if d is None:
            return None
        return {
            "event": d,
            "photos": [p["data"] for p in q.photos(s, event_id)],
            "timeline": q.timeline_for(s, event_id, role),
            "platforms": q.platforms_of(s, d["township_id"]),
        }


def bundle(event_id: int, role: str) -> dict | None:
    """One event with its photos and timeline (cached), and its links with the status of the
    record it was referred to (read fresh: that record is changed by other people and pages)."""
    from db.models.grid_work import GridEvent

    out = _cached_bundle(event_id, role)
    if out is None:
        return None
    with read_session(runtime.engine()) as s:
        event = s.get(GridEvent, event_id)
        return {**out, "links": q.linked(s, event_id), "linked": svc.linked_record(s, event)}


@runtime.cached(ttl=30)
def event_id_by_number(number: str) -> int | None:
    with read_session(runtime.engine()) as s:
        return q.event_id_by_number(s, number)


@runtime.cached(ttl=60)
def own_staff(actor: Actor) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.own_staff(s, actor)


@runtime.cached(ttl=300)
def staff_options(village_id: int | None, grid_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.staff_options(s, village_id, grid_id)


@runtime.cached(ttl=15)
def logs(staff_id: int, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.log_count(s, staff_id), q.logs_for(s, staff_id, role, offset, limit)


@runtime.cached(ttl=15)
def log_for(staff_id: int, day: date) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.log_for(s, staff_id, day)


@runtime.cached(ttl=60)
def workload(village_id: int, first: date, last: date, role: str) -> list[dict]:
    from db.rules.sla import local_midnight

    with read_session(runtime.engine()) as s:
        return q.worker_counts_for(s, local_midnight(first), local_midnight(last + timedelta(days=1)), village_id, role)


@runtime.cached(ttl=60)
def kpis(first: date, last: date, by: str, village_id: int | None, role: str) -> list[dict]:
    from db.rules.sla import local_midnight

    with read_session(runtime.engine()) as s:
        return q.handling_kpis_for(
            s, local_midnight(first), local_midnight(last + timedelta(days=1)), by, village_id, role
        )


@runtime.cached(ttl=30)
def overdue(role: str, minute: str, limit: int = 5) -> tuple[int, list[dict]]:
    """超期网格事件 now: the count and the most overdue (no personal data in these rows)."""
    with read_session(runtime.engine()) as s:
        now = utcnow()
        return q.now_count(s, "overdue", now), q.overdue_events(s, now, limit)


# --------------------------------------------------------------------------- the list


def filters(ref: dict, actor: Actor) -> EventFilter:
    """The list filter widgets; defaults to the open events (the archive is one click away)."""
    options = {"open": "全部未归档（待办理在前）", **STAGES, "all": "全部（含已归档）"}
    wanted = st.query_params.get("stage", "")
    c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
    choice = c1.selectbox(
        "环节",
        list(options),
        index=list(options).index(wanted) if wanted in options else 0,
        format_func=options.get,
        key="ge_stage",
    )
    stages = OPEN_STAGES if choice == "open" else () if choice == "all" else (choice,)
    number = c2.text_input("事件编号", placeholder="如 SJ-2026-000123", key="ge_number")
    mine_label = "我上报的" if actor.role == "grid" else "我办理过的"
    mine = c3.toggle(mine_label, key="ge_mine")
    # 已超期: the "now" count of the leader's home card (db.queries.grid_events.EVENT_COUNTS), which links here
    overdue = c3.toggle(
        "只看已超期",
        value=st.query_params.get("only") == "overdue",
        key="ge_overdue",
        help=EVENT_COUNTS["overdue"].definition,
    )
    with st.expander("更多筛选：类型、转办方式、村（社区）与网格、上报日期"):
        c1, c2, c3 = st.columns(3)
        types = c1.multiselect("事件类型", list(EVENT_TYPES), format_func=EVENT_TYPES.get, key="ge_types")
        handling = c2.multiselect("转办方式", list(EVENT_HANDLING), format_func=EVENT_HANDLING.get, key="ge_handling")
        dates = c3.date_input("上报日期", value=(), format="YYYY-MM-DD", key="ge_dates")
        village_id = grid_id = None
        if actor.role != "grid":
            vills = {v["id"]: v["name"] for v in ref["villages"]}
            village_id = c1.selectbox(
                "村（社区）", list(vills), index=None, format_func=vills.get, key="ge_village", placeholder="全部"
            )
            if village_id:
                grids = {g["id"]: g["name"] for g in data.grids(village_id)}
                grid_id = c2.selectbox(
                    "网格", list(grids), index=None, format_func=grids.get, key="ge_grid", placeholder="全部"
                )
    d_from = dates[0] if isinstance(dates, tuple) and len(dates) == 2 else None
    d_to = dates[1] if isinstance(dates, tuple) and len(dates) == 2 else None
    return EventFilter(
        stages=tuple(stages),
        event_types=tuple(types),
        handling=tuple(handling),
        village_id=village_id,
        grid_id=grid_id,
        reported_from=d_from,
        reported_to=d_to,
        mine=mine,
        number=number.strip() or None,
        overdue=overdue,
    )


def clock_text(r: dict, now) -> str:
    """The handling clock in a list: time left or overdue (``db.rules.sla.remaining_text``, the
    orders' format), （暂定）; a closed event: 按期办结, or how late it was when closed."""
    if r.get("due_at") is None:
        return ""
    if r.get("closed_at") is not None:
        late = overdue_text(r["due_at"], r["closed_at"])
        return f"办结时{late}" if late else "按期办结"
    return remaining_text(r["due_at"], now) + ("（暂定）" if r.get("due_provisional") else "")


def _risk(r: dict) -> str:
    return LIGHT_LABELS.get(r.get("light", ""), "") if r.get("closed_at") is None and r.get("due_at") else ""


def list_frame(rows: list[dict]) -> pd.DataFrame:
    now = utcnow()
    return pd.DataFrame(
        {
            "风险": [_risk(r) for r in rows],
            "环节": [STAGES[r["stage"]] for r in rows],
            "编号": [r["number"] for r in rows],
            "上报": [fmt_short(r["reported_at"]) for r in rows],
            "时限": [clock_text(r, now) for r in rows],
            "类型": [EVENT_TYPES.get(r["event_type"], r["event_type"]) for r in rows],
            "事件": [(r["description"] or "")[:40] for r in rows],
            "网格": [f"{r['village']} {r['grid']}" for r in rows],
            "转办": [EVENT_HANDLING.get(r["handling"] or "", "—") for r in rows],
            "上报人": [r["reporter"] or "—" for r in rows],
        }
    )


LIST_COLUMNS = {
    "风险": st.column_config.TextColumn(width=48),
    "环节": st.column_config.TextColumn(width=90),
    "编号": st.column_config.TextColumn(width=118),
    "上报": st.column_config.TextColumn(width=86),
    "时限": st.column_config.TextColumn(width=110),
    "类型": st.column_config.TextColumn(width=72),
    "事件": st.column_config.TextColumn(width=300),
    "网格": st.column_config.TextColumn(width=150),
    "转办": st.column_config.TextColumn(width=64),
    "上报人": st.column_config.TextColumn(width=64),
}


def styled(df: pd.DataFrame):
    return df.style.map(lambda v: STAGE_STYLE.get(v, ""), subset=["环节"]).map(
        lambda v: LIGHT_STYLE.get(v, ""), subset=["风险"]
    )


TABLE_GEN = "ge_table_gen"


def reset_table() -> None:
    st.session_state[TABLE_GEN] = st.session_state.get(TABLE_GEN, 0) + 1


# --------------------------------------------------------------------------- one event


def detail(b: dict) -> None:
    e = b["event"]
    st.markdown(f"### {esc(e['number'])} · {EVENT_TYPES.get(e['event_type'], '')}")
    stage = STAGES[e["stage"]]
    st.caption(
        f"状态：{EVENT_STATUSES.get(e['status'])}（{stage}）"
        + (f" · {EVENT_HANDLING[e['handling']]}" if e["handling"] else "")
        + (f" · 评价：{EVENT_RATINGS[e['rating']]}" if e["rating"] else "")
    )
    c1, c2, c3 = st.columns(3)
    c1.markdown(
        f"**网格**：{esc(e['village'])} {esc(e['grid'])}  \n**地点**：{esc(e['address'] or '—')}  \n"
        f"**所在户**：{esc(e['household_head'] or '—')} {esc(e['household_phone'] or '')}"
    )
    c2.markdown(
        f"**上报人**：{esc(e['reporter'] or '—')} {esc(e['reporter_phone'] or '')}  \n"
        f"**上报时间**：{fmt(e['reported_at'])}  \n**处置时间**：{fmt(e['handled_at'])}"
    )
    c3.markdown(
        f"**核查时间**：{fmt(e['verified_at'])}  \n**评价时间**：{fmt(e['evaluated_at'])}  \n"
        f"**归档时间**：{fmt(e['archived_at'])}"
    )
    clock(e)
    text_col, photo_col = st.columns([3, 2]) if b["photos"] else (st.container(), None)
    with text_col:
        st.markdown("**事件描述**")
        st.text(e["description"])
        if e["evaluation"]:
            st.markdown("**评价意见**")
            st.text(e["evaluation"])
        rec = b["linked"]
        if rec:
            hint = ""
            if e["stage"] == "in_hand":
                hint = "，办结后可记录处置结果" if not rec["closed"] else "，可记录处置结果"
            st.info(
                f"已转{RECORD_LABELS[rec['type']]} {rec['number']}，当前状态："
                f"{_record_status(rec['type'], rec['status'])}{hint}。",
                icon=":material/link:",
            )
    if photo_col is not None:
        for k, photo in enumerate(b["photos"]):
            label = f"现场照片{k + 1 if len(b['photos']) > 1 else ''}"
            if photo_rules.displayable(photo):
                photo_col.image(photo, caption=label, width=320)
            else:  # stored before uploads were re-encoded: one bad file must not break the event
                photo_col.caption(f"{label}无法显示（文件已损坏）。")


def clock(e: dict) -> None:
    """The handling clock, as the order's 办理时限 panel: light, deadline, time left or overdue."""
    if e.get("due_at") is None:
        return
    now = utcnow()
    lt = q.clock_light(e, now)
    with st.container(border=True):
        st.markdown(f"**处置时限** · {badge(lt)}")
        st.write(
            f"上报 {fmt(e['reported_at'])} → 截止 {fmt_deadline(e['due_at'], e.get('due_provisional'))}"
            f"（{EVENT_TYPES.get(e['event_type'], '')}，{e.get('due_workdays') or '—'}个工作日，自上报次日起算）"
        )
        if e.get("due_provisional"):
            st.caption(
                "时限暂定：所跨年份的节假日安排尚未录入，按法定节假日和周末计算（不含调休）；管理员录入后自动重算。"
            )
        if e.get("closed_at"):
            st.write(f"办结（核查通过）：{fmt(e['closed_at'])}，{clock_text(e, now)}")
        else:
            st.write(f"未办结（核查通过即办结）：{remaining_text(e['due_at'], now)}")


def timeline_table(steps: list[dict]) -> None:
    df = pd.DataFrame(
        {
            "时间": [fmt(t["at"]) for t in steps],
            "操作人": [t["actor"] for t in steps],
            "操作": [event_fsm.action_label(t["action"]) for t in steps],
            "状态变化": [
                f"{EVENT_STATUSES.get(t['from_status'] or '', '')} → {EVENT_STATUSES.get(t['to_status'] or '', '')}"
                if t["from_status"] != t["to_status"] and t["to_status"]
                else ""
                for t in steps
            ],
            "说明": [t["note"] or "" for t in steps],
        }
    )
    ui.table(df.set_index("时间"))


def links_list(items: list[dict], actor: Actor) -> None:
    for link in items:
        label = f"{RECORD_LABELS.get(link['type'], link['type'])} {link.get('number') or '#' + str(link['id'])}"
        status = _record_status(link["type"], link.get("status"))
        target = RECORD_PAGES.get(link["type"])
        if target and can_open(actor.role, target[0]) and link.get("number"):
            params = {target[2]: link["number"]} if target[2] else None
            st.page_link(
                target[1], label=esc(f"{label}（{status}）"), icon=":material/open_in_new:", query_params=params
            )
        else:
            st.markdown(f"- {esc(label)}（{esc(status)}）")


def _version_key(event_id: int) -> str:
    return f"ge_version_{event_id}"


def _offered(e: dict, actor: Actor, rec: dict | None) -> list[str]:
    acts = event_fsm.actions_for(e["status"], actor.role)
    if e["handled_at"] is not None:
        acts = [a for a in acts if a != "mark_handled"]
    else:
        acts = [a for a in acts if a != "verify"]
    if "mark_handled" in acts and rec is not None and not rec["closed"]:
        acts.remove("mark_handled")
    return acts


def actions(b: dict, actor: Actor, ref: dict) -> None:
    """The steps the role may take now, each as a small form."""
    e = b["event"]
    acts = _offered(e, actor, b["linked"])
    if not acts:
        waiting = {"in_hand": "等待转办单位办结后记录处置结果。", "archived": "事件已归档，闭环完成。"}.get(
            e["stage"], "当前角色在此环节没有可执行的操作。"
        )
        st.caption(waiting)
        return
    version = st.session_state.setdefault(_version_key(e["id"]), e["version"])
    action = st.segmented_control("办理操作", acts, format_func=event_fsm.action_label, key=f"ge_act_{e['id']}")
    if not action:
        return
    key = f"ge_f_{e['id']}_{action}"
    v: dict = {}
    if action == "refer":  # the kind decides the form's fields: chosen outside the form
        kinds = ["order", "mediation", "platform"]
        v["kind"] = st.radio("转办去向", kinds, format_func=EVENT_HANDLING.get, horizontal=True, key=f"{key}_kind")
    with st.form(key):
        if action == "refer":
            if v["kind"] == "order":
                cats = {c["id"]: c["label"] for c in ref["categories"]}
                v["category"] = st.selectbox(
                    "诉求分类", list(cats), index=None, format_func=cats.get, placeholder="输入分类名搜索"
                )
                v["urgency"] = st.radio("紧急程度", list(URGENCIES), format_func=URGENCIES.get, horizontal=True)
            elif v["kind"] == "mediation":
                v["dispute_type"] = st.selectbox("纠纷类型", list(DISPUTE_TYPES), format_func=DISPUTE_TYPES.get)
                v["risk"] = st.radio("风险等级", list(RISK_COLOURS), format_func=RISK_COLOURS.get, horizontal=True)
            else:
                plats = {p["id"]: p["name"] for p in b["platforms"]}
                v["platform"] = st.selectbox(
                    "牵头平台", list(plats), index=None, format_func=plats.get, placeholder="请选择"
                )
            v["note"] = st.text_input("转办说明（选填）", max_chars=300)
        elif action == "verify":
            v["passed"] = st.radio(
                "核查结果", list(event_fsm.VERIFY_OUTCOMES), format_func=event_fsm.VERIFY_OUTCOMES.get, horizontal=True
            )
            v["note"] = st.text_area("核查情况（未通过时必填）", max_chars=1000, height=80)
        elif action == "evaluate":
            v["rating"] = st.radio(
                "评价等级", list(EVENT_RATINGS), format_func=EVENT_RATINGS.get, horizontal=True, index=1
            )
            v["note"] = st.text_input("评价意见（“较差”时必填）", max_chars=200)
        else:
            label = {
                "handle_on_spot": "处置情况（做了什么、结果如何）",
                "mark_handled": "处置结果",
                "archive": "归档说明（选填）",
            }[action]
            v["note"] = st.text_area(label, max_chars=1000, height=80)
        submitted = st.form_submit_button(f"确认{event_fsm.action_label(action)}", type="primary")
    if not submitted:
        return
    saved, result = ui.versioned_write(_version_key(e["id"]), lambda: _run(action, actor, e["id"], version, v))
    if not saved:
        return
    st.session_state.pop(f"ge_act_{e['id']}", None)
    data.invalidate()
    reset_table()
    extra = (
        f"，已生成{RECORD_LABELS[result['record_type']]} {result['record_number']}"
        if result.get("record_number")
        else ""
    )
    ui.flash(f"{e['number']}：已{event_fsm.action_label(action)}{extra}。")
    st.query_params["event"] = e["number"]
    st.rerun()


def _run(action: str, actor: Actor, eid: int, version: int, v: dict) -> dict:
    engine, note = runtime.engine(), v.get("note")
    if action == "handle_on_spot":
        return svc.handle_on_spot(engine, actor, eid, version, note)
    if action == "refer":
        if v["kind"] == "order":
            if v["category"] is None:
                from db.errors import ValidationError

                raise ValidationError("请选择诉求分类。", field="category_id")
            return svc.refer_to_order(engine, actor, eid, version, v["category"], v["urgency"], note)
        if v["kind"] == "mediation":
            return svc.refer_to_mediation(engine, actor, eid, version, v["dispute_type"], v["risk"], note=note)
        return svc.refer_to_platform(engine, actor, eid, version, v["platform"] or 0, note=note)
    if action == "mark_handled":
        return svc.mark_handled(engine, actor, eid, version, note)
    if action == "verify":
        return svc.verify(engine, actor, eid, version, v["passed"], note)
    if action == "evaluate":
        return svc.evaluate(engine, actor, eid, version, v["rating"], note)
    return svc.archive(engine, actor, eid, version, note)


def show_event(event_id: int, actor: Actor, ref: dict) -> None:
    b = bundle(event_id, actor.role)
    if b is None:
        st.warning("该事件不存在或无权查看。")
        return
    if actor.role == "grid":
        staff = own_staff(actor)
        if staff is None or staff["grid_id"] != b["event"]["grid_id"]:
            st.warning("该事件不属于您负责的网格。")
            return
    detail(b)
    if actor.role != "demo":
        actions(b, actor, ref)
    with st.expander(f"处理时间线（{len(b['timeline'])} 步）", expanded=True):
        timeline_table(b["timeline"]) if b["timeline"] else st.caption("（历史数据，无逐步记录）")
    if b["links"]:
        with st.expander(f"关联记录（{len(b['links'])}）", expanded=True):
            links_list(b["links"], actor)


# --------------------------------------------------------------------------- report


def report_form(actor: Actor, ref: dict) -> None:
    staff = own_staff(actor) if actor.role == "grid" else None
    if actor.role == "grid" and staff is None:
        st.warning("该账号尚未关联网格员档案，请联系管理员。")
        return
    grid_id = staff["grid_id"] if staff else None
    reporter = staff["id"] if staff else None
    if actor.role != "grid":  # admin reports for a grid (choices outside the form: they depend on each other)
        c1, c2, c3 = st.columns(3)
        vills = {v["id"]: v["name"] for v in ref["villages"]}
        village_id = c1.selectbox(
            "村（社区）", list(vills), index=None, format_func=vills.get, key="ger_village", placeholder="请选择"
        )
        grids = {g["id"]: g["name"] for g in data.grids(village_id)} if village_id else {}
        grid_id = c2.selectbox(
            "网格",
            list(grids),
            index=None,
            format_func=grids.get,
            key="ger_grid",
            placeholder="请先选村（社区）" if not village_id else "请选择",
        )
        people = (
            {
                p["id"]: f"{p['name']}（{'网格长' if p['staff_role'] == 'chief' else '网格员'}）"
                for p in staff_options(None, grid_id)
            }
            if grid_id
            else {}
        )
        reporter = c3.selectbox(
            "上报人", list(people), index=None, format_func=people.get, key="ger_staff", placeholder="选填"
        )
    else:
        st.caption(f"上报人：{esc(staff['name'])}，事件记入本人负责的网格。")
    households = (
        {h["id"]: f"{h['address']}（{h['head_name']}）" for h in data.households(grid_id, actor.role)}
        if grid_id
        else {}
    )
    with st.form("ge_report", clear_on_submit=True):
        c1, c2 = st.columns([1, 2])
        event_type = c1.selectbox(
            "事件类型", list(EVENT_TYPES), index=None, format_func=EVENT_TYPES.get, placeholder="请选择"
        )
        household = c2.selectbox(
            "所在户（选填）",
            list(households),
            index=None,
            format_func=households.get,
            placeholder="输入门牌或户主搜索",
            help="选中所在户后可不填地点，地点取该户地址",
        )
        address = st.text_input("地点", max_chars=200, placeholder="如：东湖村村口老桥")
        description = st.text_area(
            "事件描述", max_chars=2000, height=100, placeholder="发现了什么、影响多大、是否需要其他部门协助"
        )
        photo = st.file_uploader("现场照片（选填，JPEG/PNG/WebP，5MB以内）", type=["jpg", "jpeg", "png", "webp"])
        submitted = st.form_submit_button("上报事件", type="primary", icon=":material/campaign:")
    if not submitted:
        return
    with ui.user_errors():
        r = svc.report(
            runtime.engine(),
            actor,
            svc.EventReport(
                event_type=event_type or "",
                description=description,
                grid_id=grid_id,
                address=address,
                household_id=household,
                reporter_staff_id=reporter,
                photo=photo.getvalue() if photo else None,
            ),
        )
        data.invalidate()
        reset_table()
        ui.flash(f"已上报事件 {r['number']}，请在下方分级转办。")
        st.query_params["event"] = r["number"]
        st.rerun()


# --------------------------------------------------------------------------- work logs


def pick_staff(ref: dict, key: str) -> int | None:
    c1, c2, c3 = st.columns(3)
    vills = {v["id"]: v["name"] for v in ref["villages"]}
    village_id = c1.selectbox(
        "村（社区）", list(vills), index=None, format_func=vills.get, key=f"{key}_v", placeholder="请选择"
    )
    grids = {g["id"]: g["name"] for g in data.grids(village_id)} if village_id else {}
    grid_id = c2.selectbox(
        "网格",
        list(grids),
        index=None,
        format_func=grids.get,
        key=f"{key}_g",
        placeholder="请先选村（社区）" if not village_id else "请选择",
    )
    people = (
        {
            p["id"]: f"{p['name']}（{'网格长' if p['staff_role'] == 'chief' else '网格员'}）"
            for p in staff_options(None, grid_id)
        }
        if grid_id
        else {}
    )
    return c3.selectbox(
        "网格员",
        list(people),
        index=None,
        format_func=people.get,
        key=f"{key}_s",
        placeholder="请先选网格" if not grid_id else "请选择",
    )


def log_form(actor: Actor, staff_id: int) -> None:
    """Write or edit one day's log (the date is chosen outside the form: it loads that day's log)."""
    first = today() - timedelta(days=svc.LOG_BACKDATE_DAYS)
    day = st.date_input(
        "日志日期", value=today(), min_value=first, max_value=today(), format="YYYY-MM-DD", key=f"gel_day_{staff_id}"
    )
    existing = log_for(staff_id, day)
    vkey = f"gel_version_{staff_id}_{day}"
    version = st.session_state.setdefault(vkey, existing["version"]) if existing else None
    st.caption("已有当日日志，可修改后保存。" if existing else "当日尚未填写日志。")
    with st.form(f"gel_form_{staff_id}_{day}"):
        content = st.text_area(
            "工作内容",
            value=existing["content"] if existing else "",
            max_chars=2000,
            height=110,
            placeholder="巡查了哪些地方、走访了哪些户、发现和处理了什么问题",
        )
        visited = st.number_input(
            "走访户数", 0, svc.HOUSEHOLDS_MAX, value=existing["households_visited"] if existing else 0
        )
        submitted = st.form_submit_button("保存日志", type="primary", icon=":material/save:")
    if not submitted:
        return
    saved, _ = ui.versioned_write(
        vkey,
        lambda: svc.write_log(
            runtime.engine(),
            actor,
            day,
            content,
            visited,
            version=version,
            staff_id=None if actor.role == "grid" else staff_id,
        ),
    )
    if not saved:
        return
    data.invalidate()
    ui.flash(f"已保存 {day:%Y-%m-%d} 的工作日志。")
    st.rerun()


def log_list(staff_id: int, role: str) -> None:
    page = ui.paged(f"gel_page_{staff_id}", lambda off, lim: logs(staff_id, off, lim, role), LOG_PAGE_SIZE)
    page.control(noun="篇", label="工作日志共")
    if not page.rows:
        st.caption("暂无工作日志。")
        return
    df = pd.DataFrame(
        {
            "日期": [fmt_short(r["log_date"]) for r in page.rows],
            "走访户数": [r["households_visited"] for r in page.rows],
            "工作内容": [r["content"] for r in page.rows],
        }
    )
    ui.table(df.set_index("日期"))


def workload_table(ref: dict, actor: Actor) -> None:
    """本月工作量: per staff member of one village, the KPI counts (db.queries.grid_events.worker_counts)."""
    c1, c2 = st.columns([1, 1])
    vills = {v["id"]: v["name"] for v in ref["villages"]}
    village_id = c1.selectbox(
        "村（社区）", list(vills), index=0 if vills else None, format_func=vills.get, key="gew_village"
    )
    first_of_month = today().replace(day=1)
    span = c2.date_input("统计期间", value=(first_of_month, today()), format="YYYY-MM-DD", key="gew_span")
    if not village_id or not (isinstance(span, tuple) and len(span) == 2):
        st.caption("请选择村（社区）和起止日期。")
        return
    rows = workload(village_id, span[0], span[1], actor.role)
    if not rows:
        st.caption("该村（社区）没有在岗网格员。")
        return
    df = pd.DataFrame(
        {
            "网格": [r["grid_name"] for r in rows],
            "姓名": [r["name"] for r in rows],
            "岗位": ["网格长" if r["staff_role"] == "chief" else "网格员" for r in rows],
            "上报事件": [r["events_reported"] for r in rows],
            "工作日志": [r["logs"] for r in rows],
            "走访户数": [r["households_visited"] for r in rows],
        }
    )
    st.caption(f"{span[0]:%Y-%m-%d} 至 {span[1]:%Y-%m-%d}，{len(rows)} 人；上报事件按上报时间、日志按日志日期统计。")
    st.dataframe(df, hide_index=True, width="stretch")


def may_write_logs(actor: Actor) -> bool:
    return allowed(actor.role, "work_log.write")


# --------------------------------------------------------------------------- the leader's overdue list


def overdue_panel(actor: Actor) -> None:
    """The leader's home: the unclosed grid events past their deadline, the most overdue first,
    with a link to the events page filtered to them (已超期)."""
    from components.timefmt import minute_key

    c = EVENT_COUNTS["overdue"]
    n, rows = overdue(actor.role, minute_key())
    now = utcnow()
    with st.container(border=True):
        st.markdown(f"**{c.label}（{n}件）**", help=c.definition)
        if not rows:
            st.caption("目前没有超过处置时限的未结网格事件。")
            return
        ui.table(
            pd.DataFrame(
                {
                    "编号": [r["number"] for r in rows],
                    "类型": [EVENT_TYPES.get(r["event_type"], r["event_type"]) for r in rows],
                    "网格": [f"{r['village'] or ''} {r['grid'] or ''}".strip() for r in rows],
                    "环节": [STAGES[r["stage"]] for r in rows],
                    "处置时限": [fmt_deadline(r["due_at"], r["due_provisional"]) for r in rows],
                    "超期": [overdue_text(r["due_at"], now) for r in rows],
                }
            ).set_index("编号")
        )
        st.page_link(
            "pages/grid_events.py",
            label=f"查看全部{n}件超期网格事件并督促办理",
            icon=":material/arrow_forward:",
            query_params={"only": "overdue"},
        )


# --------------------------------------------------------------------------- 事件考核 (handling KPIs)

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
