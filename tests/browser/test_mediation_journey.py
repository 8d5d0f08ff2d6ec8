"""The mediation journey in the browser: the mediator registers a dispute, takes it through the
four steps, escalates it to the township, where it ends in an agreement; a close-out without a
follow-up is refused; a case whose follow-up is due gets its visit and is closed (销号); the
leader finds the escalated case in the ledger with the parties masked."""

from __future__ import annotations

import re
import sqlite3

from db.config import DEFAULT_DEMO_PASSWORD

from .conftest import doc_shot, login, pick, wait_for_app, wait_for_rerun

PW = DEFAULT_DEMO_PASSWORD


def shot(page, name: str) -> None:
    doc_shot(page, f"{name}")


def alerts(page) -> str:
    box = page.locator("[data-testid='stAlert']")
    box.first.wait_for()
    return " ".join(box.all_inner_texts())


def segment(page, label: str) -> None:
    page.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(f"^{re.escape(label)}$")).first.click()
    wait_for_rerun(page)


def record_step(page, no: int, agreement: str | None = None) -> str:
    if agreement:
        page.get_by_text("达成协议", exact=True).click()
        wait_for_rerun(page)
    page.get_by_label("参加人员").fill(f"第{no}步参加人员：网格员、双方当事人")
    page.get_by_label("调解情况（各方意见、调解员所做工作）").fill(f"第{no}步：双方陈述意见，调解员释明政策。")
    if agreement:
        page.get_by_label("协议内容").fill(agreement)
    page.get_by_role("button", name=f"保存第{no}步").click()
    wait_for_rerun(page)
    return alerts(page)


def status_badges(page) -> str:
    return page.locator("[data-testid='stMarkdown']").filter(has_text="进度").first.inner_text()


def due_case_number(db_path) -> str:
    """A demo case whose follow-up is due (agreed, due date passed, not yet visited)."""
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT number FROM mediation_case WHERE status = 'agreed' AND followup_at IS NULL "
            "AND followup_due_on <= date('now') ORDER BY followup_due_on LIMIT 1"
        ).fetchone()
    assert row, "the demo data has no case with a due follow-up"
    return row[0]


def test_mediator_takes_a_case_through_four_steps_and_the_leader_sees_it(app_server, browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    try:
        page = ctx.new_page()
        login(page, app_server, "mediator", PW)
        page.goto(f"{app_server}/mediation")
        wait_for_app(page)
        page.get_by_role("heading", name="矛盾纠纷台账").wait_for()
        shot(page, "mediation-ledger-mediator")

        # register a walk-in dispute
        segment(page, "登记纠纷")
        pick(page, "所在村（社区）", "村")
        page.get_by_label("标题", exact=True).fill("浏览器测试：王某与赵某宅基地边界纠纷")
        page.get_by_label("简要情况").fill("王建国反映邻居赵春生新砌院墙占用其宅基地约半米，双方争执。")
        page.get_by_label("申请人姓名", exact=True).fill("王建国")
        page.get_by_label("申请人电话", exact=True).fill("13912345678")
        page.get_by_label("被申请人姓名", exact=True).fill("赵春生")
        page.get_by_role("button", name="登记", exact=True).click()
        wait_for_rerun(page)
        text = alerts(page)
        number = re.search(r"TJ-\d{4}-\d{6}", text).group(0)
        page.get_by_role("heading", name=re.compile(number)).wait_for()

        # four steps in order, none agreed
        for no in (1, 2, 3, 4):
            assert f"已记录第{no}步" in record_step(page, no), no
        assert "进度 4/4" in status_badges(page)
        assert "请升级至乡级、转诉讼或转信访" in alerts(page)
        shot(page, "mediation-case-after-four-steps")

        # escalate to the township
        page.get_by_label("升级原因").fill("村级四步调解未果，需乡级协调国土所现场勘界")
        page.get_by_role("button", name="确认升级至乡级").click()
        wait_for_rerun(page)
        assert "已升级至乡级调处" in alerts(page)
        assert "乡级" in status_badges(page)

        # the township's session (step 4 once more) ends in agreement
        assert "已达成协议" in record_step(
            page, 4, agreement="一、赵春生于十日内将院墙后移半米；\n二、王建国不再主张其他费用。"
        )
        assert "已达成协议" in status_badges(page)

        # close-out without a follow-up is refused
        segment(page, "销号")
        page.get_by_label("调处结果").fill("协议履行到位")
        page.get_by_role("button", name="确认销号").click()
        wait_for_rerun(page)
        assert "尚未登记回访，不能销号" in alerts(page)
        shot(page, "mediation-close-refused")

        # the agreement prints
        page.get_by_role("button", name="生成调解协议书").click()
        wait_for_rerun(page)
        with page.expect_download() as dl:
            page.get_by_role("button", name="下载协议书.docx").click()
        assert dl.value.suggested_filename.endswith("调解协议书.docx")

        # a case whose follow-up is due: the visit, then the close-out
        due = due_case_number(app_server.db_path)
        page.goto(f"{app_server}/mediation?case={due}")
        wait_for_app(page)
        # 登记回访 is the first action an agreed case offers, already selected
        page.get_by_label("回访情况").fill("协议已履行，双方无异议")
        page.get_by_role("button", name="登记回访").last.click()
        wait_for_rerun(page)
        assert "已登记回访" in alerts(page)
        segment(page, "销号")
        page.get_by_label("调处结果").fill("协议履行到位，已销号")
        page.get_by_role("button", name="确认销号").click()
        wait_for_rerun(page)
        assert "已销号" in alerts(page)
        assert "已销号" in status_badges(page)
        shot(page, "mediation-case-closed")

        # the leader finds the escalated case, parties masked
        leader = ctx.browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
        login(leader, app_server, "leader", PW)
        leader.goto(f"{app_server}/mediation")
        wait_for_app(leader)
        leader.get_by_label("编号或标题").fill(number)
        leader.keyboard.press("Enter")
        wait_for_rerun(leader)
        leader.get_by_role("heading", name=re.compile(number)).wait_for()
        badges = status_badges(leader)
        assert "已达成协议" in badges and "乡级" in badges
        body = leader.locator("[data-testid='stMain']").inner_text()
        assert "王*国" in body and "赵*生" in body and "王建国" not in body
        assert "第4步 村民评议定案" in body
        shot(leader, "mediation-case-leader")
        leader.goto(f"{app_server}/mediation?only=red")
        wait_for_app(leader)
        shot(leader, "mediation-red-list-leader")
    finally:
        ctx.close()
