"""The roster in a real browser: the admin sees the coverage gaps, is refused a malformed
import with row-level messages (database unchanged) and records a party member's score; the
leader reads a household's chain with phones masked; the grid worker lands on their own grid."""

from __future__ import annotations

import hashlib
import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from db.config import DEFAULT_DEMO_PASSWORD
from db.engine import make_engine, read_session
from db.models import AuditLog, Base, GridStaff, Household, PartyMember, User
from db.permissions import SYSTEM
from db.services import roster_io
from db.services.roster_io import COLUMNS, SHEET_STAFF

from .conftest import login, screenshot, upload, wait_for_app, wait_for_rerun

PW = DEFAULT_DEMO_PASSWORD
TABLES = ("grid", "grid_staff", "party_member", "party_member_household")


def digest(engine) -> str:
    h = hashlib.sha256()
    with read_session(engine) as s:
        for name in TABLES:
            t = Base.metadata.tables[name]
            for row in s.execute(select(t).order_by(*t.primary_key.columns)):
                h.update(json.dumps([str(v) for v in row]).encode())
    return h.hexdigest()


def malformed(engine) -> bytes:
    content, _ = roster_io.export_workbook(engine, SYSTEM)
    wb = load_workbook(io.BytesIO(content))
    ws = wb[SHEET_STAFF]
    ws.cell(row=12, column=COLUMNS[SHEET_STAFF].index("联系电话") + 1).value = "12345"
    ws.cell(row=13, column=COLUMNS[SHEET_STAFF].index("姓名") + 1).value = "名" * 31
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def goto(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)


def test_roster_journey(app_server, page, tmp_path):
    base = app_server
    engine = make_engine(f"sqlite:///{app_server.db_path}")
    with read_session(engine) as s:
        household = s.scalar(select(Household.id).where(Household.unit_id.is_not(None)).order_by(Household.id))
        member = s.execute(
            select(PartyMember.id, PartyMember.name, PartyMember.score)
            .where(PartyMember.score <= 95)
            .order_by(PartyMember.id)
        ).first()
        grid_user = s.scalar(select(User.id).where(User.username == "grid"))
        own_grid = s.scalar(select(GridStaff.grid_id).where(GridStaff.user_id == grid_user))
        own_staff = s.scalar(
            select(func.count()).select_from(GridStaff).where(GridStaff.grid_id == own_grid, GridStaff.active.is_(True))
        )
        all_staff = s.scalar(select(func.count()).select_from(GridStaff).where(GridStaff.active.is_(True)))

    # admin: coverage gaps and the malformed import
    login(page, base, "admin", PW)
    goto(page, f"{base}/roster?view=org")
    page.get_by_text("无在岗网格长的网格").first.wait_for()
    screenshot(page, "roster-org-admin")
    goto(page, f"{base}/roster?view=io")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(malformed(engine))
    before = digest(engine)
    upload(page, path, "input[type='file']")
    wait_for_rerun(page)
    page.get_by_role("button", name="检查并导入").click()
    wait_for_rerun(page)
    page.get_by_text(re.compile("^文件中有 .* 处错误，未导入任何数据")).wait_for()
    table = page.locator("[data-testid='stTable']").first.inner_text()
    assert "联系电话" in table and "12" in table and "姓名不能超过30个字" in table
    screenshot(page, "roster-import-errors")
    assert digest(engine) == before

    # admin: a score entry on a party member
    goto(page, f"{base}/roster?member={member.id}")
    page.get_by_role("heading", name=f"党员 {member.name}").wait_for()
    page.get_by_label("分值（扣分填负数）").fill("2")
    page.get_by_label("事由").fill("走访联系户并解决实际困难")
    page.get_by_role("button", name="登记加减分").click()
    wait_for_rerun(page)
    page.get_by_text(f"已登记，当前得分{member.score + 2}分。").wait_for()
    screenshot(page, "roster-party-admin")
    with read_session(engine) as s:
        assert s.get(PartyMember, member.id).score == member.score + 2
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "party.score")) == 1

    # leader: a household's chain, phones masked
    page.context.clear_cookies()
    login(page, base, "leader", PW)
    goto(page, f"{base}/roster?household={household}")
    page.get_by_text("联系党员").first.wait_for()
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "****" in body and "网格长" in body and "十户长" in body
    screenshot(page, "roster-chain-leader")

    # grid worker: lands on their own village in the staff view
    page.context.clear_cookies()
    login(page, base, "grid", PW)
    goto(page, f"{base}/roster?view=staff")
    main = page.locator("[data-testid='stMain']").inner_text()
    assert f"共 {own_staff} 人" in main and own_staff < all_staff  # their own grid, not everyone
    screenshot(page, "roster-staff-grid")
