"""大屏演示: a read-only overview for visiting delegations (large numbers, live charts, a
rotating highlight of recently closed cases, an optional automatic tour). No personal data and
no write action on this page."""

from datetime import timedelta

import streamlit as st

from components import auth, data, runtime, timefmt, ui
from components import big_screen_ui as bs

actor = ui.guard("big_screen")
# 展示模式 for the TV (?kiosk=1): no sidebar, chrome or controls, no scrolling, the tour always on
kiosk = st.query_params.get("kiosk") == "1"
bs.apply_theme(kiosk)
TOUR_SECONDS = 20
views = list(bs.VIEWS)
if not kiosk:
    st.title("大屏演示")  # the page title (navigation and tests)
    st.header(f"{ui.esc(data.scope_name(actor, count=False))} · 基层治理综合服务平台 · 运行总览")
    top_l, top_r = st.columns([4, 1], vertical_alignment="bottom")
    tour = top_r.toggle("自动轮播", key="bs_tour", help=f"每{TOUR_SECONDS}秒切换到下一个画面")
    view_key = "bs_view"
else:
    st.header(f"{ui.esc(data.scope_name(actor, count=False))} · 基层治理综合服务平台 · 运行总览")
    tour, view_key = True, "bs_kiosk_view"  # a plain state, not a widget: no control on the TV
start = st.query_params.get("view")
if kiosk and start in views and not st.session_state.get("bs_kiosk_started"):  # ?kiosk=1&view=trend
    st.session_state[view_key], st.session_state["bs_kiosk_started"] = start, True
if "bs_next" in st.session_state:  # the tour moves on (set before the widget is created)
    st.session_state[view_key] = st.session_state.pop("bs_next")
if view_key not in st.session_state:
    st.session_state[view_key] = views[0]
if not kiosk:
    view = top_l.segmented_control("画面", views, format_func=bs.VIEWS.get, key=view_key) or views[0]
    st.page_link(
        "pages/big_screen.py", label="展示模式（电视全屏，自动轮播）", icon=":material/tv:", query_params={"kiosk": "1"}
    )
else:
    view = st.session_state[view_key]
h = bs.headline(timefmt.minute_key())
note = f"数据截至 {h['today']:%Y年%m月%d日}（每分钟刷新）。所有个人信息均已脱敏。"
st.caption(note + ("　　" + bs.tour_line(views, view, TOUR_SECONDS) if kiosk else ""))

if tour:

    @st.fragment(run_every=timedelta(seconds=TOUR_SECONDS))
    def _tour() -> None:
        auth.fragment_guard(runtime.engine(), runtime.settings())
        ticks = st.session_state.get("bs_ticks", 0) + 1
        st.session_state["bs_ticks"] = ticks
        if ticks > 1:  # the first run is the page's own; move on at the next tick
            st.session_state["bs_ticks"] = 0
            nxt = views[(views.index(st.session_state[view_key]) + 1) % len(views)]
            st.session_state["bs_next"] = nxt
            auth.automatic_rerun()  # not the user's activity: the session still idles out

    _tour()

STATIC = {"displayModeBar": False, "staticPlot": True}


def chart(fig, where=st) -> None:
    if kiosk:  # two rows of figures and one of charts on 768 px
        fig.update_layout(height=bs.KIOSK_CHART_HEIGHT)
    where.plotly_chart(fig, config=STATIC)


if view == "overview":
    bs.metrics(h)
    c1, c2 = st.columns(2)
    chart(bs.build_category_figure(h["cats"]), c1)
    chart(bs.build_channel_figure(h["mix"]), c2)
elif view == "trend":
    chart(bs.build_trend_figure(h["trend"]))
    bs.metrics(h)
elif view == "map":
    bs.map_view(timefmt.minute_key(), kiosk)
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
    bs.metrics(h)  # the figures under the case: the screen is never one small card on an empty wall
