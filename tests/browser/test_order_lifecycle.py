"""The work-order lifecycle in the browser: reception registers, the dispatcher dispatches, the
platform officer accepts and resolves, reception calls back, the leader sees it archived. And
two people acting on one order: one saves, the other gets a clear conflict message."""

from __future__ import annotations

from db.config import DEFAULT_DEMO_PASSWORD

from .conftest import act, login, open_order, register, screenshot, status_line

PW = DEFAULT_DEMO_PASSWORD


def test_lifecycle_across_four_roles(app_server, browser):
    ctx = {}
    try:
        for role in ("reception", "dispatcher", "bianmin", "leader"):
            ctx[role] = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        reception = ctx["reception"].new_page()
        number = register(reception, app_server, "村东头自来水管破裂，已经停水两天了，请尽快派人维修。")
        screenshot(reception, "lifecycle-1-registered")

        dispatcher = ctx["dispatcher"].new_page()
        login(dispatcher, app_server, "dispatcher", PW)
        open_order(dispatcher, app_server, number)
        assert "已联系" in status_line(dispatcher)
        msg = act(
            dispatcher,
            "派单",
            radio="派部门办理（可吹哨）",
            picks={"承办平台 / 部门": "水利站"},
            fill={"派单说明": "请三日内修复"},
        )
        assert "已派单" in msg, msg
        screenshot(dispatcher, "lifecycle-2-dispatched")

        officer = ctx["bianmin"].new_page()
        login(officer, app_server, "bianmin", PW)
        open_order(officer, app_server, number)
        assert "已签收办理" in act(officer, "签收办理")
        assert "已办结" in act(officer, "办结", fill={"办理结果": "已更换破裂水管，恢复供水。"})

        open_order(reception, app_server, number)
        assert "已回访" in act(reception, "回访", fill={"回访记录（不满意时必填）": "群众表示满意"})

        leader = ctx["leader"].new_page()
        login(leader, app_server, "leader", PW)
        open_order(leader, app_server, number)
        body = leader.locator("[data-testid='stMain']").inner_text()
        assert "已回访" in body and "满意" in body
        assert "13812345678" not in body and "138****5678" in body  # leaders see masked phones
        assert "张*兰" in body
        timeline = leader.locator("[data-testid='stExpander']").first.inner_text()
        for step in ("受理", "派单", "签收办理", "办结", "回访"):
            assert step in timeline, step
        screenshot(leader, "lifecycle-3-archived-leader")
    finally:
        for c in ctx.values():
            c.close()


def test_two_sessions_one_order_conflict(app_server, browser):
    r_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    a_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    b_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        number = register(r_ctx.new_page(), app_server, "路口的路灯坏了一个多星期，晚上出行很不方便。")
        a = a_ctx.new_page()
        login(a, app_server, "dispatcher", PW)
        b = b_ctx.new_page()
        login(b, app_server, "admin", PW)
        open_order(a, app_server, number)
        open_order(b, app_server, number)
        assert "已派单" in act(a, "派单", radio="派部门办理（可吹哨）", picks={"承办平台 / 部门": "供电所"})
        msg = act(b, "撤销", fill={"撤销理由": "重复登记"})
        assert "已被他人修改" in msg, msg
        screenshot(b, "conflict-message")
        open_order(b, app_server, number)  # after a refresh the order shows the saved dispatch
        assert "已派单" in status_line(b)
    finally:
        for c in (r_ctx, a_ctx, b_ctx):
            c.close()
