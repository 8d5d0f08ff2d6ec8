"""12345对接: the county platform's exports imported through a review of what the console cannot
match by itself, the replies written back, and the township's column layouts
(``db/services/county_link.py``)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from db.engine import read_session
from db.permissions import Actor, allowed
from db.queries import county as county_q
from db.rules import county_sheet as sheet
from db.services import county_link as link

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _state(kind: str) -> dict:
    """The review's choices for the file being imported: county wording -> category / village."""
    return st.session_state.setdefault(f"county_{kind}", {"categories": {}, "villages": {}, "gen": 0})


def import_view(actor: Actor, kind: str) -> None:
    label = link.KIND_LABELS[kind]
    state = _state(kind)
    st.markdown(
        f"上传县平台导出的**{label}**清单（.xlsx 或 .csv）。先逐行检查、核对类别和区域，确认后一次导入；"
        "已导入过的编号只更新县平台时限和紧急程度，不会重复建单。"
    )
    if state.get("done"):
        st.success(state.pop("done"))
        st.page_link("pages/inbox.py", label="到工单中心查看", icon=":material/inbox:")
    up = st.file_uploader("选择文件", type=["xlsx", "csv"], key=f"county_upload_{kind}_{state['gen']}")
    if up is None:
        return
    raw, name = up.getvalue(), up.name
    with ui.user_errors():
        pre = link.preview(runtime.engine(), actor, raw, name, kind, state["categories"], state["villages"])
        _summary(pre)
        if pre.warnings:
            st.caption(
                "以下内容无法识别，导入后记入工单时间线（不影响导入）："
                + "；".join(f"第{line}行“{column}”：{message}" for line, column, message in pre.warnings[:10])
            )
        if pre.problems:
            st.error(f"文件有 {len(pre.problems)} 处问题，未导入任何数据。请在县平台导出的文件中修改后重新上传：")
            ui.table(
                pd.DataFrame(
                    [{"行": line, "列": column, "问题": message} for line, column, message in pre.problems[:200]]
                )
            )
            return
        if pre.unmatched_categories or pre.unmatched_villages:
            _review(pre, state)
            return
        if st.button(f"确认导入 {pre.rows} 行", type="primary", icon=":material/upload:", key=f"county_go_{kind}"):
            bar = st.progress(0.0, text="开始导入……")
            done = link.commit(
                runtime.engine(),
                actor,
                raw,
                name,
                kind,
                state["categories"],
                state["villages"],
                progress=lambda f, text: bar.progress(min(1.0, f), text=text),
            )
            data.invalidate()
            state.update(
                categories={},
                villages={},
                gen=state["gen"] + 1,
                done=f"已导入：新建工单 {done.created} 件，更新 {done.updated} 件，未变 {done.unchanged} 件。",
            )
            st.rerun()


def _summary(pre: link.Preview) -> None:
    found = "、".join(f"{sheet.KINDS[pre.kind][f].label}←“{h}”" for f, h in pre.columns.items())
    st.caption(
        f"表头在第 {pre.header_line} 行；共 {pre.rows} 行（新建 {pre.new}，更新 {pre.updates}）。识别的列：{found}"
    )


def _wording_key(kind: str, what: str, text: str) -> str:

    return f"county_{what}_{kind}_{hashlib.sha1(text.encode()).hexdigest()[:12]}"  # nosec B324 - a widget key


def _review(pre: link.Preview, state: dict) -> None:
    """One choice per unmatched wording, kept under a key of its own wording (a choice never moves
    to the next wording); the choices are remembered with the import."""
    ref = data.reference()
    st.warning("以下县平台的类别或区域本系统无法自动对应，请逐项选择（导入后记住，下次自动对应）：")
    cats = {c["id"]: c["label"] for c in ref["categories"]}
    villages = {v["id"]: v["name"] for v in ref["villages"]}
    for what, unmatched, chosen, options, label in (
        ("cat", pre.unmatched_categories, state["categories"], cats, "县平台类别“{}”（{} 行）对应本系统的"),
        ("vil", pre.unmatched_villages, state["villages"], villages, "县平台区域“{}”（{} 行）属于"),
    ):
        for text in sorted(set(unmatched) | set(chosen)):
            pick = st.selectbox(
                label.format(text, unmatched.get(text, "已选")),
                [None, *options],
                key=_wording_key(pre.kind, what, text),
                format_func=lambda c, o=options: "（请选择）" if c is None else o[c],
            )
            if pick:
                chosen[text] = pick
            else:
                chosen.pop(text, None)
    if st.button("核对完毕，重新检查", type="primary", key=f"county_recheck_{pre.kind}"):
        st.rerun()


def reply_view(actor: Actor) -> None:
    if not allowed(actor.role, "order.dispatch"):
        st.info("回复县平台由转办督办员或系统管理员导出。")
        return
    with read_session(runtime.engine()) as s:
        n = county_q.pending_reply_count(s)
    st.markdown(
        f"自上次导出以来有变化的县平台转办工单：**{n} 件**。导出后这些工单记为已回复，"
        "之后再有进展（派单、办结、回访）会再次列入。"
    )
    if st.button("生成回复文件", type="primary", disabled=not n, icon=":material/description:"):
        with ui.user_errors():
            st.session_state["county_reply"] = link.export_replies(runtime.engine(), actor)
    replies = st.session_state.get("county_reply")
    if replies is not None and replies.rows:
        st.caption(f"回复文件含 {replies.rows} 件。下载后这些工单记为已回复（下载前关闭页面不会漏报）。")

        def taken() -> None:
            link.mark_replied(runtime.engine(), actor, replies)
            data.invalidate()
            st.session_state.pop("county_reply", None)

        st.download_button(
            "下载回复.xlsx", replies.content, file_name="12345回复.xlsx", mime=XLSX, type="primary", on_click=taken
        )


def columns_view(actor: Actor) -> None:
    st.markdown(
        "县平台的导出格式与默认表头不同时，在此写明文件中的表头名称（留空即按默认识别）。回复文件的表头同样可改。"
    )
    kinds = {"12345": "12345转办工单", "petition": "信访件", "reply": "回复县平台"}
    kind = (
        st.segmented_control("格式", list(kinds), format_func=kinds.get, default="12345", key="county_cols_kind")
        or "12345"
    )
    with read_session(runtime.engine()) as s:
        saved = link.profile(s, actor, kind)["columns"]
    fields = dict(link.REPLY_FIELDS) if kind == "reply" else {f: c.label for f, c in sheet.KINDS[kind].items()}
    frame = pd.DataFrame([{"字段": label, "文件中的表头": saved.get(f, "")} for f, label in fields.items()])
    edited = st.data_editor(frame, disabled=["字段"], hide_index=True, key=f"county_cols_{kind}", width="stretch")
    if st.button("保存", key=f"county_cols_save_{kind}"):
        with ui.user_errors():
            link.save_columns(
                runtime.engine(),
                actor,
                kind,
                {f: str(v or "") for f, v in zip(fields, edited["文件中的表头"], strict=True)},
            )
            st.success("已保存。")
