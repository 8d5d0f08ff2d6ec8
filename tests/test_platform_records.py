"""Each platform's own records on SQLite and PostgreSQL, and the printable notice."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from docx import Document
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import ConflictError, PermissionDenied, ValidationError
from db.models import AuditLog
from db.models.platforms import (
    EnforcementReport,
    FloatingResident,
    Inspection,
    PlatformCase,
    ServiceItem,
    VillageReportCheck,
)
from db.permissions import Actor
from db.services import platform_docs, platforms, users
from tests.factories import office
from tests.factories.platforms import PW, T0, build_pworld

TODAY = date(2025, 3, 3)


@pytest.fixture
def w(engine):
    world = build_pworld(engine)
    world.bianmin = Actor(
        users.create_user(
            engine,
            world.admin,
            username="bmofficer",
            display_name="郑便民",
            role="platform",
            password=PW,
            platform_id=world.p["bianmin"],
        ),
        "bmofficer",
        "platform",
        "郑便民",
        platform_id=world.p["bianmin"],
    )
    return world


def audits(engine, action) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_inspection_with_problem_issues_numbered_notice_and_reinspection_closes(w):
    e = w.engine
    ok = platforms.record_inspection(
        e, w.shichang, business_name="东湖超市", address="东湖村1组", kind="random", inspected_on=TODAY, now=T0
    )
    assert ok["notice_number"] is None
    r = platforms.record_inspection(
        e,
        w.shichang,
        business_name="张记饭店",
        address="东湖村2组",
        kind="routine",
        inspected_on=TODAY,
        finding="后厨无防蝇设施",
        problem=True,
        rectify_days=7,
        now=T0,
    )
    assert r["notice_number"] == "ZG-2025-000001"
    with read_session(e) as s:
        ins = s.get(Inspection, r["id"])
        assert (ins.status, ins.rectify_by) == ("rectifying", TODAY + timedelta(days=7))
    with pytest.raises(ValidationError) as exc:  # not passed needs a new deadline
        platforms.reinspect(e, w.shichang, r["id"], 1, reinspected_on=TODAY, passed=False, note="仍未整改", now=T0)
    assert exc.value.field == "extra_days"
    with pytest.raises(PermissionDenied):  # 综治 cannot re-inspect
        platforms.reinspect(e, w.zongzhi, r["id"], 1, reinspected_on=TODAY, passed=True, now=T0)
    r2 = platforms.reinspect(e, w.shichang, r["id"], 1, reinspected_on=TODAY, passed=True, now=T0)
    assert r2["status"] == "closed"
    with pytest.raises(ConflictError):
        platforms.reinspect(e, w.shichang, r["id"], 1, reinspected_on=TODAY, passed=True, now=T0)
    assert audits(e, "inspection.reinspect") == 1


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(business_name=" "), "business_name"),
        (dict(kind="x"), "kind"),
        (dict(inspected_on=TODAY + timedelta(days=1)), "inspected_on"),
        (dict(problem=True, finding=""), "finding"),
        (dict(problem=True, rectify_days=0), "rectify_days"),
        (dict(problem=True, rectify_days=True), "rectify_days"),
    ],
)
def test_inspection_bad_input_writes_nothing(w, kw, field):
    base = dict(
        business_name="张记饭店",
        address="东湖村2组",
        kind="routine",
        inspected_on=TODAY,
        finding="无证经营",
        rectify_days=7,
    )
    base.update(kw)
    with pytest.raises(ValidationError) as exc:
        platforms.record_inspection(w.engine, w.shichang, now=T0, **base)
    assert exc.value.field == field
    with read_session(w.engine) as s:
        assert s.scalar(select(func.count()).select_from(Inspection)) == 0


def test_notice_docx_has_number_and_eastasian_font_and_print_is_audited(w):
    r = platforms.record_inspection(
        w.engine,
        w.shichang,
        business_name="张记饭店",
        address="东湖村2组",
        kind="routine",
        inspected_on=TODAY,
        finding="后厨无防蝇设施",
        problem=True,
        rectify_days=10,
        now=T0,
    )
    name, data = platform_docs.notice_docx(w.engine, w.shichang, r["id"])
    assert name.endswith(".docx") and r["notice_number"] in name
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "责令限期整改通知书" in text and "张记饭店" in text and "2025年3月13日前整改完毕" in text
    assert 'w:eastAsia="宋体"' in doc.paragraphs[3]._element.xml
    assert audits(w.engine, "inspection.print_notice") == 1
    with pytest.raises(PermissionDenied):
        platform_docs.notice_docx(w.engine, w.demo, r["id"])


def test_notice_opens_in_libreoffice(tmp_path, sqlite_engine):
    data = platform_docs.build_notice(
        township="青龙镇",
        notice_number="ZG-2025-000001",
        business_name="张记饭店",
        address="东湖村2组",
        inspected_on=TODAY,
        finding="后厨无防蝇设施",
        rectify_by=TODAY + timedelta(days=7),
    )
    office.opens(tmp_path, "notice.docx", data)


def test_enforcement_arrival_is_checked_against_report_and_now(w):
    e = w.engine
    rep = platforms.record_enforcement(
        e, w.zhifa, kind="road", address="东湖村集贸路口", reported_at=T0 - timedelta(minutes=40), now=T0
    )
    with pytest.raises(ValidationError):
        platforms.record_arrival(e, w.zhifa, rep["id"], 1, arrived_at=T0 - timedelta(hours=1), now=T0)
    with pytest.raises(ValidationError):
        platforms.record_arrival(e, w.zhifa, rep["id"], 1, arrived_at=T0 + timedelta(hours=1), now=T0)
    with pytest.raises(PermissionDenied):
        platforms.record_arrival(e, w.shichang, rep["id"], 1, arrived_at=T0, now=T0)
    platforms.record_arrival(e, w.zhifa, rep["id"], 1, arrived_at=T0 - timedelta(minutes=15), now=T0)
    with read_session(e) as s:
        r = s.get(EnforcementReport, rep["id"])
        assert (r.arrived_at - r.reported_at) == timedelta(minutes=25)


def test_service_catalogue_and_requests(w):
    e = w.engine
    item = platforms.save_service_item(e, w.bianmin, code="FW001", name="社保卡补办", now=T0)
    with pytest.raises(ValidationError):  # duplicate code
        platforms.save_service_item(e, w.bianmin, code="FW001", name="另一项", now=T0)
    with pytest.raises(PermissionDenied):
        platforms.save_service_item(e, w.zhifa, code="FW002", name="x", now=T0)
    v = platforms.save_service_item(
        e, w.bianmin, item_id=item["id"], version=1, code="FW001", name="社保卡补办", agent_point_ok=False, now=T0
    )["version"]
    with pytest.raises(ConflictError):
        platforms.save_service_item(e, w.bianmin, item_id=item["id"], version=1, code="FW001", name="改名", now=T0)
    req = dict(item_id=item["id"], village_id=w.village, applicant_name="王大爷", applicant_phone="13812345678", now=T0)
    with pytest.raises(ValidationError) as exc:
        platforms.record_service_request(e, w.bianmin, channel="agent_point", **req)
    assert exc.value.field == "channel"
    with pytest.raises(ValidationError) as exc:  # door-to-door only for the elderly/disabled
        platforms.record_service_request(e, w.bianmin, channel="door", **req)
    assert exc.value.field == "channel"
    r = platforms.record_service_request(e, w.bianmin, channel="door", for_elderly_or_disabled=True, **req)
    platforms.complete_service_request(e, w.bianmin, r["id"], 1, now=T0)
    with read_session(e) as s:
        assert s.get(ServiceItem, item["id"]).version == v == 2


def test_zongzhi_records_screening_meeting_spawns_cases_and_floating(w):
    e = w.engine
    r = platforms.record_report_check(
        e,
        w.zongzhi,
        village_id=w.village,
        week_of=TODAY + timedelta(days=-1),
        reported=True,
        issues_found=2,
        issues="两处矛盾隐患",
        now=T0,
    )
    assert r["week_start"] == date(2025, 2, 24)  # the Monday of that week
    with pytest.raises(ValidationError):  # same village and week twice
        platforms.record_report_check(
            e, w.zongzhi, village_id=w.village, week_of=date(2025, 2, 26), reported=True, now=T0
        )
    with pytest.raises(ValidationError):  # a village of another township
        platforms.record_report_check(e, w.zongzhi, village_id=w.other_village, week_of=TODAY, reported=False, now=T0)
    m = platforms.record_meeting(
        e,
        w.zongzhi,
        held_on=TODAY,
        attendees="书记、各平台负责人",
        minutes="分析本月矛盾纠纷和安全隐患情况。",
        decisions="集中整治占道经营",
        assign=((w.p["zhifa"], "集中整治集贸路占道经营"),),
        now=T0,
    )
    assert len(m["cases"]) == 1
    with read_session(e) as s:
        case = s.scalars(select(PlatformCase)).one()
        assert (case.lead_platform_id, case.source, case.status, case.meeting_id) == (
            w.p["zhifa"],
            "meeting",
            "pending",
            m["id"],
        )
    with pytest.raises(ValidationError) as exc:
        platforms.register_floating(
            e,
            w.zongzhi,
            village_id=w.village,
            name="刘某",
            id_number="123",
            phone=None,
            origin="河南省信阳市",
            address="东湖村3组",
            registered_on=TODAY,
            now=T0,
        )
    assert exc.value.field == "id_number"
    f = platforms.register_floating(
        e,
        w.zongzhi,
        village_id=w.village,
        name="刘某",
        id_number="41150219900101127x",
        phone="13912345678",
        origin="河南省信阳市",
        address="东湖村3组",
        registered_on=TODAY,
        now=T0,
    )
    with pytest.raises(PermissionDenied):
        platforms.floating_left(e, w.shichang, f["id"], 1, left_on=TODAY, now=T0)
    platforms.floating_left(e, w.zongzhi, f["id"], 1, left_on=TODAY, now=T0)
    with read_session(e) as s:
        row = s.get(FloatingResident, f["id"])
        assert (row.id_number, row.left_on) == ("41150219900101127X", TODAY)
        assert s.scalar(select(func.count()).select_from(VillageReportCheck)) == 1
