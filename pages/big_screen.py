"""大屏演示: a read-only overview for visiting delegations (large numbers, live charts, a
rotating highlight of recently closed cases, an optional automatic tour). No personal data and
no write action on this page."""

from datetime import timedelta

import streamlit as st

from components import auth, runtime, timefmt, ui
from components import big_screen_ui as bs

actor = ui.guard("big_screen")
bs.apply_theme()
st.title("大屏演示")  # the page title (navigation and tests)
st.header("基层治理综合服务平台 · 运行总览")

views = list(bs.VIEWS)
top_l, top_r = st.columns([4, 1], vertical_alignment="bottom")
tour = top_r.toggle("自动轮播", key="bs_tour", help="每20秒切换到下一个画面")
if "bs_next" in st.session_state:  # the tour moves on (set before the widget is created)
    st.session_state["bs_view"] = st.session_state.pop("bs_next")
if "bs_view" not in st.session_state:
    st.session_state["bs_view"] = views[0]
view = top_l.segmented_control("画面", views, format_func=bs.VIEWS.get, key="bs_view") or views[0]
h = bs.headline(timefmt.minute_key())
st.caption(f"数据截至 {h['today']:%Y年%m月%d日}（每分钟刷新）。所有个人信息均已脱敏。")

if tour:
    @st.fragment(run_every=timedelta(seconds=20))
    def _tour() -> None:
        auth.fragment_guard(runtime.engine(), runtime.settings())
        ticks = st.session_state.get("bs_ticks", 0) + 1
        st.session_state["bs_ticks"] = ticks
        if ticks > 1:  # the first run is the page's own; move on at the next tick
            st.session_state["bs_ticks"] = 0
            nxt = views[(views.index(st.session_state["bs_view"]) + 1) % len(views)]
            st.session_state["bs_next"] = nxt
            auth.automatic_rerun()  # not the user's activity: the session still idles out

    _tour()

if view == "overview":
    bs.metrics(h)
    c1, c2 = st.columns(2)
    c1.plotly_chart(bs.build_category_figure(h["cats"]), config={"displayModeBar": False, "staticPlot": True})
    c2.plotly_chart(bs.build_channel_figure(h["mix"]), config={"displayModeBar": False, "staticPlot": True})
elif view == "trend":
    st.plotly_chart(bs.build_trend_figure(h["trend"]), config={"displayModeBar": False, "staticPlot": True})
    bs.metrics(h)
else:
    @st.fragment(run_every=timedelta(seconds=8))
    def _rotating() -> None:
        auth.fragment_guard(runtime.engine(), runtime.settings())
        rows = bs.cases(timefmt.minute_key())
        if not rows:
            st.info("近30天暂无办结案例。")
            return
        i = st.session_state.get("bs_case", -1) + 1
        st.session_state["bs_case"] = i
        bs.case_card(rows[i % len(rows)], i % len(rows), len(rows))

    _rotating()
