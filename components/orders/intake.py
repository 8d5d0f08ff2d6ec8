"""Widgets of the intake page: the caller's history (一事一档), duplicates, suggestions."""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.nav import VISIT_KEY
from components.orders import receipt
from components.timefmt import fmt
from components.ui import aria_selector, esc
from db.models.orders import CHANNELS, ORDER_STATUSES, TIERS
from db.services import desk_draft
from db.services import orders as orders_svc

FORM_KEY = "intake_form_no"


def key(name: str) -> str:
    """Widget keys carry the form number, so a new number gives an empty form."""
    return f"intake_{st.session_state.get(FORM_KEY, 0)}_{name}"


def reset_form() -> None:
    st.session_state[FORM_KEY] = st.session_state.get(FORM_KEY, 0) + 1


def focus_first_field(label: str) -> None:
    """Put the cursor into the form's first field when the page opens and after each saved call,
    so the next call can be typed at once (the script's text carries the form number: it runs
    again only for a new form, never on the reruns while a call is typed). Once per visit of the page
    and form number (``nav.count_visit``; marked in the window): the script's element is mounted
    again when an element above it comes or goes (the saved call's message gone on the next run),
    and the cursor was then taken back from the field the clerk had tabbed to."""
    selector = aria_selector(label)
    mark = f"{int(st.session_state.get(VISIT_KEY, 0))}-{int(st.session_state.get(FORM_KEY, 0))}"
    st.html(
        f"<script>(() => {{ if (window.govFocused === '{mark}') return; window.govFocused = '{mark}'; "
        f"let tries = 0; const t = setInterval(() => {{ const f = document.querySelector({selector}); "
        "if (f) f.focus(); if (f || ++tries > 50) clearInterval(t); }, 100); })();</script>",
        unsafe_allow_javascript=True,
    )


HISTORY_SHOWN = 8


def _when(ts) -> str:
    return fmt(ts, with_time=False) if ts is not None else ""


def history_panel(history: dict) -> None:
    """The caller's history, as the read layer presented it for the user's role."""
    orders, disputes, events = history.get("orders", []), history.get("disputes", []), history.get("events", [])
    if not (orders or disputes or events):
        st.caption("未查到该电话、住户或地址的历史记录。")
        return
    st.markdown(f"历史记录：工单 {len(orders)} 件 · 矛盾纠纷 {len(disputes)} 件 · 网格事件 {len(events)} 件")
    # a list that wraps, not a table: in the panel's width a table cut 事项 and hid 状态
    shown = orders[:HISTORY_SHOWN]
    for o in shown:
        st.markdown(
            f"- {_when(o['received_at'])} **{esc(ORDER_STATUSES.get(o['status'], o['status']))}** "
            f"{esc(o['title'])}（{esc(o['number'])} · {esc(CHANNELS.get(o['channel'], o['channel']))}）"
        )
    if len(orders) > len(shown):
        st.caption(f"另有 {len(orders) - len(shown)} 件较早的工单，可在工单中心按电话搜索。")
    for d in disputes[:5]:
        st.markdown(f"- 纠纷 {esc(d.get('number'))}：{esc(d.get('title'))}（{_when(d.get('reported_at'))}）")
    for e in events[:5]:
        st.markdown(
            f"- 网格事件 {esc(e.get('number'))}：{esc((e.get('description') or '')[:30])}"
            f"（{_when(e.get('reported_at'))}）"
        )


def duplicate_panel(cands: list[dict]) -> int | None:
    """Warn about likely duplicates; returns the order id the operator marks this one a duplicate of."""
    if not cands:
        return None
    st.warning(f"疑似重复 {len(cands)} 件（近30天）：请先核对，是同一诉求可直接关联已有工单，不必新建。")
    options = {
        c["id"]: f"{c['number']} · {c['title'][:18]} · {ORDER_STATUSES.get(c['status'], c['status'])}"
        f"（{'、'.join(c['reasons'])}）"
        for c in cands
    }  # select-box options are plain text
    for c in cands[:3]:
        st.page_link(
            "pages/inbox.py",
            label=f"查看 {c['number']}（{'、'.join(c['reasons'])}）",
            query_params={"order": c["number"]},
            icon=":material/open_in_new:",
        )
    choice = st.selectbox(
        "登记为以下工单的重复件（可不选）",
        [None, *options],
        key=key("dup"),
        format_func=lambda i: "（不关联，作为新诉求登记）" if i is None else options[i],
    )
    return choice


def suggestion_caption(suggestions) -> None:
    if not suggestions:
        return
    top = suggestions[0]
    how = "模型" if top.method == "model" else "关键词"
    extra = "、".join(s.category_name for s in suggestions[1:3])
    st.caption(
        f"系统推荐类别：**{top.category_name}**（置信度 {top.confidence:.0%}，依据{how}）"
        + (f"；其次：{extra}" if extra else "")
        + "。请接线员确认。"
    )


__all__ = ["history_panel", "duplicate_panel", "suggestion_caption", "key", "reset_form", "CHANNELS"]


# --------------------------------------------------------------------------- the draft on the server

DRAFT_FIELDS = (
    "channel",
    "caller",
    "phone",
    "village",
    "grid",
    "household",
    "address",
    "desc",
    "category",
    "urgency",
    "title",
    "answer",
    "contacted",
)
TYPED = ("caller", "phone", "address", "desc", "title", "answer")  # a draft is kept once one is filled
RESTORED_KEY = "intake_restored_at"


def restore_draft(actor, villages: dict, cats: dict) -> None:
    """Once per form: the user's unsaved call (a reload, a closed tab, an idle log-out) back into
    the form, before its widgets are drawn; choices that no longer exist are left empty."""
    flag = key("draft_checked")
    if st.session_state.get(flag):
        return
    st.session_state[flag] = True
    if any(st.session_state.get(key(f)) for f in TYPED):
        return
    got = desk_draft.load(runtime.engine(), actor)
    if not got:
        return
    saved, at = got
    valid = dict(saved)
    if valid.get("village") not in villages:
        valid.pop("village", None)
        valid.pop("grid", None)
    if valid.get("grid") is not None and valid["grid"] not in {g["id"] for g in data.grids(valid.get("village"))}:
        valid.pop("grid", None)
    if valid.get("household") is not None and (
        valid.get("grid") is None
        or valid["household"] not in {h["id"] for h in data.households(valid["grid"], actor.role)}
    ):
        valid.pop("household", None)
    if valid.get("category") not in cats:
        valid.pop("category", None)
    for f in DRAFT_FIELDS:
        if valid.get(f) is not None:
            st.session_state[key(f)] = valid[f]
    if valid.get("category") is not None and valid.get("tier") in TIERS:  # the tier's box is the category's
        st.session_state[key(f"tier_{valid['category']}")] = valid["tier"]
    st.session_state[key("cat_touched")] = valid.get("category") is not None
    st.session_state[key("draft_last")] = {f: saved.get(f) for f in (*DRAFT_FIELDS, "tier")}
    st.session_state[RESTORED_KEY] = at


def draft_notice(actor) -> None:
    """Say that a call was brought back, with a way to throw it away."""
    at = st.session_state.get(RESTORED_KEY)
    if at is None:
        return
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    c1.info(f"已恢复您 {fmt(at)} 未登记完的来电（刷新页面、关闭页面或超时退出都不会丢失）。", icon=":material/restore:")
    if c2.button("丢弃草稿", key=key("draft_discard")):
        desk_draft.discard(runtime.engine(), actor)
        st.session_state.pop(RESTORED_KEY, None)
        reset_form()
        st.session_state[key("draft_checked")] = True  # the new, empty form is not refilled
        st.rerun()


def keep_draft(actor, values: dict) -> None:
    """The call as typed so far, on the server; written only when something changed."""
    last = st.session_state.get(key("draft_last"))
    if not any(values.get(f) for f in TYPED):
        if last:
            desk_draft.discard(runtime.engine(), actor)
            st.session_state[key("draft_last")] = None
        return
    if values != last:
        desk_draft.save(runtime.engine(), actor, values)
        st.session_state[key("draft_last")] = values


def forget_draft(actor) -> None:
    desk_draft.discard(runtime.engine(), actor)
    st.session_state.pop(RESTORED_KEY, None)


def register(actor, typed: dict, duplicate_of: int | None, form: str) -> None:
    """Register the call as typed (the values ``keep_draft`` keeps); on success the draft is
    forgotten, the form emptied, the receipt offered and the new number flashed. A refusal is
    shown at its field (``ui.field_errors``)."""
    intake = orders_svc.Intake(
        channel=typed["channel"],
        caller_name=typed["caller"],
        caller_phone=typed["phone"],
        village_id=typed["village"],
        grid_id=typed["grid"],
        household_id=typed["household"],
        address=typed["address"],
        category_id=typed["category"],
        tier=typed["tier"],
        urgency=typed["urgency"],
        description=typed["desc"],
        contacted=typed["contacted"],
        answer=typed["answer"],
        duplicate_of_id=duplicate_of,
        title=typed["title"].strip() or None,
    )
    with ui.field_errors(form):
        res = orders_svc.register(runtime.engine(), actor, intake)
        data.invalidate()
        forget_draft(actor)
        reset_form()
        receipt.remember(res)
        ui.flash(f"已登记工单 {res['number']}（{'已即办办结' if res['status'] == 'archived' else '待派单'}）。")
        st.rerun()
