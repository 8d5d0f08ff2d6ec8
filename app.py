"""Entry point: page config, login, the role's navigation. No queries, no rules."""

import streamlit as st

from components import auth, data, nav, page_style, runtime, ui
from db.permissions import can_open

# the tab's icon from the console's own file: a Material icon name made every page fetch it from
# fonts.gstatic.com (failing offline, an error on every page)
st.set_page_config(page_title="基层治理综合服务平台", page_icon=ui.FAVICON, layout="wide")
page_style.apply_style()

cfg = runtime.settings()
engine = runtime.engine()
gate = auth.gate(engine, cfg)


def login_page() -> None:
    auth.render_login(engine, cfg, gate)


with ui.run_marker():  # only for the browser tests (GOV_E2E_MARKER=1): "this run has finished"
    if gate.actor is None:
        nav.login_only(login_page).run()
    else:
        if can_open(gate.actor.role, "intake"):  # the desk's classifier trains in the background
            data.warm_models()
        page = nav.build(gate.actor.role)
        nav.count_visit(page)
        nav.goto_box(gate.actor.role)
        auth.render_account_box(engine, gate.actor)
        page.run()
