"""The actions the current role may take on an order in its current state, as small forms.

The version shown when the order was opened is kept in session_state, so if someone else
saved the order meanwhile the service refuses with a clear conflict message.
"""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.orders import assists
from db.models.orders import SATISFACTION
from db.permissions import Actor
from db.rules.order_fsm import action_label, actions_for
from db.services import orders as svc


def version_key(order_id: int) -> str:
    return f"order_version_{order_id}"


TABLE_GEN = "order_table_gen"


def reset_tables() -> None:
    """New keys for the order tables: a row selection must not outlive the rows it pointed at."""
    st.session_state[TABLE_GEN] = st.session_state.get(TABLE_GEN, 0) + 1


def _after_save(order_id: int, number: str | None = None) -> None:
    """After an action was saved (``ui.save_versioned`` has cleared the caches and forgotten the
    version): the order shown in its new state, with the actions of that state."""
    st.session_state.pop(f"act_{order_id}", None)  # the next state offers other actions
    reset_tables()
    if number:
        st.query_params["order"] = number  # show the order in its new state


def _platform_department(ref: dict, key: str, default_platform: int | None = None) -> tuple[int | None, int | None]:
    """One searchable choice of "platform / department" (a form cannot refresh a dependent list)."""
    deps = {d["id"]: d for d in ref["departments"]}
    ids = sorted(deps, key=lambda i: (deps[i]["platform_id"] != default_platform, deps[i]["platform_id"], i))
    did = st.selectbox(
        "承办平台 / 部门",
        ids,
        index=None,
        key=f"{key}_dep",
        placeholder="输入平台或部门名搜索",
        format_func=lambda i: f"{deps[i]['platform']} / {deps[i]['name']}",
    )
    return (deps[did]["platform_id"], did) if did is not None else (None, None)


def _assisting_departments(ref: dict, key: str) -> list[int]:
    deps = {d["id"]: d for d in ref["departments"]}
    return st.multiselect(
        "协办部门（选了即为吹哨办：承办部门牵头，协办部门各自签收、反馈）",
        list(deps),
        key=f"{key}_assist",
        placeholder="不选：由承办部门单独办理",
        max_selections=svc.ASSISTING_MAX,
        format_func=lambda i: f"{deps[i]['platform']} / {deps[i]['name']}",
    )


DISPATCH_MODES = {"village": "就地办：派本村（社区），网格员、村干部办理", "department": "派部门办理（可吹哨）"}


def _dispatch_mode(o: dict) -> str:
    """Where the order goes, chosen outside the form (the form shows that choice's fields): its
    village (就地办) or a department, with assisting departments (吹哨办). The default follows
    the order's tier: 就地办 to the village, 吹哨办 to departments."""
    modes = list(DISPATCH_MODES) if o.get("village_id") else ["department"]
    default = "village" if o.get("tier") == "local" and "village" in modes else "department"
    return st.radio(
        "派往",
        modes,
        index=modes.index(default),
        format_func=DISPATCH_MODES.get,
        key=f"dispatch_mode_{o['id']}",
        horizontal=True,
        help="就地办：本村网格员、村干部签收办理并反馈；解决不了可退回，再派部门或吹哨。",
    )


def _acts_here(actor: Actor, o: dict) -> bool:
    """Whether the order's own steps are the actor's here: an officer of an assisting platform
    only reports its part (``assists``), not the lead's steps."""
    return not (actor.role == "platform" and o.get("platform_id") != actor.platform_id)


def render(actor: Actor, bundle: dict, ref: dict) -> None:
    o = bundle["order"]
    if bundle.get("assists"):
        assists.render(actor, o, bundle["assists"])
    if not _acts_here(actor, o):
        return
    acts = [a for a in actions_for(o["status"], actor.role) if a != "decide_extension"]
    pending = [x for x in bundle["extensions"] if x["status"] == "pending"]
    if "decide_extension" in actions_for(o["status"], actor.role) and pending:
        acts.append("decide_extension")
    if not acts:
        st.caption("当前角色在此状态下没有可执行的操作。")
        return
    ui.remember_version(version_key(o["id"]), o["version"])  # the version this session opened
    action = st.segmented_control("办理操作", acts, format_func=action_label, key=f"act_{o['id']}")
    if not action:
        return
    engine, oid, key = runtime.engine(), o["id"], f"f_{o['id']}_{action}"
    v: dict = {}  # what the form collected, by name
    if action == "dispatch":
        v["mode"] = _dispatch_mode(o)
    with st.form(key):
        if action == "dispatch":
            if v["mode"] == "department":
                v["pid"], v["did"] = _platform_department(ref, key, o.get("platform_id"))
                v["assist"] = _assisting_departments(ref, key)
            v["days"] = st.number_input("办理时限（工作日，留空按类别）", 1, 60, value=None, key=f"{key}_days")
            v["note"] = st.text_input("派单说明", max_chars=300)
        elif action == "callback":
            v["sat"] = st.radio("群众满意度", list(SATISFACTION), format_func=SATISFACTION.get, horizontal=True)
            v["note"] = st.text_area("回访记录（不满意时必填）", max_chars=500)
        elif action == "supervise":
            sups = {s["id"]: s["display_name"] for s in ref["supervisors"]}
            v["sup"] = st.selectbox("督办领导（班子成员）", list(sups), format_func=sups.get)
            v["note"] = st.text_input("督办要求", max_chars=300)
        elif action == "request_extension":
            v["days"] = st.number_input("延期工作日", 1, 30, 3)
            v["note"] = st.text_area("延期理由", max_chars=300)
        elif action == "decide_extension":
            v["req"] = pending[0]
            st.text(f"申请延期 {v['req']['workdays']} 个工作日：{v['req']['reason']}")
            v["approve"] = st.radio(
                "审批", [True, False], format_func={True: "同意", False: "不同意"}.get, horizontal=True
            )
            v["note"] = st.text_input("审批意见（不同意时必填）", max_chars=300)
        else:
            label = {"bounce": "退回理由", "resolve": "办理结果", "cancel": "撤销理由"}.get(action, "备注")
            v["note"] = st.text_area(label, max_chars=1000, height=80)
        submitted = st.form_submit_button(f"确认{action_label(action)}", type="primary")
    if not submitted:
        return
    # on a conflict the page shows the current state: the user decides again on what is there now
    ui.save_versioned(
        version_key(oid),
        lambda version: _run(action, engine, actor, oid, version, v),
        f"{o['number']}：已{action_label(action)}。",
        conflict_note=ui.SAVED_NOTE,
        after=lambda: _after_save(oid, o["number"]),
    )


def _run(action: str, engine, actor: Actor, oid: int, version: int, v: dict) -> None:
    """Call the service for ``action`` with the values the form collected (``v``)."""
    note = v.get("note")
    if action == "contact":
        svc.contact(engine, actor, oid, version, note)
    elif action == "dispatch" and v.get("mode") == "village":
        svc.dispatch_local(engine, actor, oid, version, int(v["days"]) if v.get("days") else None, note)
    elif action == "dispatch":
        svc.dispatch(
            engine,
            actor,
            oid,
            version,
            v["pid"],
            v["did"],
            int(v["days"]) if v.get("days") else None,
            note,
            assisting=v.get("assist") or (),
        )
    elif action == "accept":
        svc.accept(engine, actor, oid, version, note)
    elif action == "bounce":
        svc.bounce(engine, actor, oid, version, note)
    elif action == "resolve":
        svc.resolve(engine, actor, oid, version, note)
    elif action == "callback":
        svc.callback(engine, actor, oid, version, v["sat"], note)
    elif action == "request_extension":
        svc.request_extension(engine, actor, oid, version, int(v["days"]), note)
    elif action == "decide_extension":
        svc.decide_extension(engine, actor, v["req"]["id"], v["req"]["version"], v["approve"], note)
    elif action == "cancel":
        svc.cancel(engine, actor, oid, version, note)
    elif action == "supervise":
        svc.supervise(engine, actor, oid, version, v["sup"], note)
    elif action == "urge":
        svc.urge(engine, actor, oid, version, note)


def bulk_dispatch(actor: Actor, rows: list[dict], ref: dict) -> None:
    """Dispatch several selected orders at once (all or nothing)."""
    with st.form("bulk_dispatch"):
        st.markdown(f"**批量派单**：已选 {len(rows)} 件（须均为“已联系”状态；任一件不能派单则全部不派）")
        pid, did = _platform_department(ref, "bulk")
        days = st.number_input("办理时限（工作日，留空按各自类别）", 1, 60, value=None)
        note = st.text_input("派单说明", max_chars=300)
        if st.form_submit_button("批量派单", type="primary"):
            with ui.user_errors():
                n = svc.bulk_dispatch(
                    runtime.engine(),
                    actor,
                    [(r["id"], r["version"]) for r in rows],
                    pid,
                    did,
                    int(days) if days else None,
                    note,
                )
                data.invalidate()
                reset_tables()
                ui.flash(f"已批量派单 {n} 件。")
                st.rerun()
