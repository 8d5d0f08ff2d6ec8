"""Go-live imports (issue #19): the shared template and run (db/services/imports/base.py) through
the organisation workbook (villages, grids, ten-household units), and the command line."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db import cli
from db.engine import read_session
from db.errors import PermissionDenied, ValidationError
from db.models import AuditLog, Grid, Mediator, TenHouseholdUnit, Village
from db.services import setup
from db.services.imports import base, org
from tests.factories.accounts import first_admin


def _workbook(rows: dict[str, list[list]], keep_template_rows: bool = True, options=None) -> bytes:
    wb = load_workbook(io.BytesIO(base.template_bytes(org.SPEC, options)))
    for sheet, values in rows.items():
        ws = wb[sheet]
        if not keep_template_rows:
            ws.delete_rows(2, 2)
        for row in values:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {
    "村（社区）": [["qlz-01", "东湖村", "行政村", "王建国"], ["QLZ-02", "幸福社区", "社区", None]],
    "网格": [
        ["QLZ-01-G01", "东湖村第一网格", "农村网格", "QLZ-01", "一组、二组"],
        ["QLZ-02-G01", "幸福社区第一网格", "社区网格", "QLZ-02", None],
    ],
    "十户单元": [["QLZ-01-G01", "一组第1十户", None], ["QLZ-01-G01", "一组第2十户", None]],
    "调解员": [
        ["刘乡贤", "村级调解员", "QLZ-01", "13700000001", "兼职", "乡贤", "是", None],
        ["赵司法", "乡镇调解员", None, None, "专职", "法律顾问", None, None],
    ],
}


@pytest.fixture
def town(sqlite_engine):
    admin = first_admin(sqlite_engine)
    t = setup.create_township(sqlite_engine, admin, code="QLZ", name="青龙镇", county="示范县")
    return sqlite_engine, admin, t


def _count(engine, model, *where) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)))


def test_the_template_explains_each_column_and_offers_the_fixed_values():
    wb = load_workbook(io.BytesIO(base.template_bytes(org.SPEC, {"grids": ["A-1"]})))
    assert wb.sheetnames[:3] == ["村（社区）", "网格", "十户单元"] and "填写说明" in wb.sheetnames
    ws = wb["网格"]
    assert [c.value for c in ws[1]][:3] == ["网格编码*", "网格名称*", "网格类型*"]
    assert str(ws["A2"].value).startswith("必填。") and ws["A3"].value == "SMJ-01-G01"
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "C" in lists  # 网格类型: a drop-down list on the hidden 选项 sheet
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    assert "农村网格" in [c.value for c in next(col for col in options.iter_cols() if col[0].value == "网格·网格类型")]


@pytest.mark.parametrize("keep", [True, False])
def test_a_good_file_imports_and_a_second_run_changes_nothing(town, keep):
    engine, admin, t = town
    content = _workbook(GOOD, keep_template_rows=keep)
    report = base.run(engine, admin, org, content, township_id=t, file_name="组织架构.xlsx")
    assert report.ok, report.errors
    assert report.counts == {
        "村（社区）": {"created": 2, "updated": 0, "unchanged": 0},
        "网格": {"created": 2, "updated": 0, "unchanged": 0},
        "十户单元": {"created": 2, "updated": 0, "unchanged": 0},
        "调解员": {"created": 2, "updated": 0, "unchanged": 0},
    }
    with read_session(engine) as s:
        assert s.scalar(select(Village.code).where(Village.name == "东湖村")) == "QLZ-01"  # codes in capitals
        assert s.scalar(select(Village.party_secretary).where(Village.name == "东湖村")) == "王建国"
        mediators = {m.name: m for m in s.scalars(select(Mediator))}
        assert mediators["刘乡贤"].level == "village" and mediators["刘乡贤"].village_id is not None
        assert (mediators["赵司法"].level, mediators["赵司法"].employment, mediators["赵司法"].active) == (
            "township",
            "full",
            True,
        )
    audits = _count(engine, AuditLog)
    again = base.run(engine, admin, org, content, township_id=t)
    assert again.ok and all(c["created"] == c["updated"] == 0 for c in again.counts.values())
    assert _count(engine, AuditLog) == audits + 1  # the summary of the run only
    assert _count(engine, AuditLog, AuditLog.action == "import.org") == 2


def test_a_changed_row_updates_its_record_with_an_audit_record(town):
    engine, admin, t = town
    assert base.run(engine, admin, org, _workbook(GOOD), township_id=t).ok
    changed = {**GOOD, "网格": [["QLZ-01-G01", "东湖村一网格", "农村网格", "QLZ-01", "一组、二组"]]}
    report = base.run(engine, admin, org, _workbook(changed), township_id=t)
    assert report.counts["网格"] == {"created": 0, "updated": 1, "unchanged": 0}
    with read_session(engine) as s:
        grid = s.scalar(select(Grid).where(Grid.code == "QLZ-01-G01"))
        assert grid.name == "东湖村一网格" and grid.version > 1
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "grid.import").order_by(AuditLog.id.desc()).limit(1))
        assert entry.before == {"name": "东湖村第一网格"} and entry.after == {"name": "东湖村一网格"}


def test_bad_rows_write_nothing_and_every_one_is_named(town):
    engine, admin, t = town
    bad = {
        "村（社区）": [
            ["QLZ-01", "东湖村", "村", None],
            ["QLZ 02", "幸福社区", "社区", None],
            ["QLZ-01", "东湖村", "行政村", None],
        ],
        "网格": [["QLZ-01-G01", "", "农村网格", "QLZ-09", None]],
        "十户单元": [["QLZ-01-G09", "一组第1十户", "110101199003071234"]],
        "调解员": [["钱调解", "村级调解员", None, None, None, None, None, "nobody"]],
    }
    report = base.run(engine, admin, org, _workbook(bad), township_id=t)
    assert not report.ok
    found = {(e.sheet, e.row, e.column) for e in report.errors}
    assert found >= {
        ("村（社区）", 4, "类型"),
        ("村（社区）", 5, "村（社区）编码"),
        ("村（社区）", 6, None),
        ("网格", 4, "网格名称"),
        ("网格", 4, "所属村（社区）编码"),
        ("十户单元", 4, "所属网格编码"),
        ("调解员", 4, "所属村（社区）编码"),
        ("调解员", 4, "登录账号"),
    }
    assert all("\u3002" in e.message or e.message.endswith("）") for e in report.errors)  # sentences, in Chinese
    assert (
        _count(engine, Village) == 0
        and _count(engine, Grid) == 0
        and _count(engine, AuditLog, AuditLog.action.like("%import%")) == 0
    )
    errors = load_workbook(io.BytesIO(base.errors_workbook(org.SPEC, report)))
    rows = list(errors["村（社区）"].iter_rows(values_only=True))
    assert rows[0][:2] == ("错误说明", "原行号")
    assert "不是可选值" in rows[1][0] and rows[1][1] == 4 and "重复" in rows[3][0]


def test_codes_are_the_countys_and_the_file_is_the_importers_township(town):
    engine, admin, t = town
    other = setup.create_township(engine, admin, code="BYZ", name="白云镇", county="示范县")
    assert base.run(engine, admin, org, _workbook(GOOD), township_id=other).ok
    report = base.run(engine, admin, org, _workbook(GOOD), township_id=t)
    assert not report.ok and any("已被其他乡镇使用" in e.message for e in report.errors)
    with pytest.raises(ValidationError, match="请先选择"):
        base.run(engine, admin, org, _workbook(GOOD))  # a county account names the township
    township_admin = admin.__class__(user_id=admin.user_id, username="t", role="admin", township_id=t)
    with pytest.raises(PermissionDenied):
        base.run(engine, township_admin, org, _workbook(GOOD), township_id=other)
    reception = admin.__class__(user_id=admin.user_id, username="r", role="reception", township_id=t)
    with pytest.raises(PermissionDenied):
        base.run(engine, reception, org, _workbook(GOOD), township_id=t)


def test_a_file_that_is_not_the_template_is_refused_whole(town):
    engine, admin, t = town
    report = base.run(engine, admin, org, b"not a workbook", township_id=t)
    assert not report.ok and "无法读取" in report.errors[0].message
    wb = load_workbook(io.BytesIO(_workbook(GOOD)))
    wb["网格"].delete_cols(4)
    out = io.BytesIO()
    wb.save(out)
    report = base.run(engine, admin, org, out.getvalue(), township_id=t)
    assert [(e.sheet, e.row) for e in report.errors] == [("网格", 1)] and "所属村（社区）编码" in report.errors[
        0
    ].message
    assert _count(engine, Village) == 0


def test_the_command_line_writes_the_template_and_imports(town, tmp_path, monkeypatch, capsys):
    engine, _, t = town
    monkeypatch.setattr(cli, "get_engine", lambda settings: engine)
    assert cli.main(["template", "org", "--out", str(tmp_path / "t.xlsx"), "--township", "qlz"]) == 0
    wb = load_workbook(tmp_path / "t.xlsx")
    for sheet, rows in GOOD.items():
        for row in rows:
            wb[sheet].append(row)
    wb["十户单元"].append(["QLZ-01-G01", "一组第3十户", "110101199003071234"])  # no such resident yet
    wb.save(tmp_path / "bad.xlsx")
    assert (
        cli.main(
            [
                "import",
                "org",
                str(tmp_path / "bad.xlsx"),
                "--township",
                "QLZ",
                "--errors",
                str(tmp_path / "errors.xlsx"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "「十户单元」第6行「十户长身份证号」" in err and "未导入任何数据" in err
    assert (tmp_path / "errors.xlsx").exists() and _count(engine, Village) == 0
    wb["十户单元"].delete_rows(6)
    wb.save(tmp_path / "good.xlsx")
    assert cli.main(["import", "org", str(tmp_path / "good.xlsx"), "--township", "QLZ"]) == 0
    assert "十户单元新增2" in capsys.readouterr().out
    assert _count(engine, TenHouseholdUnit) == 2
    assert cli.main(["import", "org", str(tmp_path / "good.xlsx")]) == 2  # a county run names its township
    assert "请先选择导入到哪个乡镇" in capsys.readouterr().err
    assert cli.main(["import", "nothing", str(tmp_path / "good.xlsx")]) == 2


def test_a_grid_worker_or_mediator_account_is_the_person_of_its_roster_record(town):
    """An account made on 用户与角色 for a grid worker (or a mediator) is tied to their roster
    record, as grid events and the grid worker's home read it (GridStaff.user_id); one record,
    one active account; the link goes when the role changes."""
    from db.models import GridStaff
    from db.services import users

    engine, admin, t = town
    assert base.run(engine, admin, org, _workbook(GOOD), township_id=t).ok
    with read_session(engine) as s:
        grid = s.scalar(select(Grid.id).where(Grid.code == "QLZ-01-G01"))
    from db.engine import write_session

    with write_session(engine) as s:
        s.add(
            GridStaff(
                grid_id=grid,
                name="周网格",
                phone="13700000090",
                id_number="410726199001010906",
                staff_role="worker",
                employment="full",
                active=True,
            )
        )
    people = users.linkable_people(engine, admin)
    staff_key = next(k for k, v in people.items() if "周网格" in v)
    mediator_key = next(k for k, v in people.items() if "刘乡贤" in v)
    assert (
        people[staff_key] == "网格员 · 周网格（东湖村第一网格）" and people[mediator_key] == "调解员 · 刘乡贤（东湖村）"
    )

    with pytest.raises(ValidationError, match="只有网格员账号对应网格员"):
        users.create_user(
            engine,
            admin,
            username="zhou",
            display_name="周网格",
            role="reception",
            password="Passw0rd!",
            township_id=t,
            person=staff_key,
        )
    uid = users.create_user(
        engine,
        admin,
        username="zhou",
        display_name="周网格",
        role="grid",
        password="Passw0rd!",
        township_id=t,
        person=staff_key,
    )
    with read_session(engine) as s:
        assert s.scalar(select(GridStaff.user_id)) == uid
        assert users.linked_person(s, uid) == staff_key
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "user.create").order_by(AuditLog.id.desc()))
        assert entry.after["person"] == "网格员周网格"
    with pytest.raises(ValidationError, match="已对应账号“zhou”"):
        users.create_user(
            engine,
            admin,
            username="zhou2",
            display_name="周网格",
            role="grid",
            password="Passw0rd!",
            township_id=t,
            person=staff_key,
        )
    row = next(r for r in users.list_users(engine, admin) if r["id"] == uid)
    assert row["person"] == staff_key
    users.update_user(
        engine,
        admin,
        uid,
        row["version"],
        display_name="周网格",
        role="grid",
        platform_id=None,
        village_id=None,
        active=True,
    )  # the link is kept when not named
    with read_session(engine) as s:
        assert users.linked_person(s, uid) == staff_key
        version = s.scalar(select(func.max(AuditLog.id)))
    row = next(r for r in users.list_users(engine, admin) if r["id"] == uid)
    users.update_user(
        engine,
        admin,
        uid,
        row["version"],
        display_name="周网格",
        role="reception",
        platform_id=None,
        village_id=None,
        active=True,
        person=staff_key,
    )
    with read_session(engine) as s:
        assert users.linked_person(s, uid) is None and s.scalar(select(GridStaff.user_id)) is None
        assert s.scalar(select(func.max(AuditLog.id))) > version
