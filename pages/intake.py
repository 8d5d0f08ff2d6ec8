"""Intake: register a call or a walk-in while the caller is still speaking."""

import streamlit as st

from components import data, orders, ui
from components.orders.intake import (
    draft_notice,
    duplicate_panel,
    focus_first_field,
    history_panel,
    keep_draft,
    key,
    register,
    restore_draft,
    suggestion_caption,
)
from db.models.orders import CHANNELS, TIERS, URGENCIES
from db.services import orders as orders_svc
from db.services.orders import PHONE_REQUIRED_CHANNELS, TITLE_MAX

FORM = "intake"

actor = ui.guard("intake")
ui.page_header("intake", "边听边录：填写电话或地址即显示历史记录；类别由系统根据描述推荐，由您确认。")
ui.show_flash()
orders.receipt.last_registered(actor)  # the receipt of the order just registered (打印回执)
ref = data.reference()
villages = {v["id"]: v["name"] for v in ref["villages"]}
cats = {c["id"]: c for c in ref["categories"]}
restore_draft(actor, villages, cats)  # a call typed before a reload or a time-out, back in the form
draft_notice(actor)
left, right = st.columns([3, 2], gap="large")
focus_first_field("来电人/来访人")

with left:
    channel = (
        st.segmented_control("渠道", list(CHANNELS), format_func=CHANNELS.get, default="hotline", key=key("channel"))
        or "hotline"
    )
    c1, c2 = st.columns(2)
    caller = c1.text_input("来电人/来访人", max_chars=30, key=key("caller"))
    with c2:
        phone = st.text_input(
            "联系电话",
            max_chars=20,
            key=key("phone"),
            placeholder="手机或区号-座机",
            required=channel in PHONE_REQUIRED_CHANNELS,
        )
        ui.field_error(FORM, "caller_phone", label="联系电话")
    with c1:
        ui.field_error(FORM, "caller_name", label="来电人/来访人")
    c1, c2 = st.columns(2)
    with c1:
        village_id = st.selectbox(
            "村（社区）",
            list(villages),
            index=None,
            format_func=villages.get,
            placeholder="输入村名搜索",
            key=key("village"),
            required=True,
        )
        ui.field_error(FORM, "village_id", label="村（社区）")
    grid_opts = {g["id"]: g["name"] for g in data.grids(village_id)} if village_id else {}
    with c2:
        grid_id = st.selectbox(
            "网格",
            list(grid_opts),
            index=None,
            format_func=grid_opts.get,
            placeholder="先选村（社区）",
            key=key("grid"),
        )
        ui.field_error(FORM, "grid_id", label="网格")
    homes = {h["id"]: h for h in data.households(grid_id, actor.role)} if grid_id else {}
    c1, c2 = st.columns(2)
    household_id = c1.selectbox(
        "住户（可选）",
        list(homes),
        index=None,
        key=key("household"),
        format_func=lambda i: f"{homes[i]['address']}（户主 {homes[i]['head_name']}）",
        placeholder="先选网格，再输入门牌或户主搜索" if grid_id else "先选网格",
        disabled=not homes,
    )
    if household_id and not st.session_state.get(key("address")):
        st.session_state[key("address")] = homes[household_id]["address"]
    with c1:
        ui.field_error(FORM, "household_id", label="住户（可选）")
    with c2:
        address = st.text_input("地址", max_chars=200, key=key("address"))
        ui.field_error(FORM, "address", label="地址")
    description = st.text_area("诉求描述", max_chars=2000, height=90, key=key("desc"), required=True)
    ui.field_error(FORM, "description", label="诉求描述")
    suggestions = data.classifier().suggest(description) if description.strip() else []
    suggestion_caption(suggestions)
    if suggestions and not st.session_state.get(key("cat_touched")):
        st.session_state[key("category")] = suggestions[0].category_id
    c1, c2, c3 = st.columns([3, 1.3, 1])
    with c1:
        category_id = st.selectbox(
            "诉求类别",
            list(cats),
            index=None,
            format_func=lambda i: cats[i]["label"],
            placeholder="输入类别名搜索",
            key=key("category"),
            required=True,
            on_change=lambda: st.session_state.__setitem__(key("cat_touched"), True),
        )
        ui.field_error(FORM, "category_id", label="诉求类别")
    default_tier = cats[category_id]["default_tier"] if category_id else "local"
    tier = c2.selectbox(
        "处置层级",
        list(TIERS),
        index=list(TIERS).index(default_tier),
        format_func=TIERS.get,
        key=key(f"tier_{category_id}"),
        help="按类别建议，可修改：即办当场答复，就地办由村/网格处理，吹哨办多部门联动",
    )
    urgency = c3.selectbox("紧急程度", list(URGENCIES), format_func=URGENCIES.get, key=key("urgency"))
    suggested = (
        orders_svc.derive_title(description, villages.get(village_id), cats[category_id]["name"])
        if description.strip() and category_id
        else ""
    )
    title = st.text_input(
        "工单标题（可修改）",
        max_chars=TITLE_MAX,
        key=key("title"),
        placeholder=suggested or "填写描述并选择类别后自动生成，也可自行填写",
        help="留空则使用灰色的建议标题：地点、描述的要点和类别",
    )
    ui.field_error(FORM, "title", label="工单标题（可修改）")
    answer = None
    if tier == "instant":
        answer = st.text_area("当场答复内容（即办事项登记即办结）", max_chars=1000, height=80, key=key("answer"))
        ui.field_error(FORM, "answer", label="当场答复内容（即办事项登记即办结）")
    ui.field_error(FORM, any_field=True)  # tier, urgency, channel, the earlier order: here
    b1, b2 = st.columns([1.6, 2.4], vertical_alignment="center")
    submit = b1.button("登记工单", type="primary", shortcut="Alt+S", help="快捷键 Alt+S")
    contacted = b2.checkbox(
        "已与群众确认诉求（记为已联系）",
        value=channel in ("hotline", "walk_in"),
        key=key("contacted"),
        help="当面或电话中已确认诉求细节，首次联系时限即停止",
    )

with right:
    st.subheader("一事一档")
    if phone.strip() or address.strip() or household_id:
        history_panel(orders.caller_history(phone.strip() or None, household_id, address.strip() or None, actor.role))
    else:
        st.caption("输入电话或地址后显示该群众、住户或地址的历史诉求、纠纷和网格事件。")
    duplicate_of = None
    if (category_id and (village_id or address.strip())) or phone.strip():
        duplicate_of = duplicate_panel(
            orders.duplicates(
                category_id,
                village_id,
                grid_id,
                household_id,
                address.strip() or None,
                description.strip() or None,
                phone.strip() or None,
            )
        )

typed = {
    "channel": channel,
    "caller": caller,
    "phone": phone,
    "village": village_id,
    "grid": grid_id,
    "household": household_id,
    "address": address,
    "desc": description,
    "category": category_id,
    "urgency": urgency,
    "title": title,
    "answer": answer,
    "contacted": contacted,
    "tier": tier,
}
keep_draft(actor, typed)
if submit:
    register(actor, typed, duplicate_of, FORM)
