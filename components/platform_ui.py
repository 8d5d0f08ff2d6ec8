"""UI of the four platforms: cached reads, the case panel with its actions, each platform's
records, and the summary charts. Pages stay thin; writes go through db.services.platforms."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data, runtime, ui
from components.timefmt import fmt, fmt_deadline, today
from db.engine import read_session
from db.models.base import utcnow
from db.models.people import PLATFORMS
from db.models.platforms import (
    ARRIVAL_TARGET_MINUTES,
    CASE_SOURCES,
    ENFORCEMENT_KINDS,
    INSPECTION_KINDS,
    INSPECTION_STATUSES,
    SERVICE_CHANNELS,
)
from db.permissions import Actor
from db.queries import platforms as q
from db.rules import platform_fsm as fsm
from db.rules.sla import local_to_utc, to_local
from db.services import platform_docs
from db.services import platforms as svc

PAGE_SIZE = 15


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=30)
def _read(name: str, *args: Any, **kw: Any) -> Any:
    """Any read of db.queries.platforms, cached for 30 s and cleared by data.invalidate()."""
    with read_session(runtime.engine()) as s:
        return getattr(q, name)(s, *args, **kw)


def read(name: str, *args: Any, **kw: Any) -> Any:
    return _read(name, *args, **kw)


def after_write(message: str) -> None:
    data.invalidate()
    ui.flash(message)
    st.rerun()


# --------------------------------------------------------------------------- optimistic locking


def loaded_version(kind: str, record_id: int, current: int) -> int:
    """The version of the record as it was when its form was first rendered in this session
    (kept in session_state by record id); a save sends it, so a change made meanwhile by
    someone else is refused as a conflict instead of being silently overwritten."""
    return st.session_state.setdefault(f"pl_v_{kind}_{record_id}", current)


def remember_versions(kind: str, rows: list[dict]) -> None:
    """Remember the loaded version of every row a form on the page may act on."""
    for r in rows:
        loaded_version(kind, r["id"], r["version"])


def save_versioned(kind: str, record_id: int, write, message: str) -> None:
    """Run ``write()`` (a service call given the loaded version); forget the loaded version on
    success and on a conflict (then reload, so the user sees the other change and may retry)."""
    saved, _ = ui.versioned_write(f"pl_v_{kind}_{record_id}", write, "页面已显示最新内容，请核对后重新提交。")
    if saved:
        after_write(message)


def now_utc() -> datetime:
    return utcnow().replace(second=0, microsecond=0)


# --------------------------------------------------------------------------- platform picker


def pick_platform(actor: Actor) -> dict | None:
    """An officer's own platform; admin picks any (township · platform)."""
    if actor.role == "platform":
        return read("platform", actor.platform_id) if actor.platform_id else None
    ref = data.reference()["platforms"]
    if not ref:
        return None
    labels = {p["id"]: f"{p['township']} · {p['name']}" for p in ref}
    pid = st.selectbox("以哪个平台的身份办理", list(labels), format_func=labels.get, key="pl_as")
    return read("platform", pid)


def as_pid(actor: Actor, plat: dict) -> int | None:
    return plat["id"] if actor.role == "admin" else None


# --------------------------------------------------------------------------- tables


def _due_text(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "—"
    text = fmt_deadline(due)  # 24:00 of the last day, as every page writes a deadline
    return f"{text}（已超期）" if due < now else text


def handoff_table(rows: list[dict], now: datetime) -> None:
    ui.table(
        pd.DataFrame(
            {
                "案件编号": [r["number"] for r in rows],
                "标题": [r["title"] for r in rows],
                "推送平台": [r["from_platform"] for r in rows],
                "推送理由": [r["reason"] or "" for r in rows],
                "答复期限": [_due_text(r["respond_due_at"], now) for r in rows],
                "已退回次数": [r["bounce_count"] for r in rows],
            }
        )
    )


def case_table(rows: list[dict], now: datetime) -> None:
    ui.table(
        pd.DataFrame(
            {
                "案件编号": [r["number"] for r in rows],
                "标题": [r["title"] for r in rows],
                "状态": [fsm.CASE_STATUS_LABELS.get(r["status"], r["status"]) for r in rows],
                "角色": [("牵头" if r["is_lead"] else "协办") + ("·联办" if r["is_joint"] else "") for r in rows],
                "期限": [_due_text(r["due_at"], now) for r in rows],
                "提示": ["多次退回" if fsm.is_flagged(r["bounce_count"]) else "" for r in rows],
            }
        )
    )


def open_case_picker(rows: list[dict], key: str) -> None:
    """A select of the listed cases; choosing one opens it (?case=number)."""
    if not rows:
        return
    numbers = [r["number"] for r in rows]
    pick = st.selectbox(
        "打开案件", [""] + numbers, key=key, format_func=lambda n: n if n else "选择案件编号以查看详情并办理"
    )
    if pick:
        st.query_params["case"] = pick
        st.rerun()


# --------------------------------------------------------------------------- case panel


def timeline(events: list[dict]) -> None:
    ui.table(
        pd.DataFrame(
            {
                "时间": [fmt(e["at"]) for e in events],
                "平台": [e["platform"] or "—" for e in events],
                "操作人": [e["actor"] or "系统" for e in events],
                "操作": [
                    fsm.EVENT_LABELS.get(e["action"], e["action"])
                    + (f" → {e['to_platform']}" if e["to_platform"] else "")
                    for e in events
                ],
                "状态": [
                    f"{fsm.CASE_STATUS_LABELS.get(e['from_status'], '')} → "
                    f"{fsm.CASE_STATUS_LABELS.get(e['to_status'], '')}"
                    if e["from_status"]
                    else fsm.CASE_STATUS_LABELS.get(e["to_status"], "")
                    for e in events
                ],
                "说明": [e["note"] or "" for e in events],
            }
        )
    )


def case_panel(actor: Actor, c: dict, plat: dict | None) -> None:
    now = now_utc()
    st.markdown(f"### {ui.esc(c['number'])} · {ui.esc(c['title'])}")
    status = fsm.CASE_STATUS_LABELS.get(c["status"], c["status"])
    flag = " · :red-badge[多次退回]" if fsm.is_flagged(c["bounce_count"]) else ""
    st.markdown(
        f"**状态**：{status} · **牵头**：{ui.esc(c['lead_platform'])}"
        + (f" · **协办**：{ui.esc('、'.join(c['assists']))}" if c["assists"] else "")
        + f" · **来源**：{CASE_SOURCES.get(c['source'], c['source'])}"
        + f" · **期限**：{_due_text(c['due_at'], now) if c['status'] != 'closed' else fmt(c['due_at'])}"
        + f" · **退回**：{c['bounce_count']} 次{flag}"
    )
    st.markdown(f"**村（社区）**：{ui.esc(c['village'] or '—')} · **描述**：{ui.esc(c['description'])}")
    if c["result"]:
        st.markdown(f"**办理结果**：{ui.esc(c['result'])}")
    if actor.role in ("platform", "admin") and plat is not None:
        _actions(actor, c, plat)
    st.markdown(f"**处理时间线**（{len(c['timeline'])} 步）")
    timeline(c["timeline"])


def _actions(actor: Actor, c: dict, plat: dict) -> None:
    pid = plat["id"]
    pending = c["pending_handoff"]
    my_sides = fsm.sides(
        is_lead=c["lead_platform_id"] == pid,
        is_receiver=bool(pending and pending["to_platform_id"] == pid),
        is_assist=pid in c["assist_ids"],
    )
    actions = fsm.actions_for(c["status"], actor.role, my_sides)
    if not actions:
        st.caption("当前没有需要本平台办理的操作。")
        return
    kw = {"as_platform_id": as_pid(actor, plat)}
    e = runtime.engine()
    version = loaded_version("case", c["id"], c["version"])
    tabs = st.tabs([fsm.ACTION_LABELS[a] for a in actions])
    for tab, action in zip(tabs, actions, strict=False):
        with tab, st.form(f"case_{action}_{c['id']}", clear_on_submit=False, border=False):
            if action in ("accept", "receive"):
                st.caption("签收后由本平台牵头办理。" if action == "receive" else "确认由本平台办理。")
            target = None
            if action == "push":
                others = {p: n for p, n in c["platforms"].items() if p != c["lead_platform_id"]}
                target = st.selectbox("推送给", list(others), format_func=others.get, key=f"push_to_{c['id']}")
            text = None
            if action in ("push", "bounce", "close", "note"):
                label = {"push": "推送理由", "bounce": "退回理由", "close": "办理结果", "note": "办理记录"}[action]
                text = st.text_area(label, key=f"case_{action}_text_{c['id']}", height=80)
            if st.form_submit_button(fsm.ACTION_LABELS[action], type="primary"):
                step = {
                    "accept": lambda: svc.accept(e, actor, c["id"], version, **kw),
                    "receive": lambda: svc.receive(e, actor, c["id"], version, **kw),
                    "push": lambda: svc.push(e, actor, c["id"], version, to_platform_id=target, reason=text, **kw),
                    "bounce": lambda: svc.bounce(e, actor, c["id"], version, reason=text, **kw),
                    "close": lambda: svc.close(e, actor, c["id"], version, result=text, **kw),
                    "note": lambda: svc.add_note(e, actor, c["id"], version, note=text, **kw),
                }[action]
                save_versioned("case", c["id"], step, f"案件{c['number']}：{fsm.ACTION_LABELS[action]}完成。")


def new_case_form(actor: Actor, plat: dict) -> None:
    """A patrol finding: opened for my platform, or pushed at once to the platform it belongs to."""
    villages = list(data.reference()["villages"])
    town = plat["township"]
    vmap = {v["id"]: v["name"] for v in villages if v["township"] == town}
    plats = {p["id"]: p["name"] for p in read("township_platforms", plat["township_id"])}
    with st.form("pl_new_case", clear_on_submit=True):
        c1, c2, c3 = st.columns([3, 2, 2])
        title = c1.text_input("标题", max_chars=100)
        village = c2.selectbox("村（社区）", list(vmap), format_func=vmap.get)
        lead = c3.selectbox(
            "由哪个平台办理",
            list(plats),
            format_func=plats.get,
            index=list(plats).index(plat["id"]) if plat["id"] in plats else 0,
            help="选择其他平台即立案后立刻推送给该平台，对方须在1个工作日内接收或退回。",
        )
        desc = st.text_area("情况描述", height=80)
        assists = st.multiselect(
            "协办平台（联合办理，共用一个期限）", [p for p in plats if p != plat["id"]], format_func=plats.get
        )
        if st.form_submit_button("登记巡查发现", type="primary"):
            with ui.user_errors():  # opened and (for another platform) pushed in ONE transaction
                push_to = lead if lead != plat["id"] else None
                r = svc.open_patrol_case(
                    runtime.engine(),
                    actor,
                    platform_id=plat["id"],
                    title=title,
                    description=desc,
                    village_id=village,
                    assist_platform_ids=tuple(a for a in assists if a != lead),
                    push_to_platform_id=push_to,
                    push_reason=f"巡查发现，属{plats[lead]}职责：{(title or '').strip()}"[: svc.REASON_MAX],
                    as_platform_id=as_pid(actor, plat),
                )
                after_write(
                    f"已登记案件{r['number']}并推送给{plats[lead]}。" if r["pushed"] else f"已登记案件{r['number']}。"
                )


# --------------------------------------------------------------------------- records per platform


def _pager(key: str, name: str, *args: Any, **kw: Any) -> ui.Page:
    page = ui.paged(key, lambda off, lim: read(name, *args, off, lim, **kw), PAGE_SIZE)
    page.control()
    return page


BIANMIN_VIEWS = ["服务申请", "服务事项目录"]
ZONGZHI_VIEWS = ["村级周报筛查", "月度研判会议", "流动人口登记"]


def sub_view(key: str, views: list[str]) -> str:
    """The record view inside a platform's ledger: a segmented control (its value kept in
    session_state under ``key``), not tabs, so a save's rerun stays on the same view."""
    return st.segmented_control("台账", views, default=views[0], key=key, label_visibility="collapsed") or views[0]


def records(actor: Actor, plat: dict) -> None:
    {"zongzhi": _zongzhi, "shichang": _shichang, "zhifa": _zhifa, "bianmin": _bianmin}[plat["code"]](actor, plat)


def _village_map(plat: dict) -> dict[int, str]:
    return {v["id"]: v["name"] for v in data.reference()["villages"] if v["township"] == plat["township"]}


def _shichang(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    with (
        st.expander("登记检查（发现问题即下达《责令限期整改通知书》）", icon=":material/add:"),
        st.form("pl_inspect", clear_on_submit=True),
    ):
        c1, c2, c3 = st.columns([3, 3, 2])
        name = c1.text_input("经营主体名称")
        addr = c2.text_input("经营地址")
        kind = c3.selectbox("检查类型", list(INSPECTION_KINDS), format_func=INSPECTION_KINDS.get)
        finding = st.text_area("检查情况", height=70)
        c4, c5, c6 = st.columns(3)
        day = c4.date_input("检查日期", today(), max_value=today())
        problem = c5.checkbox("发现问题，责令限期整改")
        days = c6.number_input("整改期限（天）", 1, svc.RECTIFY_DAYS_MAX, 7)
        if st.form_submit_button("保存检查记录", type="primary"):
            with ui.user_errors():
                r = svc.record_inspection(
                    e,
                    actor,
                    business_name=name,
                    address=addr,
                    kind=kind,
                    inspected_on=day,
                    finding=finding,
                    problem=problem,
                    rectify_days=int(days),
                    **kw,
                )
                if r["notice_number"]:  # show the new notice, ready to print
                    st.session_state["pl_ins_pick"] = r["id"]
                after_write(
                    f"已保存；整改通知书编号 {r['notice_number']}。" if r["notice_number"] else "已保存检查记录。"
                )
    only = st.toggle("只看限期整改中", value=True, key="pl_ins_only")
    page = _pager("pl_ins_page", "inspections", plat["township_id"], role=actor.role, only_open=only)
    rows = page.rows
    ui.table(
        pd.DataFrame(
            {
                "通知书编号": [r["notice_number"] or "—" for r in rows],
                "经营主体": [r["business_name"] for r in rows],
                "地址": [r["address"] for r in rows],
                "类型": [INSPECTION_KINDS.get(r["kind"], r["kind"]) for r in rows],
                "检查日期": [str(r["inspected_on"]) for r in rows],
                "整改期限": [str(r["rectify_by"] or "—") for r in rows],
                "状态": [
                    INSPECTION_STATUSES.get(r["status"], r["status"])
                    + (
                        "（已逾期）"
                        if r["status"] == "rectifying" and r["rectify_by"] and r["rectify_by"] < today()
                        else ""
                    )
                    for r in rows
                ],
            }
        )
    )
    noticed = {r["id"]: r for r in rows if r["notice_number"]}
    if not noticed:
        return
    pick = st.selectbox(
        "选择整改通知书",
        list(noticed),
        key="pl_ins_pick",
        format_func=lambda i: f"{noticed[i]['notice_number']} · {noticed[i]['business_name']}",
    )
    ins = noticed[pick]
    remember_versions("ins", [ins])
    c1, c2 = st.columns(2)
    if c1.button("生成整改通知书（Word）", icon=":material/print:", key="pl_notice_btn"):
        with ui.user_errors():
            fname, blob = platform_docs.notice_docx(e, actor, ins["id"], **kw)
            st.session_state["pl_notice_file"] = (ins["id"], fname, blob)
    stored = st.session_state.get("pl_notice_file")
    if stored and stored[0] == ins["id"]:  # never offer another notice's file
        _, fname, blob = stored
        c1.download_button(
            f"下载 {fname}",
            blob,
            file_name=fname,
            type="primary",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    if ins["status"] == "rectifying":
        with c2.form("pl_reinspect"):
            passed = st.radio("复查结果", ["整改到位，复查合格", "仍未整改到位"], horizontal=True)
            note = st.text_input("复查情况")
            extra = st.number_input("未整改到位时的新整改期限（天）", 1, svc.RECTIFY_DAYS_MAX, 7)
            if st.form_submit_button("保存复查"):
                version = loaded_version("ins", ins["id"], ins["version"])
                save_versioned(
                    "ins",
                    ins["id"],
                    lambda: svc.reinspect(
                        e,
                        actor,
                        ins["id"],
                        version,
                        reinspected_on=today(),
                        passed=passed.startswith("整改到位"),
                        note=note,
                        extra_days=int(extra),
                        **kw,
                    ),
                    "复查已保存。",
                )


def _zhifa(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    st.caption(f"接报后须在 {ARRIVAL_TARGET_MINUTES} 分钟内到达现场。")
    with (
        st.expander("登记接报（占道经营、违法建设、环境污染）", icon=":material/add:"),
        st.form("pl_enf", clear_on_submit=True),
    ):
        c1, c2, c3 = st.columns([2, 4, 2])
        kind = c1.selectbox("问题类型", list(ENFORCEMENT_KINDS), format_func=ENFORCEMENT_KINDS.get)
        addr = c2.text_input("地点")
        joint = c3.checkbox("联合执法")
        c4, c5 = st.columns(2)
        t = c4.time_input("接报时间（今天）", value=to_local(utcnow()).time().replace(second=0, microsecond=0))
        if st.form_submit_button("保存接报", type="primary"):
            with ui.user_errors():
                reported = local_to_utc(datetime.combine(today(), t))
                svc.record_enforcement(e, actor, kind=kind, address=addr, reported_at=reported, joint=joint, **kw)
                after_write("已登记接报。")
    only = st.toggle("只看未到场", value=False, key="pl_enf_only")
    page = _pager("pl_enf_page", "enforcement", plat["township_id"], only_waiting=only)
    rows = page.rows
    ui.table(
        pd.DataFrame(
            {
                "类型": [ENFORCEMENT_KINDS.get(r["kind"], r["kind"]) for r in rows],
                "地点": [r["address"] for r in rows],
                "接报": [fmt(r["reported_at"]) for r in rows],
                "到场": [fmt(r["arrived_at"]) for r in rows],
                "用时": [
                    "—"
                    if r["minutes"] is None
                    else f"{r['minutes']}分钟" + ("（超时）" if r["minutes"] > ARRIVAL_TARGET_MINUTES else "")
                    for r in rows
                ],
                "联合执法": ["是" if r["joint"] else "" for r in rows],
            }
        )
    )
    waiting = {r["id"]: r for r in rows if r["arrived_at"] is None}
    remember_versions("enf", list(waiting.values()))
    if waiting:
        with st.form("pl_arrive"):
            c1, c2 = st.columns([3, 2])
            rid = c1.selectbox(
                "登记到场",
                list(waiting),
                format_func=lambda i: f"{fmt(waiting[i]['reported_at'])} · {waiting[i]['address']}",
            )
            t = c2.time_input("到场时间（今天）", value=to_local(utcnow()).time().replace(second=0, microsecond=0))
            if st.form_submit_button("保存到场时间"):
                version = loaded_version("enf", rid, waiting[rid]["version"])
                save_versioned(
                    "enf",
                    rid,
                    lambda: svc.record_arrival(
                        e, actor, rid, version, arrived_at=local_to_utc(datetime.combine(today(), t)), **kw
                    ),
                    "已登记到场时间。",
                )


def _bianmin(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    sub = sub_view("pl_bm_view", BIANMIN_VIEWS)
    if sub == BIANMIN_VIEWS[0]:
        items = read("active_service_items")
        imap = {i["id"]: f"{i['code']} {i['name']}" for i in items}
        vmap = _village_map(plat)
        with st.expander("登记服务申请", icon=":material/add:"), st.form("pl_req", clear_on_submit=True):
            c1, c2 = st.columns([3, 2])
            item = c1.selectbox("服务事项", list(imap), format_func=imap.get)
            village = c2.selectbox("村（社区）", list(vmap), format_func=vmap.get)
            c3, c4, c5 = st.columns(3)
            name = c3.text_input("申请人姓名")
            phone = c4.text_input("联系电话")
            channel = c5.selectbox("办理方式", list(SERVICE_CHANNELS), format_func=SERVICE_CHANNELS.get)
            c6, c7 = st.columns(2)
            vuln = c6.checkbox("老年人或残疾人（上门服务）")
            done = c7.checkbox("当场办结")
            if st.form_submit_button("保存申请", type="primary"):
                with ui.user_errors():
                    svc.record_service_request(
                        e,
                        actor,
                        item_id=item,
                        village_id=village,
                        applicant_name=name,
                        applicant_phone=phone,
                        channel=channel,
                        for_elderly_or_disabled=vuln,
                        done=done,
                        **kw,
                    )
                    after_write("已登记服务申请。")
        only = st.toggle("只看未办结", value=True, key="pl_req_only")
        page = _pager("pl_req_page", "service_requests", plat["township_id"], actor.role, only_open=only)
        rows = page.rows
        ui.table(
            pd.DataFrame(
                {
                    "事项": [r["item"] for r in rows],
                    "村（社区）": [r["village"] for r in rows],
                    "申请人": [r["applicant_name"] for r in rows],
                    "电话": [r["applicant_phone"] or "—" for r in rows],
                    "方式": [SERVICE_CHANNELS.get(r["channel"], r["channel"]) for r in rows],
                    "老残": ["是" if r["for_elderly_or_disabled"] else "" for r in rows],
                    "申请时间": [fmt(r["requested_at"]) for r in rows],
                    "办结": [fmt(r["done_at"]) for r in rows],
                }
            )
        )
        open_rows = {r["id"]: r for r in rows if r["done_at"] is None}
        remember_versions("req", list(open_rows.values()))
        if open_rows:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            rid = c1.selectbox(
                "办结申请",
                list(open_rows),
                format_func=lambda i: f"{open_rows[i]['item']} · {open_rows[i]['applicant_name']}",
            )
            if c2.button("标记办结", key="pl_req_done"):
                version = loaded_version("req", rid, open_rows[rid]["version"])
                save_versioned(
                    "req", rid, lambda: svc.complete_service_request(e, actor, rid, version, **kw), "已办结。"
                )
    else:
        search = st.text_input("搜索事项（名称或编码）", key="pl_item_q")
        page = _pager("pl_item_page", "service_items", search=search)
        rows = page.rows
        ui.table(
            pd.DataFrame(
                {
                    "编码": [r["code"] for r in rows],
                    "事项名称": [r["name"] for r in rows],
                    "村代办点可办": ["是" if r["agent_point_ok"] else "否" for r in rows],
                    "状态": ["在用" if r["active"] else "停用" for r in rows],
                }
            )
        )
        by_id = {r["id"]: r for r in rows}
        choice = st.selectbox(
            "编辑事项",
            [0] + list(by_id),
            key="pl_item_pick",
            format_func=lambda i: "新增事项" if i == 0 else f"{by_id[i]['code']} {by_id[i]['name']}",
        )
        cur = by_id.get(choice, {})
        if cur:
            remember_versions("item", [cur])
        with st.form(f"pl_item_{choice}"):
            c1, c2, c3, c4 = st.columns([1, 3, 1, 1], vertical_alignment="bottom")
            code = c1.text_input("编码", value=cur.get("code", ""))
            name = c2.text_input("事项名称", value=cur.get("name", ""))
            agent = c3.checkbox("村代办点可办", value=cur.get("agent_point_ok", True))
            active = c4.checkbox("在用", value=cur.get("active", True))
            if st.form_submit_button("保存事项", type="primary"):
                version = loaded_version("item", choice, cur["version"]) if cur else None
                save_versioned(
                    "item",
                    choice,
                    lambda: svc.save_service_item(
                        e,
                        actor,
                        item_id=choice or None,
                        version=version,
                        code=code,
                        name=name,
                        agent_point_ok=agent,
                        active=active,
                        department_id=cur.get("department_id"),
                        **kw,
                    ),
                    "事项已保存。",
                )


def _zongzhi(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    vmap = _village_map(plat)
    sub = sub_view("pl_zz_view", ZONGZHI_VIEWS)
    if sub == ZONGZHI_VIEWS[0]:
        with st.form("pl_check", clear_on_submit=True):
            c1, c2, c3, c4 = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
            village = c1.selectbox("村（社区）", list(vmap), format_func=vmap.get)
            week = c2.date_input("周次（任选当周一天）", today(), max_value=today())
            reported = c3.checkbox("已上报", value=True)
            n = c4.number_input("发现问题数", 0, 999, 0)
            issues = st.text_input("问题摘要（有问题时必填）")
            if st.form_submit_button("保存筛查", type="primary"):
                with ui.user_errors():
                    svc.record_report_check(
                        e,
                        actor,
                        village_id=village,
                        week_of=week,
                        reported=reported,
                        issues_found=int(n),
                        issues=issues,
                        **kw,
                    )
                    after_write("已保存本周筛查。")
        rows = _pager("pl_check_page", "report_checks", plat["township_id"], role=actor.role).rows
        ui.table(
            pd.DataFrame(
                {
                    "周（周一）": [str(r["week_start"]) for r in rows],
                    "村（社区）": [r["village"] for r in rows],
                    "上报": ["已上报" if r["reported"] else "未上报" for r in rows],
                    "问题数": [r["issues_found"] for r in rows],
                    "问题摘要": [r["issues"] or "" for r in rows],
                }
            )
        )
    elif sub == ZONGZHI_VIEWS[1]:
        plats = {p["id"]: p["name"] for p in read("township_platforms", plat["township_id"])}
        with st.form("pl_meeting", clear_on_submit=True):
            c1, c2 = st.columns([1, 3])
            held = c1.date_input("会议日期", today(), max_value=today())
            att = c2.text_input("参会人员")
            minutes = st.text_area("会议纪要", height=80)
            decisions = st.text_area("会议决定", height=60)
            c3, c4 = st.columns([1, 3])
            to = c3.selectbox(
                "交办平台（可选）", [0] + list(plats), format_func=lambda i: "不交办" if i == 0 else plats[i]
            )
            task = c4.text_input("交办事项（交办时必填，将生成平台案件）")
            if st.form_submit_button("保存会议", type="primary"):
                with ui.user_errors():
                    r = svc.record_meeting(
                        e,
                        actor,
                        held_on=held,
                        attendees=att,
                        minutes=minutes,
                        decisions=decisions,
                        assign=((to, task),) if to else (),
                        **kw,
                    )
                    after_write("会议已保存" + (f"，交办案件{'、'.join(r['cases'])}。" if r["cases"] else "。"))
        rows = _pager("pl_meet_page", "meetings", plat["township_id"], role=actor.role).rows
        ui.table(
            pd.DataFrame(
                {
                    "日期": [str(r["held_on"]) for r in rows],
                    "参会人员": [r["attendees"] for r in rows],
                    "纪要": [r["minutes"] for r in rows],
                    "决定": [r["decisions"] or "" for r in rows],
                    "交办案件": [r["cases"] for r in rows],
                }
            )
        )
    else:
        with st.expander("登记流动人口", icon=":material/add:"), st.form("pl_float", clear_on_submit=True):
            c1, c2, c3 = st.columns(3)
            name = c1.text_input("姓名")
            idn = c2.text_input("身份证号")
            phone = c3.text_input("联系电话")
            c4, c5, c6 = st.columns(3)
            village = c4.selectbox("现居村（社区）", list(vmap), format_func=vmap.get)
            origin = c5.text_input("户籍地（来源地）")
            addr = c6.text_input("现住址")
            day = st.date_input("登记日期", today(), max_value=today())
            if st.form_submit_button("保存登记", type="primary"):
                with ui.user_errors():
                    svc.register_floating(
                        e,
                        actor,
                        village_id=village,
                        name=name,
                        id_number=idn,
                        phone=phone,
                        origin=origin,
                        address=addr,
                        registered_on=day,
                        **kw,
                    )
                    after_write("已登记。")
        present = st.toggle("只看在住人员", value=True, key="pl_float_only")
        rows = _pager("pl_float_page", "floating", plat["township_id"], actor.role, only_present=present).rows
        ui.table(
            pd.DataFrame(
                {
                    "姓名": [r["name"] for r in rows],
                    "身份证号": [r["id_number"] or "—" for r in rows],
                    "电话": [r["phone"] or "—" for r in rows],
                    "户籍地": [r["origin"] for r in rows],
                    "村（社区）": [r["village"] for r in rows],
                    "现住址": [r["address"] for r in rows],
                    "登记": [str(r["registered_on"]) for r in rows],
                    "离开": [str(r["left_on"] or "—") for r in rows],
                }
            )
        )
        here = {r["id"]: r for r in rows if r["left_on"] is None}
        remember_versions("float", list(here.values()))
        if here:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            rid = c1.selectbox(
                "登记离开", list(here), format_func=lambda i: f"{here[i]['name']} · {here[i]['address']}"
            )
            if c2.button("今天离开", key="pl_float_left"):
                version = loaded_version("float", rid, here[rid]["version"])
                save_versioned(
                    "float",
                    rid,
                    lambda: svc.floating_left(e, actor, rid, version, left_on=today(), **kw),
                    "已登记离开。",
                )


# --------------------------------------------------------------------------- summary


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
