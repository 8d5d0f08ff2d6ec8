"""Users and roles (admins): list, create, edit, deactivate, reset password."""

import streamlit as st

from components import data, runtime, ui
from components.users_admin import profile_inputs, users_table
from db.services import users

actor = ui.guard("users")
ui.page_header("users", "停用账号、重置密码后，该用户的所有登录立即失效。")
ui.show_flash()
engine = runtime.engine()
ref = data.reference()
rows = users.list_users(engine, actor)
people = users.linkable_people(engine, actor)
users_table(rows, people)

tab_new, tab_edit = st.tabs(["新建用户", "编辑用户"])
with tab_new, st.form("new_user", clear_on_submit=False):
    username = st.text_input("用户名（小写字母开头）", max_chars=30)
    values = profile_inputs(ref, "new", people=people)
    if actor.township_id is None and len(ref["townships"]) > 1:  # the county's administrator
        towns = {t["id"]: t["name"] for t in ref["townships"]}
        values["township_id"] = st.selectbox(
            "所属乡镇",
            list(towns),
            index=None,
            format_func=towns.get,
            placeholder="请选择",
            help="平台工作人员或指定了村（社区）的账号随其平台或村；县级领导不属于任何乡镇。",
        )
    password = st.text_input("初始密码", type="password", max_chars=80)
    if st.form_submit_button("创建用户", type="primary"):
        with ui.user_errors():
            users.create_user(engine, actor, username=username, password=password, **values)
            data.invalidate()
            ui.flash(f"已创建用户 {username.strip().lower()}。")
            st.rerun()

with tab_edit:
    by_id = {r["id"]: r for r in rows}
    uid = st.selectbox(
        "选择用户", list(by_id), format_func=lambda i: f"{by_id[i]['username']}（{by_id[i]['display_name']}）"
    )
    if uid is not None:
        row = by_id[uid]
        # keep the version that was loaded, so a concurrent save is detected
        version_key = f"user_version_{uid}"
        st.session_state.setdefault(version_key, row["version"])
        with st.form(f"edit_user_{uid}"):
            values = profile_inputs(ref, f"edit{uid}", row, people)
            active = st.checkbox("启用", value=row["active"])
            if st.form_submit_button("保存修改", type="primary"):
                with ui.user_errors():
                    users.update_user(engine, actor, uid, st.session_state[version_key], active=active, **values)
                    st.session_state.pop(version_key, None)
                    data.invalidate()
                    ui.flash("已保存。")
                    st.rerun()
        with st.form(f"reset_{uid}", clear_on_submit=True):
            new_pw = st.text_input("新密码", type="password", max_chars=80)
            if st.form_submit_button("重置密码"):
                with ui.user_errors():
                    users.reset_password(engine, actor, uid, st.session_state[version_key], new_pw)
                    st.session_state.pop(version_key, None)
                    data.invalidate()
                    ui.flash("密码已重置，该用户需用新密码重新登录。")
                    st.rerun()
