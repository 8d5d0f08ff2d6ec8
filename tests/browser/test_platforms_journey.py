"""The four platforms in the browser: 综治 finds a market problem and pushes it to 市场监管, which
bounces it; 综治 pushes it again, 市场监管 receives and closes it. Every step is in the case's
timeline and the 综治 summary counts the hand-offs. 市场监管 prints a rectification notice."""

from __future__ import annotations

import re
import zipfile

from db.config import DEFAULT_DEMO_PASSWORD

from .conftest import doc_shot, login, pick, screenshot, wait_for_app, wait_for_rerun

PW = DEFAULT_DEMO_PASSWORD


def shot(page, name: str) -> None:
    doc_shot(page, f"platforms-{name}")


def open_case(page, base: str, number: str) -> None:
    page.goto(f"{base}/platform_desk?case={number}")
    wait_for_app(page)
    page.get_by_text("处理时间线").first.wait_for()


def act(page, tab: str, text_label: str | None = None, text: str | None = None) -> str:
    page.get_by_role("tab", name=tab).click()
    if text_label:
        page.get_by_label(text_label).last.fill(text)
    page.get_by_role("button", name=tab, exact=True).click()
    wait_for_rerun(page)
    alerts = page.locator("[data-testid='stAlert']")
    alerts.first.wait_for()
    return " ".join(alerts.all_inner_texts())


def flow_cell(page, base: str) -> tuple[int, int]:
    """(accepted, bounced) of 综治 → 市场监管 in the summary's flow matrix."""
    page.goto(f"{base}/platform_summary")
    wait_for_app(page)
    page.get_by_role("tab", name="流向矩阵").click()
    row = page.locator("table tr", has_text="综治平台（推送）").first
    cell = row.locator("td").nth(1).inner_text()
    m = re.search(r"接收(\d+) / 退回(\d+)", cell)
    assert m, cell
    return int(m.group(1)), int(m.group(2))


def test_push_bounce_push_close_and_notice(app_server, browser, tmp_path):
    ctx = {
        u: browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
        )
        for u in ("zongzhi", "shichang")
    }
    try:
        zz, sc = ctx["zongzhi"].new_page(), ctx["shichang"].new_page()
        login(zz, app_server, "zongzhi", PW)
        login(sc, app_server, "shichang", PW)
        before = flow_cell(zz, app_server)

        # 综治: a patrol finding that belongs to 市场监管, opened and pushed in one step
        zz.goto(f"{app_server}/platform_desk")
        wait_for_app(zz)
        shot(zz, "desk-zongzhi")
        zz.get_by_text("巡查发现立案", exact=True).click()
        wait_for_rerun(zz)
        zz.get_by_label("标题").fill("集镇农贸市场销售过期食品")
        zz.get_by_label("情况描述").fill("巡查发现集镇农贸市场东侧摊位销售过期食品，涉及食品安全。")
        pick(zz, "由哪个平台办理", "市场监管平台")
        zz.get_by_role("button", name="登记巡查发现").click()
        wait_for_rerun(zz)
        msg = zz.locator("[data-testid='stAlert']").first.inner_text()
        number = re.search(r"PT-\d{4}-\d{6}", msg).group(0)
        assert "推送给市场监管平台" in msg

        # 市场监管 bounces it (a reason is required)
        open_case(sc, app_server, number)
        assert "退回推送完成" in act(sc, "退回推送", "退回理由", "经核实为无证经营，属综合执法职责。")

        # 综治 pushes it again
        open_case(zz, app_server, number)
        assert "推送其他平台完成" in act(zz, "推送其他平台", "推送理由", "经复核为过期食品问题，属市场监管职责。")

        # 市场监管 receives it and closes it
        open_case(sc, app_server, number)
        assert "接收推送完成" in act(sc, "接收推送")
        assert "办结完成" in act(sc, "办结", "办理结果", "已责令下架过期食品并立案调查。")

        # every step in the timeline, seen by 综治
        open_case(zz, app_server, number)
        timeline = zz.locator("table").last.inner_text()
        steps = ["立案登记", "推送其他平台", "退回推送", "推送其他平台", "接收推送", "办结"]
        positions = [
            m.start() for s in ("立案登记", "退回推送", "接收推送", "办结") for m in [re.search(s, timeline)] if m
        ]
        assert len(positions) == 4 and positions == sorted(positions), timeline
        assert timeline.count("推送其他平台") == 2, timeline
        assert all(s in timeline for s in steps)
        shot(zz, "case-timeline")

        # and in the 综治 summary: one more accepted and one more bounced push 综治 → 市场监管
        after = flow_cell(zz, app_server)
        assert after == (before[0] + 1, before[1] + 1), (before, after)
        zz.get_by_role("tab", name="流向图").click()
        zz.wait_for_timeout(800)
        shot(zz, "summary-zongzhi")

        # 市场监管 prints a rectification notice
        sc.goto(f"{app_server}/platform_desk")
        wait_for_app(sc)
        sc.get_by_text("市场监管业务台账", exact=True).click()
        wait_for_rerun(sc)
        sc.get_by_text("登记检查（发现问题即下达《责令限期整改通知书》）").click()
        sc.get_by_label("经营主体名称").fill("集镇鲜果超市")
        sc.get_by_label("经营地址").fill("集镇农贸市场东侧")
        sc.get_by_label("检查情况").fill("货架上有3件过期预包装食品。")
        sc.get_by_text("发现问题，责令限期整改").click()
        sc.get_by_role("button", name="保存检查记录").click()
        wait_for_rerun(sc)
        msg = sc.locator("[data-testid='stAlert']").first.inner_text()
        notice = re.search(r"ZG-\d{4}-\d{6}", msg).group(0)
        # the newest notice is listed first and selected
        chooser = sc.get_by_label("选择整改通知书")
        for _ in range(60):  # the rerun after the save re-renders the select
            if notice in chooser.input_value():
                break
            sc.wait_for_timeout(250)
        assert notice in chooser.input_value()
        sc.get_by_role("button", name=re.compile("生成整改通知书")).click()
        wait_for_rerun(sc)
        with sc.expect_download() as dl:
            sc.get_by_role("button", name=re.compile("下载 责令限期整改通知书")).click()
        path = tmp_path / "notice.docx"
        dl.value.save_as(path)
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        assert "责令限期整改通知书" in xml and notice in xml and "集镇鲜果超市" in xml
        shot(sc, "records-shichang")
    except Exception:
        for name, c in ctx.items():
            for p in c.pages:
                screenshot(p, f"platforms-journey-{name}")
        raise
    finally:
        for c in ctx.values():
            c.close()
