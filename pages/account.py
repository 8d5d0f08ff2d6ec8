"""My account: change my own password."""

import streamlit as st

from components import auth, data, runtime, ui
from db.config import PASSWORD_MAX_BYTES, PASSWORD_MIN_LEN
from db.services import users

actor = ui.guard("account")
ui.page_header(
    "account",
    f"密码至少{PASSWORD_MIN_LEN}位，须包含字母和数字，最多{PASSWORD_MAX_BYTES}字节。"
    "修改后，您在其他设备上的登录将失效。",
)
with st.form("change_password", clear_on_submit=True):
    old = st.text_input("原密码", type="password", max_chars=80)
    new = st.text_input("新密码", type="password", max_chars=80)
    repeat = st.text_input("再次输入新密码", type="password", max_chars=80)
    submitted = st.form_submit_button("保存新密码", type="primary")
if submitted:
    with ui.user_errors():
        epoch = users.change_own_password(runtime.engine(), actor, old, new, repeat)
        st.session_state[auth.EPOCH_KEY] = epoch
        auth.reissue_cookie(runtime.settings(), actor)  # this browser's cookie was revoked with the others
        data.invalidate()
        st.success("密码已修改。")
