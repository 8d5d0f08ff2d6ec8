"""Go-live import of a township's own dispute ledger (矛盾纠纷台账, issue #19): imported cases are
the console's own (status machine, steps, follow-up, KPIs), keyed by the ledger's number,
refused whole with every bad cell named, idempotent on a second run."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db import scope
from db.engine import read_session, write_session
from db.errors import PermissionDenied
from db.models import AuditLog, Household, MediationCase, MediationParty, MediationStep, Mediator, Resident
from db.models.base import utcnow
from db.queries import mediation as mq
from db.rules.sla import local_to_utc, to_local
from db.rules.text import id_check_digit
from db.services import mediation as med
from db.services import setup
from db.services.imports import base, disputes
from tests.factories.accounts import account, first_admin

SHEET = disputes.LEDGER.name


def _id(first17: str) -> str:
    return first17 + id_check_digit(first17)


APPLICANT_ID = _id("41172619700101126")


def _today() -> date:
    return to_local(utcnow()).date()


def _ago(days: int) -> date:
    return _today() - timedelta(days=days)


@pytest.fixture
def town_of():
    def build(engine):
        county = first_admin(engine)
        t = setup.create_township(engine, county, code="QL", name="青龙镇", county="示范县")
        t2 = setup.create_township(engine, county, code="BH", name="白河镇", county="示范县")
        v1 = setup.create_village(engine, county, township_id=t, code="QL-01", name="东湖村")
        v2 = setup.create_village(engine, county, township_id=t, code="QL-02", name="西山社区", kind="community")
        v3 = setup.create_village(engine, county, township_id=t2, code="BH-01", name="北坡村")
        g1 = setup.create_grid(engine, county, village_id=v1, code="QL-01-G01", name="东湖一网格")
        setup.create_grid(engine, county, village_id=v2, code="QL-02-G01", name="西山一网格")
        admin = account(engine, county, "qladmin", "admin", "青龙镇管理员", township_id=t)
        with write_session(engine) as s:
            hh = Household(grid_id=g1, address="东湖村1组12号", head_name="张三", phone="13812345678")
            s.add(hh)
            s.flush()
            resident = Resident(
                household_id=hh.id,
                name="张三",
                gender="男",
                birth_year=1970,
                id_number=APPLICANT_ID,
                phone="13812345678",
            )
            village_med = Mediator(township_id=t, village_id=v1, name="李调解", level="village", speciality="乡贤")
            town_med = Mediator(township_id=t, name="王法官", level="township", speciality="法律顾问")
            retired = Mediator(township_id=t, name="赵退休", level="township", active=False)
            s.add_all([resident, village_med, town_med, retired])
            other = MediationCase(
                number="BH-2023-001",
                township_id=t2,
                village_id=v3,
                dispute_type="neighbour",
                title="北坡村邻里纠纷",
                summary="白河镇自己的案件。",
                source="walk_in",
                reported_at=utcnow(),
                last_progress_at=utcnow(),
            )
            s.add(other)
            s.flush()
            ids = dict(resident=resident.id, village_med=village_med.id, town_med=town_med.id)
        return dict(
            engine=engine,
            county=county,
            admin=admin,
            t=t,
            t2=t2,
            v1=v1,
            v2=v2,
            g1=g1,
            scoped=scope.scoped(engine, t),
            **ids,
        )

    return build


@pytest.fixture
def town(sqlite_engine, town_of):
    return town_of(sqlite_engine)


def _row(number: str, status: str = "调解中", **cells) -> dict:
    row = {
        "台账编号": number,
        "登记日期": _ago(200),
        "所属村（社区）": "东湖村",
        "所属网格编码": "QL-01-G01",
        "纠纷类型": "邻里纠纷",
        "标题": f"东湖村张某与李某排水沟纠纷{number}",
        "简要情况": "因排水沟堵塞积水，双方多次争吵。",
        "风险等级": "蓝色",
        "申请人姓名": "张三",
        "申请人电话": "13812345678",
        "申请人身份证号": APPLICANT_ID,
        "被申请人姓名": "李四",
        "状态": status,
    }
    row.update(cells)
    return row


GOOD = [
    _row("QL-2023-001", "待调解"),
    _row(
        "QL-2023-002",
        "调解中",
        调解进度="乡贤参调",
        调解员="李调解",
        风险等级="黄",
        **{"调解结果（协议内容）": "双方分歧较大，约定下周再谈。"},
    ),
    _row(
        "QL-2023-003",
        "调解成功",
        调解员="王法官",
        结案日期=None,
        **{"调解结果（协议内容）": "李四一周内疏通排水沟，张三不再追究。"},
    ),
    _row(
        "2023-004",
        "已销号",
        所属网格编码=None,
        纠纷类型="宅基地纠纷",
        **{"所属村（社区）": "QL-02", "调解结果（协议内容）": "双方按原界址砌墙，各付一半费用。"},
    ),
    _row("QL-2023-005", "已诉讼", 风险等级="红色", **{"调解结果（协议内容）": "当事人已向法院起诉。"}),
    _row(
        "QL-2023-006",
        "调解中",
        类别="隐患",
        申请人姓名=None,
        申请人电话=None,
        申请人身份证号=None,
        被申请人姓名=None,
        风险等级="红",
        调处层级="乡级",
        标题="东湖村后山土地纠纷隐患",
    ),
    _row("QL-2023-007", "已升级", 纠纷类型="劳资纠纷", 风险等级="黄色"),
]


def _good_rows() -> list[dict]:
    rows = [dict(r) for r in GOOD]
    rows[2]["结案日期"] = _ago(40)
    rows[3]["结案日期"] = _ago(100).isoformat()
    return rows


def _file(rows: list[dict], keep_template_rows: bool = True) -> bytes:
    wb = load_workbook(io.BytesIO(base.template_bytes(disputes.SPEC)))
    ws = wb[SHEET]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    if not keep_template_rows:
        ws.delete_rows(2, 2)
    for r in rows:
        ws.append([r.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _run(town: dict, rows: list[dict], actor=None, **kw) -> base.ImportReport:
    return base.run(town["scoped"], actor or town["admin"], disputes, _file(rows, **kw), file_name="纠纷台账.xlsx")


def _cases(town: dict) -> dict[str, MediationCase]:
    with read_session(town["scoped"]) as s:
        return {c.number: c for c in s.scalars(select(MediationCase).where(MediationCase.township_id == town["t"]))}


def _audits(town: dict) -> int:
    with read_session(town["engine"]) as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


def _problems(report: base.ImportReport) -> set[tuple[int, str | None]]:
    return {(e.row, e.column) for e in report.errors}


# --------------------------------------------------------------------------- a good file


def test_a_good_ledger_becomes_console_cases(town):
    report = _run(town, _good_rows())
    assert report.ok, report.errors
    assert report.counts == {SHEET: {"created": 7, "updated": 0, "unchanged": 0}}
    cases = _cases(town)
    assert set(cases) == {r["台账编号"] for r in GOOD}

    waiting = cases["QL-2023-001"]
    assert (waiting.status, waiting.current_step, waiting.source, waiting.level) == ("open", 0, "walk_in", "village")
    assert waiting.grid_id == town["g1"] and to_local(waiting.reported_at).date() == _ago(200)

    mediating = cases["QL-2023-002"]
    assert (mediating.status, mediating.current_step, mediating.risk_colour) == ("mediating", 2, "yellow")
    assert mediating.mediator_id == town["village_med"]
    agreed = cases["QL-2023-003"]
    assert agreed.status == "agreed" and to_local(agreed.agreed_at).date() == _ago(40)
    assert agreed.followup_due_on == _ago(40) + timedelta(days=30)
    assert agreed.agreement_text.startswith("李四一周内")
    closed = cases["2023-004"]
    assert (closed.status, closed.village_id, closed.dispute_type) == ("closed", town["v2"], "homestead")
    assert to_local(closed.closed_at).date() == _ago(100) and closed.agreement_text and closed.outcome
    assert (cases["QL-2023-005"].status, cases["QL-2023-005"].outcome) == ("litigation", "当事人已向法院起诉。")
    hazard = cases["QL-2023-006"]
    assert (hazard.kind, hazard.level, hazard.risk_colour) == ("hazard", "township", "red")
    assert (cases["QL-2023-007"].status, cases["QL-2023-007"].level) == ("mediating", "township")

    with read_session(town["scoped"]) as s:
        parties = s.scalars(
            select(MediationParty).where(MediationParty.case_id == waiting.id).order_by(MediationParty.side)
        ).all()
        assert [(p.side, p.name, p.resident_id) for p in parties] == [
            ("applicant", "张三", town["resident"]),
            ("respondent", "李四", None),
        ]
        assert not s.scalar(select(func.count()).select_from(MediationParty).where(MediationParty.case_id == hazard.id))
        # the case file shows the import as the history of a case already mediated; none before its first step
        detail = mq.case_detail(s, town["admin"], mediating.id, utcnow())
        assert [(st["step_no"], st["step"], st["outcome"]) for st in detail["steps"]] == [(2, "乡贤参调", "continue")]
        assert "据原台账导入" in detail["steps"][0]["notes"] and "约定下周再谈" in detail["steps"][0]["notes"]
        assert detail["steps"][0]["participants"] == "调解员李调解"
        assert detail["next_step"] == 3
        assert mq.case_detail(s, town["admin"], agreed.id, utcnow())["steps"][0]["outcome"] == "agreed"
        assert mq.case_detail(s, town["admin"], waiting.id, utcnow())["steps"] == []
        # the ledger, the follow-up list and the KPIs count them like the console's own
        total, rows = mq.ledger_page(s, mq.LedgerFilter(), town["admin"], utcnow())
        assert total == 7 and {r["number"] for r in rows} == set(cases)
        _, due = mq.ledger_page(s, mq.LedgerFilter(followup_due=True), town["admin"], utcnow())
        assert [r["number"] for r in due] == ["QL-2023-003"]
        since = local_to_utc(datetime.combine(_ago(400), time()))
        stats = mq.resolution_stats(s, since, utcnow() + timedelta(days=1))[0]
        assert (stats["n"], stats["resolved"], stats["resolved_in_village"]) == (6, 2, 2)

    # the same file again: nothing changes, only the run's own summary is recorded
    before = _audits(town)
    again = _run(town, _good_rows())
    assert again.ok and again.counts == {SHEET: {"created": 0, "updated": 0, "unchanged": 7}}
    assert _audits(town) == before + 1
    assert {n: c.version for n, c in _cases(town).items()} == dict.fromkeys(cases, 1)


def test_a_changed_row_updates_its_case_only(town):
    assert _run(town, _good_rows()).ok
    rows = _good_rows()
    rows[1]["标题"] = "东湖村张某与李某排水沟纠纷（更正）"
    rows[1]["申请人电话"] = "13900001111"
    rows[0].update({"状态": "调解中"})  # mediation has begun since the ledger was first brought in
    report = _run(town, rows)
    assert report.ok, report.errors
    assert report.counts == {SHEET: {"created": 0, "updated": 2, "unchanged": 5}}
    cases = _cases(town)
    assert cases["QL-2023-002"].title.endswith("（更正）") and cases["QL-2023-002"].version == 2
    assert (cases["QL-2023-001"].status, cases["QL-2023-001"].current_step) == ("mediating", 1)
    with read_session(town["scoped"]) as s:
        phones = s.scalars(
            select(MediationParty.phone).where(
                MediationParty.case_id == cases["QL-2023-002"].id, MediationParty.side == "applicant"
            )
        ).all()
        assert phones == ["13900001111"]
        assert (
            s.scalar(
                select(func.count()).select_from(MediationStep).where(MediationStep.case_id == cases["QL-2023-001"].id)
            )
            == 1
        )
        log = s.scalars(
            select(AuditLog)
            .where(AuditLog.action == "mediation_case.import", AuditLog.entity_id == str(cases["QL-2023-002"].id))
            .order_by(AuditLog.id)
        ).all()
        assert log[-1].before["title"].endswith("纠纷QL-2023-002") and log[-1].after["parties"] == 2


def test_a_case_handled_in_the_console_is_not_written_over(town):
    assert _run(town, _good_rows()).ok
    case = _cases(town)["QL-2023-002"]
    # the console continues where the ledger left off: the next step is the third
    med.record_step(
        town["scoped"],
        town["admin"],
        case.id,
        case.version,
        step_no=3,
        held_on=_today(),
        participants="法律顾问王法官",
        notes="释明相关法律规定，双方态度缓和。",
        risk_colour="blue",
    )
    report = _run(town, _good_rows())
    assert not report.ok
    assert [(e.row, "已在系统中办理" in e.message) for e in report.errors] == [(5, True)]
    assert _cases(town)["QL-2023-002"].current_step == 3
    rows = [r for r in _good_rows() if r["台账编号"] != "QL-2023-002"]
    again = _run(town, rows)
    assert again.ok and again.counts == {SHEET: {"created": 0, "updated": 0, "unchanged": 6}}


def test_a_ledger_s_own_wordings_are_read(town):
    reported, closed = _ago(90), _ago(30)
    rows = [
        _row(
            2023015,
            "已结案",
            登记日期=f"{reported:%Y年%-m月%-d日}",
            结案日期=f"{closed:%Y/%m/%d}",
            调解进度=3,
            类别="纠纷",
            风险等级="红",
            纠纷类型="土地纠纷",
            **{"调解结果（协议内容）": "双方重新勘定界址，立桩为界。"},
        ),
        _row("ｑｌ－２０２３－１６", "已升级", 调解进度="第4步", 被申请人姓名=None, 申请人电话="0371-6123 4567"),
    ]
    report = _run(town, rows)
    assert report.ok, report.errors
    cases = _cases(town)
    first, second = cases["2023015"], cases["QL-2023-16"]
    assert (first.status, first.current_step, first.kind, first.risk_colour, first.dispute_type) == (
        "closed",
        3,
        "dispute",
        "red",
        "land_boundary",
    )
    assert to_local(first.reported_at).date() == reported and to_local(first.closed_at).date() == closed
    assert (second.status, second.level, second.current_step) == ("mediating", "township", 4)
    with read_session(town["scoped"]) as s:
        assert s.scalars(select(MediationParty.phone).where(MediationParty.case_id == second.id)).all() == [
            "0371-61234567"
        ]


# --------------------------------------------------------------------------- a bad file


def test_every_bad_row_is_named_and_nothing_is_written(town):
    before = _audits(town)
    bad = [
        _row("QL-B-01", 登记日期=_today() + timedelta(days=3)),  # row 4
        _row("QL-B-02", **{"所属村（社区）": "不存在村"}),  # 5
        _row("QL-B-03", 所属网格编码="QL-02-G01"),  # 6
        _row("QL-B-04", 纠纷类型="吵架"),  # 7
        _row("QL-B-05", 调解员="孙新人"),  # 8
        _row("QL-B-06", "已诉讼", 结案日期=_ago(300), **{"调解结果（协议内容）": "已向法院起诉。"}),  # 9
        _row("QL-B-07", "已销号", **{"调解结果（协议内容）": "双方和解，已履行。"}),  # 10
        _row("BH-2023-001"),  # 11
        _row("TJ-2026-000001"),  # 12
        _row("QL-B-02", 标题="另一件同号的纠纷"),  # 13
        _row("QL-B-14", 申请人电话="12345"),  # 14
        _row("QL-B-15", 申请人身份证号="123456789012345678"),  # 15
        _row("QL-B-16", 申请人姓名=None, 申请人电话=None, 申请人身份证号=None),  # 16
        _row("QL-B-17", 标题="短"),  # 17
        _row("QL-B-18", 风险等级="紫色"),  # 18
        _row("QL-B-19", "调解失败"),  # 19
        _row("QL-B-20", 来源="工单转入"),  # 20
        _row("QL-B-21", "待调解", 调解进度="网格员初调"),  # 21
        _row("QL-B-22", 调解员="赵退休"),  # 22
        _row("QL-B-23", "调解中", 调解进度="法律顾问释法", 结案日期=_ago(5)),  # 23
        _row("QL-2023-024"),  # 24: a good row
    ]
    report = _run(town, bad)
    assert not report.ok and report.counts == {}
    assert _problems(report) == {
        (4, "登记日期"),
        (5, "所属村（社区）"),
        (6, "所属网格编码"),
        (7, "纠纷类型"),
        (8, "调解员"),
        (9, "结案日期"),
        (10, "结案日期"),
        (11, "台账编号"),
        (12, "台账编号"),
        (13, None),
        (14, "申请人电话"),
        (15, "申请人身份证号"),
        (16, "申请人姓名"),
        (17, "标题"),
        (18, "风险等级"),
        (19, "状态"),
        (20, "来源"),
        (21, "调解进度"),
        (22, "调解员"),
        (23, "结案日期"),
    }
    said = {(e.row, e.column): e.message for e in report.errors}
    assert "请先将其登记到本乡镇的调解员名册" in said[(8, "调解员")]
    assert "早于登记日期" in said[(9, "结案日期")]
    assert "其他乡镇" in said[(11, "台账编号")]
    assert "与第5行重复" in said[(13, None)]
    assert "已停用" in said[(22, "调解员")]
    assert _cases(town) == {} and _audits(town) == before
    # the errors workbook marks them beside the rows
    marked = load_workbook(io.BytesIO(base.errors_workbook(disputes.SPEC, report)))[SHEET]
    assert sum(1 for r in marked.iter_rows(min_row=2, values_only=True) if r[0]) == 20


def test_the_template_rows_are_skipped_and_a_village_account_may_not_import(town):
    only_template = _run(town, [])
    assert only_template.ok and _cases(town) == {}
    report = _run(town, [_row("QL-2023-001")], keep_template_rows=False)
    assert report.ok and report.counts[SHEET]["created"] == 1
    village_mediator = account(
        town["engine"], town["county"], "dhmed", "mediator", "东湖调解员", township_id=town["t"], village_id=town["v1"]
    )
    with pytest.raises(PermissionDenied):
        _run(town, [_row("QL-2023-002")], actor=village_mediator)
    grid_worker = account(town["engine"], town["county"], "dhgrid", "grid", "东湖网格员", township_id=town["t"])
    with pytest.raises(PermissionDenied):
        _run(town, [_row("QL-2023-002")], actor=grid_worker)
    assert set(_cases(town)) == {"QL-2023-001"}


# --------------------------------------------------------------------------- both backends


def test_import_and_reimport_on_both_backends(engine, town_of):
    town = town_of(engine)
    report = _run(town, _good_rows())
    assert report.ok, report.errors
    assert report.counts[SHEET]["created"] == 7
    again = _run(town, _good_rows())
    assert again.counts == {SHEET: {"created": 0, "updated": 0, "unchanged": 7}}
    with read_session(town["scoped"]) as s:
        assert s.scalar(select(func.count()).select_from(MediationStep)) == 6  # every case but the one 待调解
        assert mq.ledger_count(s, mq.LedgerFilter(), utcnow()) == 7
