"""Going live (issue #19) in a real browser: the console started in production mode on an empty
database, its first administrator made with the command line; the township created, the
standard categories loaded, the township's own Excel ledgers imported from the console's
templates (the organisation, households and residents, then grid staff and party members with
their linked households on the roster); the same file again changes nothing, a file with bad
rows writes nothing and names every one; a desk account is created, and it registers a call and
dispatches it."""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess

import pytest
from openpyxl import load_workbook

from db.rules.text import id_check_digit

from .conftest import (
    ROOT,
    act,
    login,
    pick,
    screenshot,
    serve,
    status_line,
    upload,
    venv_python,
    wait_for_app,
    wait_for_rerun,
)

ADMIN_PW, CLERK_PW = "Qlz@go-live-2026", "Qlz@desk-2026"


def ident(serial: int, year: int = 1980) -> str:
    body = f"410726{year}0101{serial:03d}"
    return body + id_check_digit(body)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("go-live")
    with serve(workdir, mode="production") as url:
        yield url


def _counts(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path) as db:
        return {
            t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # nosec B608 - fixed names
            for t in (
                "village",
                "grid",
                "ten_household_unit",
                "household",
                "resident",
                "party_member",
                "party_member_household",
                "grid_staff",
                "work_order",
            )
        }


def _download(page, label: str, path) -> None:
    with page.expect_download() as dl:
        page.get_by_role("button", name=label).click()
    dl.value.save_as(path)
    wait_for_app(page)  # a download button's click reruns the page


def _fill(path, rows: dict[str, list[list]], out) -> None:
    wb = load_workbook(path)
    for sheet, values in rows.items():
        for row in values:
            wb[sheet].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    out.write_bytes(buf.getvalue())


def _import(page, path, expect: str) -> str:
    """Upload and import ``path``; the message of this import (the previous import's message of
    the same file stays on screen until it is replaced: wait for the expected words)."""
    upload(page, path)
    wait_for_app(page)  # the upload's own run
    page.get_by_role("button", name="检查并导入").click()
    wait_for_rerun(page)
    alert = page.locator("[data-testid='stAlert']").filter(has_text=expect).first
    alert.wait_for()
    return alert.inner_text()


ORG = {
    "村（社区）": [["QLZ-01", "东湖村", "行政村", "王建国"], ["QLZ-02", "幸福社区", "社区", None]],
    "网格": [
        ["QLZ-01-G01", "东湖村第一网格", "农村网格", "QLZ-01", None],
        ["QLZ-01-G02", "东湖村第二网格", "农村网格", "QLZ-01", None],
        ["QLZ-02-G01", "幸福社区第一网格", "社区网格", "QLZ-02", None],
    ],
    "十户单元": [["QLZ-01-G01", "一组第1十户", None]],
    "调解员": [["刘乡贤", "村级调解员", "QLZ-01", "13700000001", "兼职", "乡贤", "是", None]],
}
HOUSEHOLDS = {
    "住户": [
        ["QLZ-01-G01", f"东湖村一组{k}号", f"户主{k}", f"1390000000{k}", "一组第1十户", None, None] for k in range(1, 7)
    ],
    "居民": [
        [
            "QLZ-01-G01",
            f"东湖村一组{k}号",
            f"户主{k}",
            ident(k),
            None,
            None,
            f"1390000000{k}",
            "户主",
            None,
            "是" if k == 1 else None,
        ]
        for k in range(1, 7)
    ]
    + [["QLZ-01-G01", "东湖村一组1号", "李党员", ident(50, 1975), None, None, "13900000050", "配偶", None, None]],
}
BAD_HOUSEHOLDS = {
    "住户": [
        ["QLZ-09-G01", "某村1号", "甲", None, None, None, None],  # no such grid
        ["QLZ-01-G01", "东湖村二组1号", "乙", "12345", None, None, None],
    ],  # not a phone
    "居民": [["QLZ-01-G01", "东湖村一组2号", "丙", "4107261980", None, None, None, "子女", None, None]],  # short ID
}


def test_a_township_goes_live_from_an_empty_database(production, browser, page, tmp_path):
    env = {**production.env, "GOV_ADMIN_PASSWORD": ADMIN_PW}
    made = subprocess.run(
        [venv_python(), "-m", "db.cli", "create-admin", "--username", "countyadmin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert _counts(production.db_path)["village"] == 0

    admin = page  # a screenshot of it is kept when the test fails
    login(admin, production, "countyadmin", ADMIN_PW)
    assert "上线准备" in admin.inner_text("body")
    admin.goto(f"{production}/settings?view=setup")
    wait_for_app(admin)
    admin.get_by_label("乡镇编码").fill("QLZ")
    admin.get_by_label("乡镇名称").fill("青龙镇")
    admin.get_by_label("所属县（区）").fill("示范县")
    admin.get_by_role("button", name="新建乡镇").click()
    wait_for_rerun(admin)
    admin.get_by_role("button", name="载入标准类别").click()
    wait_for_rerun(admin)
    admin.get_by_text("已载入标准诉求类别").wait_for()

    # the console speaks Chinese where Streamlit speaks English (components/page_style.py STYLE, KEYBOARD_SCRIPT)
    upload_words = admin.evaluate(
        "() => getComputedStyle(document.querySelector("
        "\"[data-testid='stFileUploaderDropzone'] button p\"), '::after').content"
    )
    assert upload_words == '"选择文件"', upload_words
    # the organisation, from the console's own template
    _download(admin, "下载组织架构模板.xlsx", tmp_path / "org-template.xlsx")
    _fill(tmp_path / "org-template.xlsx", ORG, tmp_path / "组织架构.xlsx")
    _import(admin, tmp_path / "组织架构.xlsx", "导入完成：村（社区）新增2")
    # households and residents: the template's drop-downs now list the township's grids
    admin.get_by_text("住户与居民", exact=True).click()
    wait_for_rerun(admin)
    _download(admin, "下载住户与居民模板.xlsx", tmp_path / "hh-template.xlsx")
    options = load_workbook(tmp_path / "hh-template.xlsx")["选项"]
    assert "QLZ-01-G02" in [c.value for c in next(options.iter_cols())]
    _fill(tmp_path / "hh-template.xlsx", HOUSEHOLDS, tmp_path / "住户与居民.xlsx")
    _import(admin, tmp_path / "住户与居民.xlsx", "住户新增6")
    before = _counts(production.db_path)
    # the same file again changes nothing
    _import(admin, tmp_path / "住户与居民.xlsx", "住户新增0、更新0、未变6")
    # bad rows: nothing written, every one named
    _fill(tmp_path / "hh-template.xlsx", BAD_HOUSEHOLDS, tmp_path / "有错的住户.xlsx")
    _import(admin, tmp_path / "有错的住户.xlsx", "中有 3 处问题，未导入任何数据")
    admin.get_by_role("button", name="下载标注了问题的工作簿").wait_for()  # the last of the report
    table = " ".join(admin.locator("[data-testid='stMain']").inner_text().split())  # sheet, row, column, problem
    for problem in (
        "住户 4 所在网格编码 本乡镇没有编码为“QLZ-09-G01”的网格",
        "住户 5 联系电话 ",
        "居民 4 身份证号 身份证号须为18位",
    ):
        assert problem in table, table[-1500:]
    screenshot(admin, "go-live-import-errors")
    assert _counts(production.db_path) == before

    # grid staff and party members with their households: the roster's workbook
    admin.goto(f"{production}/roster?view=io")
    wait_for_app(admin)
    _download(admin, "下载空白模板", tmp_path / "roster-template.xlsx")
    _fill(
        tmp_path / "roster-template.xlsx",
        {
            "网格人员": [[ident(90, 1990), "周网格", "13700000090", "网格员", "专职", "QLZ-01-G01", "是"]],
            "党员": [[ident(50, 1975), "李党员", None, "2001-07-01", "QLZ-01-G01", None, None, "是", None]],
            "党员联户": [
                [ident(50, 1975), "李党员", "QLZ-01-G01", f"东湖村一组{k}号", None, None] for k in range(1, 7)
            ],
        },
        tmp_path / "花名册.xlsx",
    )
    upload(admin, tmp_path / "花名册.xlsx")
    wait_for_app(admin)
    admin.get_by_role("button", name="检查并导入").click()
    wait_for_rerun(admin)
    admin.get_by_text("导入完成").first.wait_for()
    after = _counts(production.db_path)
    assert (after["party_member"], after["party_member_household"], after["grid_staff"]) == (1, 6, 1)

    # a desk account
    admin.goto(f"{production}/users")
    wait_for_app(admin)
    placeholders = admin.evaluate("() => [...document.querySelectorAll('input[placeholder]')].map(i => i.placeholder)")
    assert placeholders and not any("Choose" in p or "yyyy" in p.lower() for p in placeholders), placeholders
    form = admin.locator("[data-testid='stForm']").filter(has_text="用户名（小写字母开头）")
    form.get_by_label("用户名（小写字母开头）").fill("qlz.desk")
    form.get_by_label("姓名").fill("陈接待")
    for label, option in (("角色", "转办督办员"),):  # one township: the account is its
        form.get_by_label(label, exact=True).click()
        admin.keyboard.type(option)
        admin.get_by_role("option", name=option).first.click()
    form.get_by_label("初始密码").fill(CLERK_PW)
    admin.get_by_role("button", name="创建用户").click()
    wait_for_rerun(admin)
    admin.get_by_text("已创建用户 qlz.desk").wait_for()
    admin.goto(f"{production}/settings?view=setup")
    wait_for_app(admin)
    screenshot(admin, "go-live-checklist-done")

    clerk = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    login(clerk, production, "qlz.desk", CLERK_PW)
    clerk.goto(f"{production}/intake")
    wait_for_app(clerk)
    clerk.get_by_label("来电人/来访人").fill("户主1")
    clerk.get_by_label("联系电话").fill("13900000001")
    pick(clerk, "村（社区）", "东湖村")
    pick(clerk, "网格", "东湖村第一网格")
    pick(clerk, "住户（可选）", "东湖村一组1号")  # an imported household
    clerk.get_by_label("地址").fill("东湖村一组1号")
    clerk.get_by_label("诉求描述").fill("门口自来水管破裂，已经停水一天，请尽快派人维修。")
    clerk.keyboard.press("Tab")
    wait_for_rerun(clerk)
    pick(clerk, "诉求类别", "自来水")
    clerk.get_by_role("button", name="登记工单").click()
    wait_for_rerun(clerk)
    alert = clerk.locator("[data-testid='stAlert']").filter(has_text=re.compile(r"RX-\d{4}-\d{6}")).first
    alert.wait_for()
    number = re.search(r"RX-\d{4}-\d{6}", alert.inner_text()).group(0)
    clerk.goto(f"{production}/inbox?order={number}")
    wait_for_app(clerk)
    assert "已派单" in act(clerk, "派单", radio="派部门办理（可吹哨）", picks={"承办平台 / 部门": "水利站"})
    assert "已派单" in status_line(clerk)
    screenshot(clerk, "go-live-first-call-dispatched")
    assert _counts(production.db_path)["work_order"] == 1
    with sqlite3.connect(production.db_path) as db:
        (address,) = db.execute(
            "SELECT h.address FROM work_order w JOIN household h ON h.id = w.household_id"
        ).fetchone()
    assert address == "东湖村一组1号"
