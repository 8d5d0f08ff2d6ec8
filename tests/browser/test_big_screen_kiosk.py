"""展示模式 on a TV (issue #22): every view of the tour at 1920x1080 and 1366x768, with no
scrolling, no text cut (an ellipsis, a clipped box, a chart's label outside its figure), no
sidebar or Streamlit chrome, no control, the tour's indicator, and no request to any other host
(the map draws from the township's GeoJSON alone: no tile server). Screenshots go to artifacts/
(and docs/screenshots with GOV_DOC_SCREENSHOTS=1)."""

from __future__ import annotations

from urllib.parse import urlsplit

from components import big_screen_ui as bs
from db.config import DEFAULT_DEMO_PASSWORD

from .conftest import doc_shot, login, wait_for_app

VIEWS = tuple(bs.VIEWS)

# every piece of text the screen shows that does not fit where it is drawn
CUT_TEXT = """() => {
  const cut = [];
  const main = document.querySelector('[data-testid=stMain]');
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('.js-plotly-plot') || !el.textContent.trim()) continue;
    const cs = getComputedStyle(el);
    const clips = cs.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(cs.overflowX)
      || ['hidden', 'clip'].includes(cs.overflowY);
    if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      cut.push(el.textContent.trim().slice(0, 40));
  }
  for (const plot of main.querySelectorAll('.js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    for (const t of plot.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || !r.width) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        cut.push('chart: ' + t.textContent.trim().slice(0, 40));
    }
  }
  return cut;
}"""


SCREENS = ((1920, 1080), (1366, 768))


def test_the_tour_fits_the_tv_without_scrolling(app_server, browser):
    """One login, both screens (the viewport resized between them): each view is loaded afresh at
    each size, so the page lays itself out for that screen."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        page = ctx.new_page()
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda r: (
                elsewhere.append(r.url)
                if urlsplit(r.url).hostname not in ("127.0.0.1", "localhost") and not r.url.startswith("data:")
                else None
            ),
        )
        login(page, app_server, "demo", DEFAULT_DEMO_PASSWORD)
        for (width, height), view in ((screen, view) for screen in SCREENS for view in VIEWS):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{app_server}/big_screen?kiosk=1&view={view}")
            wait_for_app(page)
            page.get_by_text("每20秒自动切换").first.wait_for()
            # the charts draw after the run: wait until each one has its drawing, then a frame more
            page.wait_for_function(
                """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                .every(c => c.querySelector('.main-svg'))""",
                timeout=15000,
                polling=100,
            )
            page.wait_for_timeout(300)
            size = page.evaluate("""() => { const m = document.querySelector('[data-testid=stMain]');
                return {main: [m.scrollHeight, m.clientHeight, m.scrollWidth, m.clientWidth],
                        doc: [document.documentElement.scrollHeight, window.innerHeight]}; }""")
            main = size["main"]
            assert main[0] <= main[1] + 1 and main[2] <= main[3] + 1, (view, size)  # no scrollbar
            assert size["doc"][0] <= size["doc"][1] + 1, (view, size)
            assert page.evaluate(CUT_TEXT) == [], (width, view)
            assert not page.locator("[data-testid='stSidebar']").is_visible()
            assert (
                page.locator("[data-testid='stHeader']").count() == 0
                or not page.locator("[data-testid='stHeader']").is_visible()
            )
            body = page.inner_text("body")
            assert "大屏演示" not in body and "自动轮播" not in body  # no page title, no control
            assert "运行总览" in body
            doc_shot(page, f"big-screen-kiosk-{width}x{height}-{view}")
        assert not elsewhere, elsewhere
    finally:
        ctx.close()
