"""The roster's Excel template on SQLite and PostgreSQL: export -> import changes nothing and
export -> import -> export is identical; a malformed file (wrong columns, bad phone, unknown
village, duplicate ID number in the file or against the database, over-long name) is refused
with row-level Chinese messages and the database unchanged; masking and permissions."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import PermissionDenied
from db.models import (
    AuditLog,
    Base,
    Grid,
    GridStaff,
    PartyMember,
    PartyMemberHousehold,
    Resident,
)
from db.services import roster_io as rio
from db.services.roster_io import COLUMNS, SHEET_GRIDS, SHEET_LINKS, SHEET_PARTY, SHEET_STAFF
from tests.factories import office
from tests.factories.roster import RW, build, ident

NOW = datetime(2026, 3, 2, 2, 0)
ROSTER_TABLES = ("grid", "grid_staff", "party_member", "party_member_household", "resident")


@pytest.fixture
def w(engine) -> RW:
    return build(engine)


def digest(w) -> str:
    """A digest of every roster table (all columns, ordered), and the audit row count."""
    h = hashlib.sha256()
    with read_session(w.engine) as s:
        for name in ROSTER_TABLES:
            table = Base.metadata.tables[name]
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(json.dumps([str(v) for v in row]).encode())
        h.update(str(s.scalar(select(func.count()).select_from(AuditLog))).encode())
    return h.hexdigest()


def export(w, actor=None) -> bytes:
    return rio.export_workbook(w.engine, actor or w.admin)[0]


def sheets_of(content: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in COLUMNS}


def edited(content: bytes, edits) -> bytes:
    """The workbook with ``edits(wb)`` applied."""
    wb = load_workbook(io.BytesIO(content))
    edits(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def col(sheet: str, name: str) -> int:
    return COLUMNS[sheet].index(name) + 1


def test_export_then_import_changes_nothing_and_round_trips(w):
    first = export(w)
    before = digest(w)
    report = rio.import_workbook(w.engine, w.admin, first, now=NOW)
    assert report.ok, [str(e) for e in report.errors]
    assert all(c["created"] == c["updated"] == 0 for c in report.counts.values())
    assert report.counts[SHEET_LINKS]["unchanged"] == 6 and report.counts[SHEET_STAFF]["unchanged"] == 3
    # only the summary audit record was added
    with read_session(w.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action.like("roster.import%"))) == 1
    second = export(w)
    assert sheets_of(first) == sheets_of(second)
    assert before != digest(w)  # the audit count moved ...
    report = rio.import_workbook(w.engine, w.admin, second, now=NOW)
    assert report.ok and sheets_of(export(w)) == sheets_of(first)


def test_import_creates_updates_and_unlinks_then_is_idempotent(w):
    def change(wb):
        ws = wb[SHEET_STAFF]
        ws.append([ident(300, 1991), "周新员", "13700001234", "网格员", "兼职", "G02", "是"])
        ws.cell(row=2, column=col(SHEET_STAFF, "联系电话")).value = "0396-7654321"
        wb[SHEET_GRIDS].append(["G09", "东湖村第9网格", "专属网格", "青龙镇", "东湖村", "东湖集贸市场"])
        wb[SHEET_PARTY].append([ident(5), "张五", None, "2010-07-01", "G01", None, None, "是", None])
        links = wb[SHEET_LINKS]
        links.delete_rows(2)  # member 1 loses the first household
        links.append([ident(5), "张五", "G01", "东湖村一组10号", None, "2026-03-01"])

    content = edited(export(w), change)
    report = rio.import_workbook(w.engine, w.admin, content, now=NOW)
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts[SHEET_GRIDS]["created"] == 1 and report.counts[SHEET_STAFF] == {
        "created": 1,
        "updated": 1,
        "unchanged": 2,
    }
    assert report.counts[SHEET_PARTY]["created"] == 1 and report.counts[SHEET_LINKS]["created"] == 1
    with read_session(w.engine) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(PartyMemberHousehold)
                .where(PartyMemberHousehold.party_member_id == w.member)
            )
            == 5
        )
        new = s.scalars(
            select(PartyMember)
            .join(Resident, Resident.id == PartyMember.resident_id)
            .where(Resident.id_number == ident(5))
        ).one()
        assert new.score == 100 and s.get(Resident, new.resident_id).is_party_member
        assert s.scalar(select(Grid.kind).where(Grid.code == "G09")) == "special"
    again = digest(w)
    report = rio.import_workbook(w.engine, w.admin, content, now=NOW)
    assert report.ok and all(c["created"] == c["updated"] == 0 for c in report.counts.values())
    with read_session(w.engine) as s:  # nothing but the summary record
        assert s.scalar(select(func.count()).select_from(GridStaff)) == 4
    assert again != digest(w)


def _refused(w, content: bytes) -> list[str]:
    before = digest(w)
    report = rio.import_workbook(w.engine, w.admin, content, now=NOW)
    assert not report.ok
    assert digest(w) == before, "a refused import must not change the database"
    return [str(e) for e in report.errors]


def test_wrong_columns_are_refused(w):
    def change(wb):
        wb[SHEET_STAFF].cell(row=1, column=col(SHEET_STAFF, "联系电话")).value = "电话"

    errors = _refused(w, edited(export(w), change))
    assert errors == [
        "「网格人员」第1行：表头与模板不一致：缺少列「联系电话」；多出列「电话」。请使用本系统导出的模板。"
    ]


def test_missing_sheet_and_unreadable_file_are_refused(w):
    errors = _refused(w, edited(export(w), lambda wb: wb.remove(wb[SHEET_LINKS])))
    assert errors == ["「党员联户」：缺少工作表「党员联户」。"]
    assert _refused(w, b"not an excel file")[0].startswith("「文件」：无法读取")


def test_malformed_rows_are_refused_with_row_and_column(w):
    def change(wb):
        st = wb[SHEET_STAFF]
        st.cell(row=2, column=col(SHEET_STAFF, "联系电话")).value = "12345"  # bad phone
        st.cell(row=3, column=col(SHEET_STAFF, "姓名")).value = "王" * 31  # over-long name
        st.append([ident(101, 1975), "王网格长", "13900001111", "网格长", "专职", "G02", "是"])  # dup in file (row 5)
        st.append([ident(1), "冒名者", "13900005555", "网格员", "专职", "G02", "是"])  # resident's ID, other name
        gr = wb[SHEET_GRIDS]
        gr.cell(row=3, column=col(SHEET_GRIDS, "所属村（社区）")).value = "不存在村"  # unknown village
        pa = wb[SHEET_PARTY]
        pa.cell(row=2, column=col(SHEET_PARTY, "身份证号")).value = "411726198001010010"  # bad checksum

    errors = _refused(w, edited(export(w), change))
    text = "\n".join(errors)
    assert (
        "「网格人员」第2行「联系电话」：电话号码格式不正确" in text
        or "「网格人员」第2行「联系电话」：联系电话格式不正确" in text
    )
    assert "「网格人员」第3行「姓名」：姓名不能超过30个字（当前31个字）。" in errors
    assert "「网格人员」第5行「身份证号」：身份证号在本表第2行已出现，同一人只能登记一次。" in errors
    assert any(e.startswith("「网格人员」第6行「身份证号」：该身份证号在系统中已登记为另一人") for e in errors)
    assert "「网格」第3行「所属村（社区）」：青龙镇没有村（社区）“不存在村”。" in errors
    assert "「党员」第2行「身份证号」：身份证号校验位不正确，请核对。" in errors


def test_staff_id_already_used_by_another_staff_member_is_refused(w):
    def change(wb):
        wb[SHEET_STAFF].cell(row=3, column=col(SHEET_STAFF, "姓名")).value = "另一个人"

    errors = _refused(w, edited(export(w), change))
    assert any("已登记为另一人" in e and "第3行" in e for e in errors)


def test_masked_export_for_leader_and_permissions(w):
    content, counts = rio.export_workbook(w.engine, w.leader)
    rows = sheets_of(content)[SHEET_STAFF][1:]
    assert counts[SHEET_STAFF] == 3 and all("*" in r[0] and "*" in r[1] and "*" in r[2] for r in rows)
    disp = sheets_of(export(w, w.dispatcher))[SHEET_STAFF][1:]
    assert all("*" in r[0] and "*" not in r[1] for r in disp), "dispatcher: ID masked, names shown"
    with read_session(w.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "export")) == 2
    for actor in (w.grid_user, w.demo):
        with pytest.raises(PermissionDenied):
            rio.export_workbook(w.engine, actor)
    for actor in (w.leader, w.dispatcher, w.grid_user, w.demo):
        with pytest.raises(PermissionDenied):
            rio.import_workbook(w.engine, actor, content)
    # a masked file cannot be imported: every ID number is refused
    errors = _refused(w, content)
    assert any("身份证号" in e for e in errors)


def test_emergency_roster_is_masked_for_the_role_and_audited(w):
    content, n = rio.emergency_workbook(w.engine, w.leader, team_id=w.team)
    wb = load_workbook(io.BytesIO(content), read_only=True)
    rows = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    assert n == 1 and rows[0][:3] == ("序号", "姓名", "联系电话") and "*" in rows[1][2]
    content, _ = rio.emergency_workbook(w.engine, w.admin, team_id=w.team)
    wb = load_workbook(io.BytesIO(content), read_only=True)
    assert list(wb[wb.sheetnames[0]].iter_rows(values_only=True))[1][2] == "13812340000"
    with read_session(w.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == "commando_team")) == 2
    with pytest.raises(PermissionDenied):
        rio.emergency_workbook(w.engine, w.demo, team_id=w.team)


def test_progress_is_reported(w):
    seen = []
    rio.import_workbook(w.engine, w.admin, export(w), progress=lambda f, t: seen.append((f, t)), now=NOW)
    assert seen[0][0] == 0.0 and seen[-1] == (1.0, "导入完成。")
    assert all(0.0 <= f <= 1.0 for f, _ in seen)


def test_export_opens_in_libreoffice(sqlite_engine, tmp_path):
    """The file's form does not depend on the database: opened once (LibreOffice's start is 10 s)."""
    office.opens(tmp_path, "roster.xlsx", export(build(sqlite_engine)))


def test_checking_does_not_hold_the_write_lock(w, monkeypatch):
    """The checks run in a read transaction: other writers (intake, dispatch) are not blocked
    while a large file is being checked. Only the upsert takes the write lock."""
    if w.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    import sqlite3

    seen = []
    original = rio._Checker.links

    def links_then_try_to_write(self, *a, **kw):
        original(self, *a, **kw)
        con = sqlite3.connect(w.engine.url.database, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            con.close()

    monkeypatch.setattr(rio._Checker, "links", links_then_try_to_write)
    report = rio.import_workbook(w.engine, w.admin, export(w), now=NOW)
    assert report.ok and seen == ["free"]


def test_a_record_changed_while_the_file_was_checked_is_refused(w):
    """Between the check (read transaction) and the write, an administrator saves one of the
    file's staff members: the import refuses with a Chinese message and writes nothing."""
    from db.services import roster as svc

    content = export(w)
    after_edit = {}

    def progress(_f, text):
        if text.startswith("检查通过") and not after_edit:
            svc.save_staff(
                w.engine,
                w.admin,
                svc.StaffInput(
                    grid_id=w.grid,
                    name="王网格长",
                    phone="13900009999",
                    id_number=ident(101, 1975),
                    staff_role="chief",
                    employment="full",
                    active=True,
                ),
                staff_id=w.staff,
                version=1,
                now=NOW,
            )
            after_edit["digest"] = digest(w)

    report = rio.import_workbook(w.engine, w.admin, content, progress=progress, now=NOW)
    assert not report.ok
    assert digest(w) == after_edit["digest"], "nothing may be written"
    text = "\n".join(str(e) for e in report.errors)
    assert "「网格人员」第2行" in text and "已被他人修改" in text and "未导入任何数据" in text
    with read_session(w.engine) as s:
        assert s.get(GridStaff, w.staff).phone == "13900009999"  # the concurrent edit is kept


def test_a_key_created_while_the_file_was_checked_is_refused(w):
    from db.services import roster as svc

    def change(wb):
        wb[SHEET_STAFF].append([ident(300, 1991), "周新员", "13700001234", "网格员", "兼职", "G02", "是"])

    content = edited(export(w), change)
    after_edit = {}

    def progress(_f, text):
        if text.startswith("检查通过") and not after_edit:
            svc.save_staff(
                w.engine,
                w.admin,
                svc.StaffInput(
                    grid_id=w.grid2,
                    name="周新员",
                    phone="13700001234",
                    id_number=ident(300, 1991),
                    staff_role="worker",
                    employment="part",
                    active=True,
                ),
                now=NOW,
            )
            after_edit["digest"] = digest(w)

    report = rio.import_workbook(w.engine, w.admin, content, progress=progress, now=NOW)
    assert not report.ok and digest(w) == after_edit["digest"]
    assert any("第5行" in str(e) and "已被他人" in str(e) for e in report.errors)


def test_joined_today_is_accepted_at_one_in_the_morning_beijing_time(w, monkeypatch):
    """01:00 Beijing is 17:00 UTC the day before: today's local date is not in the future."""
    one_am = datetime(2026, 3, 1, 17, 0)  # 2026-03-02 01:00 Beijing
    monkeypatch.setattr(rio, "utcnow", lambda: one_am)

    def change(wb):
        wb[SHEET_PARTY].cell(row=2, column=col(SHEET_PARTY, "入党日期")).value = "2026-03-02"

    report = rio.import_workbook(w.engine, w.admin, edited(export(w), change))
    assert report.ok, [str(e) for e in report.errors]

    def tomorrow(wb):
        wb[SHEET_PARTY].cell(row=2, column=col(SHEET_PARTY, "入党日期")).value = "2026-03-03"

    report = rio.import_workbook(w.engine, w.admin, edited(export(w), tomorrow))
    assert any("入党日期不正确" in str(e) for e in report.errors)


def test_the_upsert_itself_refuses_a_row_whose_version_moved(w, monkeypatch):
    """Second line of defence (PostgreSQL's READ COMMITTED lets a commit land after the recheck):
    the update is ``WHERE id AND version`` and an unexpected version rolls everything back."""
    from db.services import roster as svc

    monkeypatch.setattr(rio, "_recheck", lambda s, plan: [])
    content = edited(
        export(w),
        lambda wb: wb[SHEET_GRIDS].append(["G09", "东湖村第9网格", "专属网格", "青龙镇", "东湖村", "东湖集贸市场"]),
    )
    after_edit = {}

    def progress(_f, text):
        if text.startswith("检查通过") and not after_edit:
            svc.save_staff(
                w.engine,
                w.admin,
                svc.StaffInput(
                    grid_id=w.grid,
                    name="王网格长",
                    phone="13900009999",
                    id_number=ident(101, 1975),
                    staff_role="chief",
                    employment="full",
                    active=True,
                ),
                staff_id=w.staff,
                version=1,
                now=NOW,
            )
            after_edit["digest"] = digest(w)

    report = rio.import_workbook(w.engine, w.admin, content, progress=progress, now=NOW)
    assert not report.ok and digest(w) == after_edit["digest"]  # the new grid G09 was rolled back too
    assert [str(e) for e in report.errors] == [f"「网格人员」第2行「身份证号」：{rio.CHANGED_MESSAGE}"]
