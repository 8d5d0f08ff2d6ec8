"""The task ledger's widgets (任务台账): cached reads, the counts, filters, the ledger table with its
warning colours, a task's file (milestones, progress timeline) and the forms of its actions.

Writes go through ``db.services.tasks``; after each one ``data.invalidate()`` clears the cached
reads. The version of the task (and of each milestone) is kept in session_state when its form is
first rendered (``task_v_…``), so a save after someone else's is refused with the conflict message;
the kept version is then dropped and the task shown afresh.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from components.timefmt import today
from db.engine import read_session
from db.models.tasks import TASK_SOURCES, TASK_STATUSES
from db.permissions import Actor, allowed
from db.queries import tasks as tq
from db.services import tasks as svc

PAGE_SIZE = 20
QUICK = {
    "open": "在办任务",
    "overdue": "已逾期",
    "milestone_overdue": "节点逾期",
    "due_soon": "7天内到期",
    "closed": "已销号",
    "all": "全部任务",
}
LEVEL_BADGE = {"overdue": "red", "soon": "orange"}


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=30)
def page_rows(f: tq.TaskFilter, role: str, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return tq.task_page(s, f, today(), role, offset, limit)


@runtime.cached(ttl=30)
def counts(minute: str) -> dict[str, int]:
    with read_session(runtime.engine()) as s:
        return tq.counts(s, today())


@runtime.cached(ttl=30)
def detail(task_id: int, role: str, minute: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return tq.task_detail(s, role, task_id, today())


@runtime.cached(ttl=120)
def lead_units() -> list[str]:
    with read_session(runtime.engine()) as s:
        return tq.lead_units(s)


# --------------------------------------------------------------------------- the ledger


def cards(c: dict[str, int]) -> None:
    cols = st.columns(len(tq.COUNTS))
    for col, (key, count) in zip(cols, tq.COUNTS.items(), strict=True):
        with col.container(border=True):
            st.metric(count.label, c[key], help=f"口径：{count.basis}")
            if key != "open" and c[key]:
                colour, word = ("orange", "临近时限") if key == "due_soon" else ("red", "需督促")
                st.markdown(f":{colour}-badge[{word}]")


def filters(quick: str | None) -> tq.TaskFilter:
    keys = list(QUICK)
    a, b, c = st.columns([2, 2, 3])
    view = a.selectbox(
        "快捷视图", keys, index=keys.index(quick) if quick in QUICK else 0, format_func=QUICK.get, key="task_quick"
    )
    units = lead_units()
    lead = b.selectbox("牵头单位", units, index=None, key="task_lead", placeholder="全部")
    text = c.text_input("编号或关键词", key="task_text", placeholder="如 县-036、改造、综治中心")
    status = {"closed": "closed", "all": None}.get(view, "open")
    warning = view if view in tq.WARNINGS else None
    return tq.TaskFilter(status=status, warning=warning, lead_unit=lead, text=text or None)


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "编号": r["number"],
                "任务": r["title"],
                "牵头单位": r["lead_unit"],
                "责任人": r["owner"] or "—",
                "完成时限": r["due_on"].isoformat(),
                "节点": f"{r['m_done']}/{r['m_total']}",
                "进度": f"{r['progress_percent']}%",
                "状态": TASK_STATUSES.get(r["status"], r["status"]),
                "提醒": r["warning_text"] or ("已销号" if r["status"] == "closed" else ""),
            }
            for r in rows
        ]
    )


def _colour(value: str) -> str:
    if "逾期" in value:
        return "background-color:#fde2e1"
    if "到期" in value:
        return "background-color:#fff4d6"
    return ""


def ledger_table(rows: list[dict], page_no: int) -> dict | None:
    gen = st.session_state.get("task_table_gen", 0)
    df = frame(rows)
    event = st.dataframe(
        df.style.map(_colour, subset=["提醒"]) if len(df) else df,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"task_table_{gen}_{page_no}",
        height=38 + 35 * min(max(len(rows), 1), 12),
        column_config={
            "任务": st.column_config.TextColumn(width="large"),
            "编号": st.column_config.TextColumn(width=120),
        },
    )
    picked = [rows[i] for i in event.selection.rows if i < len(rows)]
    return picked[0] if picked else None


# --------------------------------------------------------------------------- one task


def _vkey(kind: str, ident: int) -> str:
    return f"task_v_{kind}_{ident}"


def _loaded(kind: str, ident: int, version: int) -> int:
    """The version the record was first rendered at in this session (until a save or a conflict)."""
    return st.session_state.setdefault(_vkey(kind, ident), version)


def _done(message: str, task_id: int) -> None:
    for key in [k for k in st.session_state if str(k).startswith(("task_v_", "task_act_"))]:
        del st.session_state[key]
    data.invalidate()
    st.session_state["task_table_gen"] = st.session_state.get("task_table_gen", 0) + 1
    st.query_params["task"] = str(task_id)
    ui.flash(message)
    st.rerun()


def task_view(actor: Actor, t: dict) -> None:
    st.subheader(f"{t['number']}　{ui.esc(t['title'])}")
    badges = [
        f":{'green' if t['status'] == 'closed' else 'blue'}-badge[{t['status_label']}]",
        f":gray-badge[进度 {t['progress_percent']}%]",
        f":gray-badge[节点 {t['m_done']}/{t['m_total']}]",
    ]
    if t["warning"]:
        badges.append(f":{LEVEL_BADGE[t['warning']]}-badge[{ui.esc(t['warning_text'])}]")
    st.markdown(" ".join(badges))
    info = {
        "牵头单位": t["lead_unit"],
        "责任单位": t["responsible_units"] or "—",
        "责任人": t["owner"] or "—",
        "来源": t["source_label"],
        "完成时限": t["due_on"].isoformat(),
        "量化标准": t["standard"] or "—",
        "最近报告": t["last_report_on"].isoformat() if t["last_report_on"] else "尚未报告进展",
    }
    if t["status"] == "closed":
        info["销号"] = f"{t['closed_on']:%Y-%m-%d}" + (f"（{t['closed_by_name']}）" if t.get("closed_by_name") else "")
        info["销号依据"] = t["closing_evidence"] or "—"
        if t.get("closing_reason"):
            info["未完成节点说明"] = t["closing_reason"]
    ui.table(pd.DataFrame({"项目": list(info), "内容": list(info.values())}).set_index("项目"))
    st.markdown(f"**任务节点（{t['m_done']}/{t['m_total']} 已完成）**")
    if t["milestones"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "序号": m["seq"],
                        "节点": m["title"],
                        "节点时限": m["due_on"].isoformat(),
                        "完成日期": m["done_on"].isoformat() if m["done_on"] else "未完成",
                        "提醒": m["warning_text"],
                        "说明": m["note"] or "",
                    }
                    for m in t["milestones"]
                ]
            )
        )
    else:
        st.caption("尚未设置节点。")
    st.markdown(f"**进展情况（{len(t['progress'])} 次报告）**")
    if t["progress"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "日期": p["reported_on"].isoformat(),
                        "进度": f"{p['percent']}%",
                        "进展情况": p["text"],
                        "报告人": p["reporter"] or "—",
                    }
                    for p in t["progress"]
                ]
            )
        )
    else:
        st.caption("尚未报告进展。")
    actions(actor, t)


def actions(actor: Actor, t: dict) -> None:
    manage, close = allowed(actor.role, "task.manage"), allowed(actor.role, "task.close")
    if t["status"] == "open":
        acts = {
            k: v
            for k, v, ok in (
                ("progress", "报告进展", manage),
                ("milestone", "增加节点", manage),
                ("done", "节点完成", manage and t["m_total"] > t["m_done"]),
                ("edit", "修改任务", manage),
                ("close", "销号", close),
            )
            if ok
        }
    else:
        acts = {"reopen": "重新打开"} if close else {}
    if not acts:
        return
    st.divider()
    action = st.segmented_control("办理", list(acts), format_func=acts.get, key=f"task_act_{t['id']}")
    if action is None:
        st.caption("选择上方要办理的事项。")
        return
    version = _loaded("task", t["id"], t["version"])
    key = _vkey("task", t["id"])
    eng = runtime.engine()
    form = f"task_{action}_{t['id']}"
    if action == "progress":
        with st.form(form):
            a, b = st.columns(2)
            day = a.date_input("报告日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            pct = b.number_input("完成进度（%）", 0, 100, value=int(t["progress_percent"]), step=5)
            text = st.text_area("进展情况", placeholder="本周完成了什么、存在的问题、下一步安排")
            if st.form_submit_button("报告进展", type="primary"):
                ok, _ = ui.versioned_write(
                    key,
                    lambda: svc.report_progress(eng, actor, t["id"], version, percent=pct, text=text, reported_on=day),
                )
                if ok:
                    _done(f"{t['number']} 已报告进展。", t["id"])
    elif action == "milestone":
        with st.form(form):
            a, b = st.columns([3, 1])
            title = a.text_input("节点名称", placeholder="如 完成施工招标")
            due = b.date_input(
                "节点时限",
                value=min(t["due_on"], today() + timedelta(days=30)),
                max_value=t["due_on"],
                format="YYYY-MM-DD",
            )
            note = st.text_input("说明（可不填）")
            if st.form_submit_button("增加节点", type="primary"):
                ok, _ = ui.versioned_write(
                    key, lambda: svc.add_milestone(eng, actor, t["id"], version, title=title, due_on=due, note=note)
                )
                if ok:
                    _done(f"{t['number']} 已增加节点。", t["id"])
    elif action == "done":
        left = {
            m["id"]: f"{m['seq']}. {m['title']}（{m['due_on']:%Y-%m-%d}）"
            for m in t["milestones"]
            if m["done_on"] is None
        }
        versions = {m["id"]: m["version"] for m in t["milestones"]}
        with st.form(form):
            a, b = st.columns([3, 1])
            mid = a.selectbox("节点", list(left), format_func=left.get)
            day = b.date_input("完成日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            note = st.text_input("说明（可不填）")
            if st.form_submit_button("标记完成", type="primary") and mid is not None:
                mkey = _vkey("milestone", mid)
                mv = _loaded("milestone", mid, versions[mid])
                ok, _ = ui.versioned_write(
                    mkey, lambda: svc.set_milestone_done(eng, actor, mid, mv, done_on=day, note=note or None)
                )
                if ok:
                    _done(f"{t['number']} 节点已完成。", t["id"])
    elif action == "edit":
        fields = task_fields(form, t)
        if fields is not None:
            ok, _ = ui.versioned_write(key, lambda: svc.update_task(eng, actor, t["id"], version, fields))
            if ok:
                _done(f"{t['number']} 已修改。", t["id"])
    elif action == "close":
        left = t["m_total"] - t["m_done"]
        if left:
            st.warning(f"还有 {left} 个节点未完成：销号须说明原因。")
        with st.form(form):
            day = st.date_input("销号日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            evidence = st.text_area("销号依据", placeholder="如：县专班已验收，验收报告和现场照片已存档")
            reason = st.text_area("未完成节点的说明", placeholder="节点均已完成时不填") if left else None
            if st.form_submit_button("确认销号", type="primary"):
                ok, _ = ui.versioned_write(
                    key,
                    lambda: svc.close_task(
                        eng, actor, t["id"], version, evidence=evidence, closed_on=day, reason=reason
                    ),
                )
                if ok:
                    _done(f"{t['number']} 已销号。", t["id"])
    elif action == "reopen":
        with st.form(form):
            reason = st.text_area("重新打开的原因", placeholder="如：县专班复核未通过，需继续整改")
            if st.form_submit_button("确认重新打开", type="primary"):
                ok, _ = ui.versioned_write(key, lambda: svc.reopen_task(eng, actor, t["id"], version, reason=reason))
                if ok:
                    _done(f"{t['number']} 已重新打开。", t["id"])


def task_fields(form: str, t: dict | None = None) -> svc.TaskInput | None:
    """The task's fields in a form; the input when submitted, else None."""
    t = t or {}
    sources = list(TASK_SOURCES)
    with st.form(form):
        a, b = st.columns([3, 1])
        title = a.text_input("任务名称", value=t.get("title", ""))
        due = b.date_input("完成时限", value=t.get("due_on") or today() + timedelta(days=90), format="YYYY-MM-DD")
        c, d, e = st.columns([2, 3, 1])
        lead = c.text_input("牵头单位", value=t.get("lead_unit", ""), placeholder="如 规划建设办公室")
        units = d.text_input("责任单位", value=t.get("responsible_units") or "", placeholder="多个用顿号分隔")
        owner = e.text_input("责任人", value=t.get("owner") or "")
        standard = st.text_area(
            "量化标准", value=t.get("standard") or "", placeholder="如 完成3栋楼外墙改造，惠及120户"
        )
        f, g = st.columns([1, 3])
        source = f.selectbox(
            "来源", sources, index=sources.index(t.get("source", "township")), format_func=TASK_SOURCES.get
        )
        number = (
            None if t else g.text_input("任务编号（可不填）", placeholder="台账自己的编号；不填则自动生成 RW-年份-序号")
        )
        if not st.form_submit_button("保存" if t else "新建任务", type="primary"):
            return None
    return svc.TaskInput(
        title=title,
        lead_unit=lead,
        due_on=due,
        responsible_units=units,
        owner=owner,
        standard=standard,
        source=source,
        number=number,
    )


def new_form(actor: Actor) -> None:
    town = None
    if actor.township_id is None:
        towns = {x["id"]: x["name"] for x in data.reference()["townships"]}
        town = st.selectbox("所属乡镇", list(towns), format_func=towns.get, key="task_new_town")
    fields = task_fields("task_new")
    if fields is not None:
        with ui.user_errors():
            out = svc.create_task(runtime.engine(), actor, fields, township_id=town)
            _done(f"已新建任务 {out['number']}。", out["id"])
