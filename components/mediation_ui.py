"""The mediation ledger's widgets: cached reads, filters, the ledger table, the case file with
its guided step form and the actions its status allows, registration, screening and visits.

Writes go through ``db.services.mediation``; after each one ``data.invalidate()`` clears the
cached reads. The version a record (a case, a village's screening of a month) was rendered at
is kept in session_state (``med_v_…``), so a save after someone else's is refused with the
conflict message; a conflict drops the kept version and the caches and shows the record afresh,
so the retry works on what is now stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from components import data, runtime, timefmt, ui
from components.timefmt import fmt, today
from db.engine import read_session
from db.errors import ConflictError, DomainError
from db.models.base import utcnow
from db.models.mediation import (
    CASE_KINDS,
    CASE_LEVELS,
    CASE_SOURCES,
    DISPUTE_TYPES,
    MEDIATION_STEPS,
    RISK_COLOURS,
)
from db.permissions import Actor, allowed
from db.queries import mediation as mq
from db.queries import reference as ref_q
from db.rules import mediation_fsm as fsm
from db.services import mediation as svc
from db.services import mediation_docs as docs

PAGE_SIZE = 20
COLOUR_ICON = {"red": ":red-badge[红色]", "yellow": ":orange-badge[黄色]", "blue": ":blue-badge[蓝色]"}
QUICK = {"open": "在调纠纷", "red": "红色预警", "stale": "超期无进展", "followup": "待回访销号"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=30)
def ledger(f: mq.LedgerFilter, actor: Actor, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return mq.ledger_page(s, f, actor, utcnow(), offset, limit)


@runtime.cached(ttl=30)
def case(case_id: int, actor: Actor, minute: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return mq.case_detail(s, actor, case_id, utcnow())


@runtime.cached(ttl=300)
def case_id(number: str) -> int | None:
    with read_session(runtime.engine()) as s:
        return mq.case_id_by_number(s, number)


@runtime.cached(ttl=600)
def mediators(role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return mq.mediators_for(s, role)


@runtime.cached(ttl=600)
def grids(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return ref_q.grids(s, village_id)


@runtime.cached(ttl=60)
def settings() -> dict:
    with read_session(runtime.engine()) as s:
        return mq.settings(s)


@runtime.cached(ttl=60)
def screening(month: str, only_missing: bool, role: str, minute: str) -> tuple[dict, list[dict]]:
    with read_session(runtime.engine()) as s:
        now = utcnow()
        return mq.screening_summary(s, month, now), mq.screening_month(
            s, month, now, only_missing=only_missing, role=role
        )


@runtime.cached(ttl=60)
def special(actor: Actor, tag: str | None, overdue: bool, offset: int, limit: int, minute: str):
    with read_session(runtime.engine()) as s:
        return mq.special_groups(s, actor, utcnow(), tag=tag, overdue_only=overdue, offset=offset, limit=limit)


@runtime.cached(ttl=60)
def writable_villages(actor: Actor) -> frozenset[int] | None:
    """The villages the actor may register, screen and visit in (None: all)."""
    with read_session(runtime.engine()) as s:
        return mq.writable_villages(s, actor)


@runtime.cached(ttl=60)
def write_scope(actor: Actor) -> mq.WriteScope:
    with read_session(runtime.engine()) as s:
        return mq.write_scope(s, actor)


@runtime.cached(ttl=300)
def stats(since: datetime, until: datetime, by: str | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return mq.resolution_stats(s, since, until, by)


CONFLICT_KEY = "med_conflict"


@contextmanager
def saving(version_key: str) -> Iterator[None]:
    """Run a save. A conflict drops the version kept under ``version_key`` and the cached reads,
    and reruns: the page shows the record as now stored, with the message, and the user can
    retry. Other domain errors are shown where the form is."""
    try:
        yield
    except ConflictError as exc:
        st.session_state.pop(version_key, None)
        data.invalidate()
        st.session_state[CONFLICT_KEY] = f"{exc} 页面已显示最新内容，请核对后重新提交。"
        st.rerun()
    except DomainError as exc:
        st.error(str(exc))


def show_conflict() -> None:
    message = st.session_state.pop(CONFLICT_KEY, None)
    if message:
        st.error(message)


def _done(message: str, number: str | None = None) -> None:
    for key in [k for k in st.session_state if str(k).startswith("med_v_") or str(k).startswith("med_act_")]:
        del st.session_state[key]
    data.invalidate()
    st.session_state["med_table_gen"] = st.session_state.get("med_table_gen", 0) + 1
    if number:
        st.query_params["case"] = number
    ui.flash(message)
    st.rerun()


# --------------------------------------------------------------------------- ledger


def filters(ref: dict, quick: str | None) -> mq.LedgerFilter:
    villages = {v["id"]: f"{v['township']} {v['name']}" for v in ref["villages"]}
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
    view = c1.selectbox(
        "快捷视图",
        ["all", *QUICK],
        index=(["all", *QUICK].index(quick) if quick in QUICK else 0),
        format_func=lambda k: "全部案件" if k == "all" else QUICK[k],
        key="med_quick",
    )
    colours = c2.multiselect(
        "风险等级", list(RISK_COLOURS), format_func=RISK_COLOURS.get, key="med_colours", placeholder="全部"
    )
    statuses = c3.multiselect(
        "状态", list(fsm.STATUS_LABELS), format_func=fsm.STATUS_LABELS.get, key="med_statuses", placeholder="全部"
    )
    text = c4.text_input("编号或标题", key="med_text", placeholder="如 TJ-2026-000123 或 宅基地")
    with st.expander("更多筛选"):
        d1, d2, d3, d4, d5 = st.columns(5)
        kinds = d1.multiselect(
            "类别", list(CASE_KINDS), format_func=CASE_KINDS.get, key="med_kinds", placeholder="全部"
        )
        types = d2.multiselect(
            "纠纷类型", list(DISPUTE_TYPES), format_func=DISPUTE_TYPES.get, key="med_types", placeholder="全部"
        )
        village = d3.selectbox(
            "村（社区）", list(villages), index=None, format_func=villages.get, key="med_village", placeholder="全部"
        )
        level = d4.selectbox(
            "层级", list(CASE_LEVELS), index=None, format_func=CASE_LEVELS.get, key="med_level", placeholder="全部"
        )
        role = st.session_state["gov_actor"].role
        meds = {m["id"]: m["name"] for m in mediators(role)}
        mediator = d5.selectbox(
            "调解员", list(meds), index=None, format_func=meds.get, key="med_mediator", placeholder="全部"
        )
    return mq.LedgerFilter(
        kinds=tuple(kinds),
        colours=tuple(colours),
        statuses=tuple(statuses),
        dispute_types=tuple(types),
        village_ids=(village,) if village else (),
        level=level,
        mediator_id=mediator,
        open_only=view == "open",
        red_only=view == "red",
        stale=view == "stale",
        followup_due=view == "followup",
        text=text or None,
    )


def ledger_frame(rows: list[dict]) -> pd.DataFrame:
    def flag(r: dict) -> str:
        marks = []
        if r["stale"]:
            marks.append("无进展")
        if r["followup_overdue"]:
            marks.append("待回访")
        return "、".join(marks)

    return pd.DataFrame(
        [
            {
                "编号": r["number"],
                "登记日期": fmt(r["reported_at"])[:10],
                "村（社区）": r["village"],
                "类型": DISPUTE_TYPES.get(r["dispute_type"], r["dispute_type"])
                + ("（隐患）" if r["kind"] == "hazard" else ""),
                "标题": r["title"],
                "当事人": r["parties"],
                "风险": RISK_COLOURS.get(r["risk_colour"], ""),
                "层级": CASE_LEVELS.get(r["level"], ""),
                "进度": f"{r['current_step']}/4",
                "状态": fsm.STATUS_LABELS.get(r["status"], r["status"]),
                "提醒": flag(r),
            }
            for r in rows
        ]
    )


def _style(df: pd.DataFrame):
    colours = {
        "红色": "background-color:#fde2e1",
        "黄色": "background-color:#fff4d6",
        "蓝色": "background-color:#e3efff",
    }
    return df.style.map(lambda v: colours.get(v, ""), subset=["风险"]) if len(df) else df


def ledger_table(rows: list[dict], page_no: int) -> dict | None:
    gen = st.session_state.get("med_table_gen", 0)
    event = st.dataframe(
        _style(ledger_frame(rows)),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"med_table_{gen}_{page_no}",
        height=38 + 35 * min(max(len(rows), 1), 12),
        column_config={
            "标题": st.column_config.TextColumn(width="medium"),
            "编号": st.column_config.TextColumn(width=130),
        },
    )
    picked = [rows[i] for i in event.selection.rows if i < len(rows)]
    return picked[0] if picked else None


def export_button(actor: Actor, f: mq.LedgerFilter, total: int, where) -> None:
    if not allowed(actor.role, "mediation.export"):
        return
    if where.button("导出台账Excel", icon=":material/download:", disabled=total == 0):
        with ui.user_errors():
            blob, n = docs.export_ledger(runtime.engine(), actor, f)
            st.download_button(
                f"下载台账.xlsx（{n}件）", blob, file_name="矛盾纠纷台账.xlsx", mime=XLSX, type="primary"
            )


# --------------------------------------------------------------------------- one case


def version_key(case_id: int) -> str:
    return f"med_v_{case_id}"


def loaded_version(c: dict) -> int:
    """The version the case was first rendered at in this session (until a save or a conflict)."""
    return st.session_state.setdefault(version_key(c["id"]), c["version"])


def case_view(actor: Actor, c: dict) -> None:
    kind = "【隐患】" if c["kind"] == "hazard" else ""
    st.subheader(f"{c['number']}　{kind}{ui.esc(c['title'])}")
    st.markdown(
        f"{COLOUR_ICON.get(c['risk_colour'], '')} :gray-badge[{fsm.STATUS_LABELS.get(c['status'])}] "
        f":violet-badge[{CASE_LEVELS.get(c['level'])}] :gray-badge[进度 {c['current_step']}/4]"
        + (f" :orange-badge[超{c['stale_days']}天无进展]" if c["stale"] else "")
        + (f" :gray-badge[重启{c['reopen_count']}次]" if c["reopen_count"] else "")
    )
    info = {
        "所在地": f"{c['township']} {c['village']}" + (f" · {c['grid']}" if c.get("grid") else ""),
        "纠纷类型": DISPUTE_TYPES.get(c["dispute_type"], ""),
        "来源": CASE_SOURCES.get(c["source"], ""),
        "调解员": c.get("mediator") or "—",
        "登记时间": fmt(c["reported_at"]),
        "最近进展": fmt(c["last_progress_at"]),
    }
    if c.get("escalated_at"):
        info["升级至乡级"] = f"{fmt(c['escalated_at'])}（{c.get('escalation_reason') or ''}）"
    if c.get("agreed_at"):
        info["协议达成"] = fmt(c["agreed_at"])
        info["应回访日期"] = fmt(c.get("followup_due_on"))
    if c.get("followup_at"):
        info["回访"] = f"{fmt(c['followup_at'])[:10]} {c.get('followup_note') or ''}"
    if c.get("closed_at"):
        info["销号时间"] = fmt(c["closed_at"])
    ui.table(pd.DataFrame({"项目": list(info), "内容": list(info.values())}).set_index("项目"))
    st.markdown("**简要情况：** " + ui.esc(c["summary"]))
    if c.get("agreement_text"):
        st.markdown("**协议内容：** " + ui.esc(c["agreement_text"]))
    if c.get("outcome"):
        st.markdown("**调处结果：** " + ui.esc(c["outcome"]))
    if c["parties"]:
        st.markdown("**当事人**")
        ui.table(
            pd.DataFrame(
                [
                    {
                        "身份": svc.PARTY_SIDES.get(p["side"], p["side"]),
                        "姓名": p["name"],
                        "电话": p["phone"] or "—",
                        "身份证号": p["id_number"] or "—",
                    }
                    for p in c["parties"]
                ]
            )
        )
    st.markdown(f"**调解过程（{len(c['steps'])} 步）**")
    if c["steps"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "步骤": f"第{s['step_no']}步 {s['step']}" + ("（乡级）" if s.get("township") else ""),
                        "日期": fmt(s["held_on"]),
                        "参加人员": s["participants"],
                        "调解情况": s["notes"],
                        "结果": svc.STEP_OUTCOMES.get(s["outcome"], s["outcome"]),
                        "风险": RISK_COLOURS.get(s["risk_colour"], ""),
                    }
                    for s in c["steps"]
                ]
            )
        )
    else:
        st.caption("尚未开展调解。")
    if c["links"]:
        st.markdown(
            "**关联记录（一事一档）：** "
            + "；".join(ui.esc(f"{k['number'] or ''} {k['title'] or ''}") for k in c["links"])
        )
    if allowed(actor.role, "mediation.export"):
        prints(actor, c)
    if allowed(actor.role, "mediation.edit"):
        actions(actor, c)


def prints(actor: Actor, c: dict) -> None:
    a, b, _ = st.columns([2, 2, 4])
    with ui.user_errors():
        if a.button("生成案卷（Word）", icon=":material/description:", key=f"med_file_{c['id']}"):
            blob = docs.export_case_file(runtime.engine(), actor, c["id"])
            a.download_button("下载案卷.docx", blob, file_name=f"{c['number']}案卷.docx", mime=DOCX, type="primary")
        if c.get("agreement_text") and b.button("生成调解协议书", icon=":material/contract:", key=f"med_agr_{c['id']}"):
            blob = docs.export_agreement(runtime.engine(), actor, c["id"])
            b.download_button(
                "下载协议书.docx", blob, file_name=f"{c['number']}调解协议书.docx", mime=DOCX, type="primary"
            )


def actions(actor: Actor, c: dict) -> None:
    acts = [a for a in c["actions"] if a != "agree"]  # agreement is a step's outcome
    if not acts:
        return
    st.divider()
    refusal = mq.case_scope_refusal(write_scope(actor), c["number"], c["township_id"], c["village_id"], c["level"])
    if refusal:
        st.caption(refusal + "（仅可查看）")
        return
    show_conflict()
    if c["exit_required"]:
        st.warning("四步调解均未达成协议：请升级至乡级、转诉讼或转信访。")
    labels = {
        "step": f"记录第{c['next_step']}步：{MEDIATION_STEPS.get(c['next_step'], '')}" if c["next_step"] else "",
        **{k: v for k, v in fsm.ACTION_LABELS.items() if k != "step"},
    }
    action = st.segmented_control("办理", acts, format_func=labels.get, key=f"med_act_{c['id']}", default=acts[0])
    if action is None:
        st.caption("选择上方要办理的事项。")
        return
    version = loaded_version(c)
    eng = runtime.engine()
    if action == "step":
        _step_form(actor, c, version)
    elif action == "escalate":
        with st.form(f"med_esc_{c['id']}"):
            reason = st.text_area("升级原因", placeholder="如：涉及多户、村级调解未果、需乡里协调相关部门")
            township_meds = {
                m["id"]: m["name"] + ("（" + m["speciality"] + "）" if m["speciality"] else "")
                for m in mediators(actor.role)
                if m["level"] == "township"
            }
            new_med = st.selectbox(
                "乡级调解员（可不选）", list(township_meds), index=None, format_func=township_meds.get
            )
            if st.form_submit_button("确认升级至乡级", type="primary"):
                with saving(version_key(c["id"])):
                    out = svc.escalate(eng, actor, c["id"], version, reason, mediator_id=new_med)
                    _done(f"{out['number']} 已升级至乡级调处。", out["number"])
    elif action in ("litigation", "petition"):
        with st.form(f"med_out_{c['id']}"):
            note = st.text_area("去向说明", placeholder="如：当事人已向县人民法院起诉")
            if st.form_submit_button(f"确认{fsm.ACTION_LABELS[action]}", type="primary"):
                with saving(version_key(c["id"])):
                    out = svc.refer_out(eng, actor, c["id"], version, action, note)
                    _done(f"{out['number']} 已标记为{fsm.STATUS_LABELS[action]}。", out["number"])
    elif action == "followup":
        due = c.get("followup_due_on")
        if due and due > today():
            st.info(f"应回访日期为 {fmt(due)}，早于该日期的回访不能作为销号依据。")
        with st.form(f"med_fu_{c['id']}"):
            day = st.date_input("回访日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            note = st.text_area("回访情况", placeholder="协议履行情况、当事人意见")
            if st.form_submit_button("登记回访", type="primary"):
                with saving(version_key(c["id"])):
                    out = svc.record_followup(eng, actor, c["id"], version, day, note)
                    _done(f"{out['number']} 已登记回访。", out["number"])
    elif action == "close":
        if not c.get("followup_at"):
            st.info("销号前须先登记回访（应回访日期起）。")
        with st.form(f"med_close_{c['id']}"):
            outcome = st.text_area("调处结果", placeholder="如：协议已履行到位，双方无异议")
            if st.form_submit_button("确认销号", type="primary"):
                with saving(version_key(c["id"])):
                    out = svc.close(eng, actor, c["id"], version, outcome)
                    _done(f"{out['number']} 已销号。", out["number"])
    elif action == "reopen":
        with st.form(f"med_reopen_{c['id']}"):
            reason = st.text_area("重新启调原因", placeholder="如：一方未履行协议，纠纷再起")
            if st.form_submit_button("确认重新启调", type="primary"):
                with saving(version_key(c["id"])):
                    out = svc.reopen(eng, actor, c["id"], version, reason)
                    _done(f"{out['number']} 已重新启调。", out["number"])


STEP_HINTS = {
    1: "网格员到场了解情况、初步调解，参加人员一般为网格员和双方当事人。",
    2: "邀请乡贤、老党员、村两委成员参与调解。",
    3: "法律顾问到场释法明理，讲清法律规定和可能的后果。",
    4: "召集村民代表评议，依据评议意见定案。",
}


def _step_form(actor: Actor, c: dict, version: int) -> None:
    no = c["next_step"]
    st.caption(
        f"第{no}步“{MEDIATION_STEPS[no]}”：{STEP_HINTS[no]} 任何一步都可以达成协议；"
        "未达成则进入下一步，第四步仍未达成须升级、转诉讼或转信访。"
    )
    outcome = st.radio(
        "本步结果",
        list(svc.STEP_OUTCOMES),
        format_func=svc.STEP_OUTCOMES.get,
        horizontal=True,
        key=f"med_outcome_{c['id']}",
    )
    with st.form(f"med_step_{c['id']}"):
        a, b = st.columns(2)
        day = a.date_input("调解日期", value=today(), max_value=today(), format="YYYY-MM-DD")
        colour = b.selectbox(
            "重新评定风险等级",
            list(RISK_COLOURS),
            index=list(RISK_COLOURS).index(c["risk_colour"]),
            format_func=RISK_COLOURS.get,
        )
        who = st.text_input("参加人员", placeholder="如：网格员王某、双方当事人")
        notes = st.text_area("调解情况（各方意见、调解员所做工作）")
        agreement = (
            st.text_area("协议内容", placeholder="逐条写明双方同意的事项、履行方式和期限")
            if outcome == "agreed"
            else None
        )
        if st.form_submit_button(f"保存第{no}步", type="primary"):
            with saving(version_key(c["id"])):
                out = svc.record_step(
                    runtime.engine(),
                    actor,
                    c["id"],
                    version,
                    step_no=no,
                    held_on=day,
                    participants=who,
                    notes=notes,
                    risk_colour=colour,
                    outcome=outcome,
                    agreement_text=agreement,
                )
                msg = "已达成协议" if outcome == "agreed" else f"已记录第{no}步"
                _done(f"{out['number']} {msg}。", out["number"])


# --------------------------------------------------------------------------- register


def register_form(actor: Actor, ref: dict) -> None:
    mine = writable_villages(actor)
    if mine is not None and not mine:
        st.warning("该账号尚未关联网格员档案，不能登记纠纷，请联系管理员。")
        return
    villages = {v["id"]: f"{v['township']} {v['name']}" for v in ref["villages"] if mine is None or v["id"] in mine}
    a, b, c_ = st.columns(3)
    kind = a.radio("类别", list(CASE_KINDS), format_func=CASE_KINDS.get, horizontal=True, key="med_new_kind")
    village = b.selectbox(
        "所在村（社区）",
        list(villages),
        index=None,
        format_func=villages.get,
        key="med_new_village",
        placeholder="输入村名搜索",
    )
    gmap = {g["id"]: g["name"] for g in grids(village)} if village else {}
    grid = c_.selectbox(
        "网格",
        list(gmap),
        index=None,
        format_func=gmap.get,
        key="med_new_grid",
        placeholder="先选村" if not village else "可不选",
    )
    with st.form("med_new"):
        d1, d2, d3, d4 = st.columns(4)
        dtype = d1.selectbox("纠纷类型", list(DISPUTE_TYPES), format_func=DISPUTE_TYPES.get)
        source = d2.selectbox("来源", ["walk_in", "screening"], format_func=CASE_SOURCES.get)
        colour = d3.selectbox("风险等级", list(RISK_COLOURS), format_func=RISK_COLOURS.get)
        level = d4.selectbox("调处层级", list(CASE_LEVELS), format_func=CASE_LEVELS.get)
        title = st.text_input("标题", placeholder="如：东湖村张某与李某宅前排水纠纷")
        summary = st.text_area("简要情况", placeholder="起因、诉求、双方分歧")
        meds = {
            m["id"]: m["name"] + ("（" + m["speciality"] + "）" if m["speciality"] else "")
            for m in mediators(actor.role)
        }
        mediator = st.selectbox("包案调解员", list(meds), index=None, format_func=meds.get, placeholder="可不选")
        st.markdown("**当事人**（来访、排查登记的纠纷至少填写一位申请人）")
        p = st.columns(4)
        a_name = p[0].text_input("申请人姓名")
        a_phone = p[1].text_input("申请人电话")
        r_name = p[2].text_input("被申请人姓名")
        r_phone = p[3].text_input("被申请人电话")
        if st.form_submit_button("登记", type="primary"):
            parties = []
            if a_name.strip() or a_phone.strip():
                parties.append(svc.PartyInput(a_name, a_phone or None, side="applicant"))
            if r_name.strip() or r_phone.strip():
                parties.append(svc.PartyInput(r_name, r_phone or None, side="respondent"))
            with ui.user_errors():
                out = svc.open_case(
                    runtime.engine(),
                    actor,
                    svc.CaseInput(
                        kind=kind,
                        dispute_type=dtype,
                        title=title,
                        summary=summary,
                        village_id=village,
                        grid_id=grid,
                        source=source,
                        risk_colour=colour,
                        level=level,
                        mediator_id=mediator,
                        parties=parties,
                    ),
                )
                for k in ("med_new_village", "med_new_grid"):
                    st.session_state.pop(k, None)
                _done(f"已登记 {out['number']}。", out["number"])


# --------------------------------------------------------------------------- screening


def month_options(n: int = 12) -> list[str]:
    t = today()
    y, m = t.year, t.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def screening_view(actor: Actor) -> None:
    a, b = st.columns([2, 3], vertical_alignment="bottom")
    month = a.selectbox("排查月份", month_options(), key="med_month")
    only_missing = b.toggle("只看未完成的村", key="med_missing")
    summary, rows = screening(month, only_missing, actor.role, timefmt.minute_key())
    m1, m2, m3 = st.columns(3)
    m1.metric("已完成排查", f"{summary['done']} / {summary['villages']} 个村")
    m2.metric("未完成" + ("（已逾期）" if summary["overdue"] else "（本月底前）"), summary["missing"])
    m3.metric("排查出纠纷", summary["found"])
    frame = pd.DataFrame(
        [
            {
                "乡镇": r["township"],
                "村（社区）": r["village"],
                "排查": "已完成" if r["done"] else ("逾期未排查" if r["overdue"] else "未完成"),
                "发现纠纷": r["disputes_found"] or 0,
                "排查情况": r["findings"] or "—",
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=38 + 35 * min(max(len(rows), 1), 10))
    if not allowed(actor.role, "mediation.screening") or not rows:
        return
    mine = writable_villages(actor)
    by_id = {r["village_id"]: r for r in rows if mine is None or r["village_id"] in mine}
    if not by_id:
        return
    with st.expander("登记 / 修改排查结果", expanded=False):
        show_conflict()
        vid = st.selectbox(
            "村（社区）",
            list(by_id),
            format_func=lambda i: f"{by_id[i]['township']} {by_id[i]['village']}",
            key="med_scr_village",
        )
        r = by_id[vid]
        vkey = f"med_v_scr_{month}_{vid}"  # the version this form was rendered with
        version = st.session_state.setdefault(vkey, r["version"])
        with st.form(f"med_scr_{month}_{vid}"):
            done = st.checkbox("已完成本月排查（婚姻家庭、邻里、土地边界纠纷）", value=r["done"])
            found = st.number_input("排查出的纠纷数", 0, 99, value=int(r["disputes_found"] or 0))
            findings = st.text_area("排查情况", value=r["findings"] or "", placeholder="如：未发现新的矛盾纠纷")
            if st.form_submit_button("保存排查结果", type="primary"):
                with saving(vkey):
                    svc.save_screening(
                        runtime.engine(),
                        actor,
                        vid,
                        month,
                        done=done,
                        findings=findings,
                        disputes_found=found,
                        version=version,
                    )
                    _done(f"{ui.esc(r['village'])} {month} 排查结果已保存。")


def visits_view(actor: Actor) -> None:
    a, b = st.columns([2, 3], vertical_alignment="bottom")
    tag = a.selectbox(
        "对象",
        [None, *svc.SPECIAL_GROUPS],
        format_func=lambda t: "全部" if t is None else svc.SPECIAL_GROUPS[t],
        key="med_vis_tag",
    )
    overdue = b.toggle("只看逾期未走访", key="med_vis_overdue")
    page = ui.paged(
        "med_vis_page", lambda off, lim: special(actor, tag, overdue, off, lim, timefmt.minute_key()), PAGE_SIZE
    )
    page.control(noun="人")
    rows = page.rows
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "姓名": r["name"],
                    "类别": r["group"],
                    "村（社区）": r["village"],
                    "网格": r["grid"],
                    "上次走访": fmt(r["last_visit"]),
                    "下次应走访": fmt(r["next_due"]) if r["next_due"] else "尽快走访",
                    "提醒": "逾期" if r["overdue"] else "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        height=38 + 35 * min(max(len(rows), 1), 10),
    )
    if not allowed(actor.role, "mediation.screening") or not rows:
        return
    mine = writable_villages(actor)
    opts = {
        (r["resident_id"], r["tag"]): f"{r['name']}（{r['group']}，{r['village']}）"
        for r in rows
        if mine is None or r["village_id"] in mine
    }
    if not opts:
        return
    with st.expander("登记走访", expanded=False), st.form("med_visit"):
        who = st.selectbox("走访对象（本页）", list(opts), format_func=opts.get)
        x, y = st.columns(2)
        day = x.date_input("走访日期", value=today(), max_value=today(), format="YYYY-MM-DD")
        visitor = y.text_input("走访人", value=actor.display_name)
        note = st.text_area("走访情况")
        if st.form_submit_button("保存走访", type="primary"):
            with ui.user_errors():
                out = svc.record_visit(runtime.engine(), actor, who[0], who[1], day, visitor, note)
                _done(f"已登记走访，下次应走访日期 {fmt(out['next_due_on'])}。")


# --------------------------------------------------------------------------- KPIs and settings


def kpi_view() -> None:
    a, b = st.columns(2)
    start = a.date_input("登记日期自", value=today().replace(month=1, day=1), format="YYYY-MM-DD", key="med_k_from")
    end = b.date_input("至", value=today(), format="YYYY-MM-DD", key="med_k_to")
    from db.rules.sla import local_midnight

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


def settings_view(actor: Actor) -> None:
    cur = settings()
    if data.county_settings_locked(actor):
        st.markdown(f"回访间隔：协议达成后 **{cur['followup_days']}** 天；无进展提醒：**{cur['stale_days']}** 天。")
        st.info("调解回访和提醒设置" + data.COUNTY_ONLY)
        return
    with st.form("med_settings"):
        a, b = st.columns(2)
        fu = a.number_input("回访间隔（协议达成后天数）", 1, 365, value=cur["followup_days"])
        sd = b.number_input("无进展提醒（天）", 1, 180, value=cur["stale_days"])
        if st.form_submit_button("保存设置", type="primary"):
            with ui.user_errors():
                svc.update_settings(runtime.engine(), actor, followup_days=fu, stale_days=sd)
                _done("调解设置已保存。")
