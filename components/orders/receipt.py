"""The receipt (回执) at the desk (issue #20 item 7): after a call or visit is registered, and on an
order's detail, "打印回执" makes the receipt (``db.services.receipt.prepare``: the permission, the
masked facts, the audit record of the export) and offers it as a self-contained HTML file to open
and print (``components.public_page.receipt_html``), with the signed link and QR code of the
order's public progress page."""

from __future__ import annotations

import streamlit as st

from components import runtime, ui
from components.public_page import receipt_html
from db.config import DEFAULT_PUBLIC_URL, PUBLIC_ROUTE
from db.permissions import Actor, allowed
from db.rules import public_link
from db.services import receipt as receipt_svc

LAST_KEY = "intake_last_order"  # the order registered last at this desk: {"id", "number"}
FILES_KEY = "receipt_files"  # the receipts made in this session, {"<where>_<order id>": bytes}
KEEP = 5  # files kept (the oldest dropped): a clerk browsing orders does not fill the session


def remember(res: dict) -> None:
    """After a registration: the order whose receipt the page offers next (the file made for
    the one before is dropped)."""
    files = st.session_state.get(FILES_KEY) or {}
    st.session_state[FILES_KEY] = {k: v for k, v in files.items() if not k.startswith("intake_")}
    st.session_state[LAST_KEY] = {"id": int(res["id"]), "number": str(res["number"])}


def link_of(facts: dict) -> tuple[str, bool]:
    """The public page's address of the order, and whether it is the local fallback address
    (GOV_PUBLIC_URL unset)."""
    cfg = runtime.settings()
    key = public_link.derive_key(runtime.cookie_key(cfg))
    token = public_link.make_token(facts["id"], facts["link_expires"], key)
    return public_link.public_url(cfg.public_base, token, PUBLIC_ROUTE), cfg.public_url is None


def make(actor: Actor, order_id: int) -> bytes:
    """The receipt file of one order (audited as an export)."""
    facts = receipt_svc.prepare(runtime.engine(), actor, order_id)
    url, local = link_of(facts)
    return receipt_html(facts, url, runtime.settings().hotline, local_address=local).encode("utf-8")


def offer(actor: Actor, order_id: int, number: str, key: str) -> None:
    """The 打印回执 button; once pressed, the file to download (kept for this order)."""
    if not allowed(actor.role, receipt_svc.PERMISSION):
        return
    made_key = f"{key}_{order_id}"
    if st.button(
        "打印回执",
        icon=":material/print:",
        key=f"receipt_{made_key}_make",
        help="生成受理回执（个人信息已遮挡），含查询进度和评价的二维码",
    ):
        with ui.user_errors():
            files = {k: v for k, v in (st.session_state.get(FILES_KEY) or {}).items() if k != made_key}
            files[made_key] = make(actor, order_id)
            st.session_state[FILES_KEY] = dict(list(files.items())[-KEEP:])
    made = (st.session_state.get(FILES_KEY) or {}).get(made_key)
    if made:
        st.download_button(
            "下载回执（用浏览器打开后打印）",
            made,
            file_name=f"回执-{number}.html",
            mime="text/html",
            type="primary",
            on_click="ignore",
            key=f"receipt_{made_key}_file",
            icon=":material/download:",
        )
        if runtime.settings().public_url is None:
            st.caption(
                f"尚未设置 GOV_PUBLIC_URL：回执上的二维码指向本机地址 {DEFAULT_PUBLIC_URL}，"
                "群众的手机打不开；请管理员在部署时设置本系统的对外访问地址。"
            )


def last_registered(actor: Actor) -> None:
    """Under the success message of the intake page: the receipt of the order just registered."""
    last = st.session_state.get(LAST_KEY)
    if not last or not allowed(actor.role, receipt_svc.PERMISSION):
        return
    with st.container(border=True):
        st.markdown(
            f"刚登记的工单 **{ui.esc(last['number'])}**：可为来访群众打印回执，"
            "凭回执扫码查询办理进度，办结后可在手机上评价。"
        )
        c1, c2 = st.columns([4, 1], vertical_alignment="top")
        with c1:
            offer(actor, last["id"], last["number"], key="intake")
        if c2.button("不需要", key="receipt_dismiss"):
            st.session_state.pop(LAST_KEY, None)
            st.rerun()


__all__ = ["FILES_KEY", "LAST_KEY", "last_registered", "link_of", "make", "offer", "remember"]
