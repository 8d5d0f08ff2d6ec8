"""The grid-event loop in the browser with the demo accounts: the grid worker reports an event
with a photo and writes the day's log; the administrator refers it to a work order (the order's
own loop is run by its services here, it has its own journey); the administrator records the
handling once the order is closed; the grid worker verifies on site; the leader evaluates and
archives. Each step is checked on the page (status line, timeline, linked record)."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.config import DEFAULT_DEMO_PASSWORD
from db.engine import make_engine, read_session
from db.models import Department, Platform, User, WorkOrder
from db.services import orders
from db.services.users import actor_of

from .conftest import act, login, pick, screenshot, status_line, upload, wait_for_app, wait_for_rerun

PW = DEFAULT_DEMO_PASSWORD
# the smallest valid PNG (1x1), written to a temp file for the upload
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154"
    "08d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def open_event(page, base: str, number: str) -> None:
    page.goto(f"{base}/grid_events?event={number}")
    wait_for_app(page)
    page.get_by_role("heading", name=re.compile(number)).wait_for()


def close_order(db_path: str, number: str) -> None:
    """The work order's own loop (contact, dispatch, accept, resolve), through its services."""
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with read_session(engine) as s:
            admin = actor_of(s.scalar(select(User).where(User.username == "admin")))
            order = s.scalar(select(WorkOrder).where(WorkOrder.number == number))
            dept = s.scalar(
                select(Department)
                .join(Platform, Platform.id == Department.platform_id)
                .where(Platform.township_id == order.township_id)
                .order_by(Department.id)
            )
        o = orders.contact(engine, admin, order.id, order.version)
        o = orders.dispatch(engine, admin, order.id, o["version"], dept.platform_id, dept.id)
        o = orders.accept(engine, admin, order.id, o["version"])
        orders.resolve(engine, admin, order.id, o["version"], "护栏已更换加固。")
    finally:
        engine.dispose()


def test_grid_event_loop_with_admin_leader_and_grid(app_server, browser, tmp_path):
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    ctx = {
        r: browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai")
        for r in ("grid", "admin", "leader")
    }
    try:
        # 1. the grid worker reports, with a photo
        grid = ctx["grid"].new_page()
        login(grid, app_server, "grid", PW)
        grid.goto(f"{app_server}/grid_events")
        wait_for_app(grid)
        grid.get_by_text("上报事件", exact=True).first.click()
        wait_for_rerun(grid)
        pick(grid, "事件类型", "安全隐患")
        grid.get_by_label("地点", exact=True).fill("村口老桥东侧")
        grid.get_by_label("事件描述").fill("老桥东侧护栏松动两段，夜间通行有坠落风险，需尽快加固。")
        upload(grid, photo)
        grid.get_by_role("button", name="上报事件").click()
        wait_for_rerun(grid)
        flash = grid.locator("[data-testid='stAlert']").first.inner_text()
        number = re.search(r"SJ-\d{4}-\d{6}", flash).group(0)
        grid.get_by_role("heading", name=re.compile(number)).wait_for()
        assert "已上报" in status_line(grid)
        grid.locator("[data-testid='stImage'] img").first.wait_for()  # the photo, from the database
        assert grid.locator("[data-testid='stImage'] img").count() == 1
        screenshot(grid, "grid_events-1-reported")

        # 2. ... and writes the day's log, then edits it
        grid.goto(f"{app_server}/grid_events?view=工作日志")
        wait_for_app(grid)
        grid.get_by_label("工作内容").fill("巡查村口老桥及河道，发现护栏松动已上报；入户走访4户。")
        grid.get_by_label("走访户数").fill("4")
        grid.get_by_role("button", name="保存日志").click()
        wait_for_rerun(grid)
        assert "已保存" in grid.locator("[data-testid='stAlert']").first.inner_text()
        grid.get_by_text("已有当日日志，可修改后保存。").wait_for()
        grid.get_by_label("走访户数").fill("5")
        grid.get_by_role("button", name="保存日志").click()
        wait_for_rerun(grid)
        table = grid.locator("[data-testid='stTable']").first.inner_text()
        assert "护栏松动已上报" in table and "5" in table
        screenshot(grid, "grid_events-2-worklog")

        # 3. the administrator refers it to a work order
        admin = ctx["admin"].new_page()
        login(admin, app_server, "admin", PW)
        open_event(admin, app_server, number)
        msg = act(admin, "分级转办", radio="转工单", picks={"诉求分类": "道路"})
        order_no = re.search(r"RX-\d{4}-\d{6}", msg)
        assert order_no, msg
        order_no = order_no.group(0)
        assert "已转办" in status_line(admin)
        body = admin.locator("[data-testid='stMain']").inner_text()
        assert f"工单 {order_no}" in body and "办结后可记录处置结果" in body
        assert admin.get_by_role("link", name=re.compile(order_no)).count() == 1  # opens the inbox
        screenshot(admin, "grid_events-3-referred")

        # 4. the order is closed; the administrator records the handling
        close_order(app_server.db_path, order_no)
        open_event(admin, app_server, number)
        assert "已办结" in admin.locator("[data-testid='stMain']").inner_text()
        msg = act(admin, "记录处置结果", fill={"处置结果": "执法中队已更换护栏并加固。"})
        assert "已记录处置结果" in msg, msg
        assert "待核查反馈" in status_line(admin)

        # 5. the grid worker verifies on site
        open_event(grid, app_server, number)
        msg = act(grid, "核查反馈", fill={"核查情况（未通过时必填）": "现场查看护栏牢固。"})
        assert "已核查反馈" in msg, msg
        assert "已核查" in status_line(grid)

        # 6. the leader evaluates and archives
        leader = ctx["leader"].new_page()
        login(leader, app_server, "leader", PW)
        open_event(leader, app_server, number)
        msg = act(leader, "考核评价", radio="优秀", fill={"评价意见（“较差”时必填）": "发现及时，处置到位。"})
        assert "已考核评价" in msg, msg
        msg = act(leader, "归档")
        assert "已归档" in msg, msg
        assert "已归档" in status_line(leader) and "评价：优秀" in status_line(leader)
        timeline = leader.locator("[data-testid='stExpander']").first.inner_text()
        for step in ("网格上报", "分级转办", "记录处置结果", "核查反馈", "考核评价", "归档"):
            assert step in timeline, step
        screenshot(leader, "grid_events-4-archived-leader")
    finally:
        for c in ctx.values():
            c.close()
