"""Two townships in one console (issue #17), in the browser: the demo township's reception clerk
cannot reach the second township's (白云镇) order by the list, the search or its URL; the county
leader opens it and compares the two townships on the KPI page."""

from __future__ import annotations

import re
import sqlite3

from db.config import DEFAULT_DEMO_PASSWORD
from db.demo import neighbour

from .conftest import login, screenshot, wait_for_app, wait_for_rerun

PW = DEFAULT_DEMO_PASSWORD


def _other_townships_order(db_path) -> str:
    with sqlite3.connect(db_path) as db:
        (number,) = db.execute(
            "SELECT w.number FROM work_order w JOIN township t ON t.id = w.township_id WHERE t.name = ? "
            "ORDER BY w.id LIMIT 1",
            (neighbour.NAME,),
        ).fetchone()
    return number


def _count_caption(page) -> str:
    return page.get_by_text(re.compile(r"当前筛选共 \d+ 件")).first.inner_text()


def test_a_township_cannot_reach_anothers_order_and_the_county_compares_them(app_server, browser):
    number = _other_townships_order(app_server.db_path)

    clerk = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(clerk, app_server, "reception", PW)
    assert "数据范围：双庙街乡" in clerk.inner_text("body")
    # by its URL: the same answer as for a missing order
    clerk.goto(f"{app_server}/inbox?order={number}")
    wait_for_app(clerk)
    assert f"工单 {number} 不存在或无权查看" in clerk.inner_text("body")
    # by the search box: nothing found
    clerk.goto(f"{app_server}/inbox")
    wait_for_app(clerk)
    box = clerk.get_by_label("搜索", exact=True)
    box.fill(number)
    box.press("Enter")
    wait_for_rerun(clerk)
    assert re.search(r"当前筛选共 0 件", _count_caption(clerk))
    screenshot(clerk, "township-clerk-search-other")

    county = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(county, app_server, "county", PW)
    assert "数据范围：全县（2个乡镇）" in county.inner_text("body")
    county.goto(f"{app_server}/inbox?order={number}")
    wait_for_app(county)
    body = county.inner_text("body")
    assert "不存在或无权查看" not in body and number in body
    # the KPI page compares the townships (乡镇 is the county's first comparison)
    county.goto(f"{app_server}/kpi")
    wait_for_app(county)
    county.get_by_text("自定义", exact=True).click()  # the last 30 days: orders in both townships
    wait_for_rerun(county)
    county.get_by_text("分类对比", exact=True).click()
    wait_for_rerun(county)
    chart = county.locator(".js-plotly-plot").first
    chart.wait_for()
    labels = chart.inner_text()
    assert neighbour.NAME in labels and "双庙街乡" in labels, labels
    screenshot(county, "township-county-kpi")
