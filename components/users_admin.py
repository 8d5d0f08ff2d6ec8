"""Widgets of the user-administration page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.timefmt import fmt
from db.models.people import ROLES


def _label(options: list[dict], multi_township: bool):
    names = {o["id"]: (f"{o['township']} {o['name']}" if multi_township else o["name"]) for o in options}
    return lambda i: "（无）" if i is None else names.get(i, str(i))


def profile_inputs(ref: dict, prefix: str, current: dict | None = None, people: dict[str, str] | None = None) -> dict:
    """Name, role, platform, village, phone and (grid workers, mediators) the roster person
    inputs; returns the values entered."""
    current = current or {}
    multi = len({v["township"] for v in ref["villages"]}) > 1
    name = st.text_input("姓名", value=current.get("display_name", ""), max_chars=40, key=f"{prefix}_name")
    roles = list(ROLES)
    role = st.selectbox(
        "角色", roles, index=roles.index(current.get("role", "reception")), format_func=ROLES.get, key=f"{prefix}_role"
    )
    p_ids = [None] + [p["id"] for p in ref["platforms"]]
    platform = st.selectbox(
        "所属平台（仅平台工作人员）",
        p_ids,
        index=p_ids.index(current.get("platform_id")) if current.get("platform_id") in p_ids else 0,
        format_func=_label(ref["platforms"], multi),
        key=f"{prefix}_platform",
    )
    v_ids = [None] + [v["id"] for v in ref["villages"]]
    village = st.selectbox(
        "所属村（社区）",
        v_ids,
        index=v_ids.index(current.get("village_id")) if current.get("village_id") in v_ids else 0,
        format_func=_label(ref["villages"], multi),
        key=f"{prefix}_village",
    )
    phone = st.text_input("联系电话", value=current.get("phone") or "", max_chars=20, key=f"{prefix}_phone")
    people = people or {}
    keys = [None, *people]
    if current.get("person") and current["person"] not in people:
        keys.append(current["person"])  # linked to a record no longer active: kept until changed
    person = st.selectbox(
        "对应花名册人员（网格员、调解员账号）",
        keys,
        index=keys.index(current.get("person")) if current.get("person") in keys else 0,
        format_func=lambda k: "（不对应）" if k is None else people.get(k, "（已停用的人员）"),
        key=f"{prefix}_person",
        help="网格员账号须对应花名册中的网格员，才能上报网格事件、看到本网格的事项；调解员账号对应调解员。",
    )
    return {
        "display_name": name,
        "role": role,
        "platform_id": platform,
        "village_id": village,
        "phone": phone.strip() or None,
        "person": person,
    }


def users_table(rows: list[dict], people: dict[str, str] | None = None) -> None:
    df = pd.DataFrame(rows)
    if df.empty:
        st.info("暂无用户。")
        return
    df["role"] = df["role"].map(ROLES)
    df["active"] = df["active"].map({True: "启用", False: "停用"})
    for col in ("locked_until", "last_login_at"):
        df[col] = df[col].map(lambda t: "—" if t is None or pd.isna(t) else fmt(t))
    df["township"] = df["township"].fillna("全县")
    people = people or {}
    df["person"] = df["person"].map(lambda k: "—" if not k else people.get(k, "（已停用的人员）").split(" · ", 1)[-1])
    cols = ["username", "display_name", "role", "person", "active", "failed_attempts", "locked_until", "last_login_at"]
    names = ["用户名", "姓名", "角色", "对应花名册人员", "状态", "连续失败次数", "锁定至", "最近登录"]
    if df["township"].nunique() > 1:  # the county's administrator: whose account is it
        cols, names = ["township", *cols], ["乡镇", *names]
    df = df[cols]
    df.columns = names
    st.dataframe(df, hide_index=True, width="stretch")
