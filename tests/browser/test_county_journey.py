"""12345对接 in a real browser (issue #23): the dispatcher uploads the county platform's export
(a title above the table, full-width digits, a date as an Excel number, a phone stored as a
number), resolves the county's category the console cannot match on the review screen, imports,
and opens the order in the inbox, with the county's number and deadline (the search by the county's
number is tested in tests/test_county_link.py)."""

from __future__ import annotations

import io
import re
from datetime import datetime

import openpyxl
from sqlalchemy import select

from db.config import DEFAULT_DEMO_PASSWORD
from db.engine import make_engine, read_session
from db.models import Village, WorkOrder

from .conftest import login, pick, screenshot, upload, wait_for_app, wait_for_rerun


def export_file(path, village: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["泌阳县12345政务服务便民热线转办工单"])
    ws.merge_cells("A1:I1")
    ws.append(
        ["工单编号", "受理时间", "来电人", "联系电话", "诉求内容", "诉求类型", "所属区域", "办理时限", "紧急程度"]
    )
    serial = (datetime(2026, 11, 19, 9, 30) - datetime(1899, 12, 30)).total_seconds() / 86400
    full_width = "BY202699000001".translate({ord(c): ord(c) + 0xFEE0 for c in "BY0123456789"})
    ws.append(
        [
            full_width,
            serial,
            "张先生",
            13800138000,
            f"{village}村口路灯连续几晚不亮，晚上出行不便。",
            "县热线其他类",
            f"泌阳县{village}村口",
            "2030年1月15日",
            "紧急",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def test_the_dispatcher_imports_a_county_export_through_the_review(app_server, page, tmp_path):
    engine = make_engine(f"sqlite:///{app_server.db_path}")
    try:
        with read_session(engine) as s:
            village = s.scalar(select(Village.name).order_by(Village.id))
        path = tmp_path / "转办工单.xlsx"
        export_file(path, village)
        login(page, app_server, "dispatcher", DEFAULT_DEMO_PASSWORD)
        page.goto(f"{app_server}/county_link")
        wait_for_app(page)
        upload(page, path)
        wait_for_rerun(page)
        page.get_by_text("县平台类别“县热线其他类”").wait_for()
        screenshot(page, "county-review")
        pick(page, "县平台类别“县热线其他类”（1 行）对应本系统的", "路灯")
        page.get_by_role("button", name="核对完毕，重新检查").click()
        wait_for_rerun(page)
        page.get_by_role("button", name=re.compile("确认导入 1 行")).click()
        wait_for_rerun(page)
        page.get_by_text("已导入：新建工单 1 件").wait_for()
        with read_session(engine) as s:
            order = s.scalars(select(WorkOrder).where(WorkOrder.external_no == "BY202699000001")).one()
        assert order.channel == "12345" and order.external_due_at is not None

        page.goto(f"{app_server}/inbox?order={order.number}")
        wait_for_app(page)
        body = page.inner_text("body")
        assert "县平台编号 BY202699000001" in body and "县平台办理时限 2030-01-15 24:00" in body, body[:2000]
        screenshot(page, "county-order-detail")
    finally:
        engine.dispose()
