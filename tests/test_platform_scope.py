"""Township scope of every platform write, the one-transaction patrol push, and rows the
migration could not place (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from db.engine import read_session, write_session
from db.errors import PermissionDenied, ValidationError
from db.models import AuditLog, Counter, Platform
from db.models.platforms import (
    AnalysisMeeting,
    EnforcementReport,
    FloatingResident,
    Handoff,
    Inspection,
    PlatformCase,
    PlatformCaseEvent,
    ServiceRequest,
)
from db.services import platform_docs, platforms
from tests.factories.platforms import T0, TODAY, build_scope_world


@pytest.fixture
def w(engine):
    return build_scope_world(engine)


def audit_count(engine, action: str | None = None) -> int:
    with read_session(engine) as s:
        stmt = select(func.count()).select_from(AuditLog)
        if action:
            stmt = stmt.where(AuditLog.action == action)
        return s.scalar(stmt)


def case_counts(engine) -> tuple:
    with read_session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(PlatformCase)),
            s.scalar(select(func.count()).select_from(PlatformCaseEvent)),
            s.scalar(select(func.count()).select_from(Handoff)),
            s.scalar(select(func.count()).select_from(AuditLog)),
            s.scalar(select(Counter.value).where(Counter.name == "PT")),
        )


# --------------------------------------------------------------------------- finding 3


def test_patrol_case_opened_and_pushed_in_one_transaction(w):
    e = w.engine
    r = platforms.open_patrol_case(
        e,
        w.zongzhi,
        platform_id=w.p["zongzhi"],
        title="集贸路占道经营",
        description="巡查发现集贸路两侧占道经营。",
        village_id=w.village,
        push_to_platform_id=w.p["zhifa"],
        push_reason="属综合执法职责",
        now=T0,
    )
    assert r["pushed"] is True and r["number"] == "PT-2025-000001"
    with read_session(e) as s:
        case = s.get(PlatformCase, r["id"])
        assert (case.status, case.lead_platform_id, case.version) == ("pushed", w.p["zongzhi"], r["version"])
        assert [
            ev.action
            for ev in s.scalars(
                select(PlatformCaseEvent).where(PlatformCaseEvent.case_id == case.id).order_by(PlatformCaseEvent.id)
            )
        ] == ["open", "push"]
        assert s.scalars(select(Handoff.to_platform_id)).all() == [w.p["zhifa"]]


def test_refused_push_of_a_patrol_case_leaves_nothing(w):
    e = w.engine
    before = case_counts(e)
    with pytest.raises(ValidationError) as exc:  # a platform of another township: the push fails
        platforms.open_patrol_case(
            e,
            w.zongzhi,
            platform_id=w.p["zongzhi"],
            title="集贸路占道经营",
            description="巡查发现集贸路两侧占道经营。",
            village_id=w.village,
            push_to_platform_id=w.other["zhifa"].platform_id,
            push_reason="属综合执法职责",
            now=T0,
        )
    assert exc.value.field == "to_platform_id"
    with pytest.raises(ValidationError) as exc:  # a push needs its reason
        platforms.open_patrol_case(
            e,
            w.zongzhi,
            platform_id=w.p["zongzhi"],
            title="集贸路占道经营",
            description="巡查发现集贸路两侧占道经营。",
            village_id=w.village,
            push_to_platform_id=w.p["zhifa"],
            push_reason="  ",
            now=T0,
        )
    assert exc.value.field == "text"
    assert case_counts(e) == before  # no case, no step, no hand-off, no audit, no number used


def test_patrol_case_for_another_platform_is_refused(w):
    with pytest.raises(PermissionDenied):
        platforms.open_patrol_case(
            w.engine,
            w.zongzhi,
            platform_id=w.p["zongzhi"],
            title="占道经营",
            description="巡查发现集贸路两侧占道经营。",
            as_platform_id=w.p["zhifa"],
            now=T0,
        )
    assert case_counts(w.engine)[0] == 0


# --------------------------------------------------------------------------- finding 4


def test_complete_service_request_refuses_another_township(w):
    e = w.engine
    item = platforms.save_service_item(e, w.bianmin, code="FW001", name="社保卡补办", now=T0)
    r = platforms.record_service_request(
        e,
        w.bianmin,
        item_id=item["id"],
        village_id=w.village,
        applicant_name="王大爷",
        applicant_phone=None,
        channel="window",
        now=T0,
    )
    n = audit_count(e)
    with pytest.raises(PermissionDenied) as exc:
        platforms.complete_service_request(e, w.other["bianmin"], r["id"], 1, now=T0)
    assert "乡镇" in exc.value.message
    assert audit_count(e) == n
    with read_session(e) as s:
        assert s.get(ServiceRequest, r["id"]).done_at is None
    platforms.complete_service_request(e, w.bianmin, r["id"], 1, now=T0)


def test_floating_left_refuses_another_township(w):
    e = w.engine
    f = platforms.register_floating(
        e,
        w.zongzhi,
        village_id=w.village,
        name="刘某",
        id_number=None,
        phone=None,
        origin="河南省信阳市",
        address="东湖村3组",
        registered_on=TODAY,
        now=T0,
    )
    with pytest.raises(PermissionDenied) as exc:
        platforms.floating_left(e, w.other["zongzhi"], f["id"], 1, left_on=TODAY, now=T0)
    assert "乡镇" in exc.value.message
    with read_session(e) as s:
        assert s.get(FloatingResident, f["id"]).left_on is None
    platforms.floating_left(e, w.zongzhi, f["id"], 1, left_on=TODAY, now=T0)


def test_notice_of_another_township_is_not_printed(w):
    e = w.engine
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
    with pytest.raises(PermissionDenied) as exc:
        platform_docs.notice_docx(e, w.other["shichang"], r["id"])
    assert "乡镇" in exc.value.message
    with pytest.raises(PermissionDenied):  # admin acting for a platform of the other township
        platform_docs.notice_docx(e, w.admin, r["id"], as_platform_id=w.other["shichang"].platform_id)
    assert audit_count(e, "inspection.print_notice") == 0
    platform_docs.notice_docx(e, w.shichang, r["id"])
    platform_docs.notice_docx(e, w.admin, r["id"], as_platform_id=w.p["shichang"])
    assert audit_count(e, "inspection.print_notice") == 2


def test_meeting_cannot_assign_a_platform_of_another_township(w):
    e = w.engine
    before = case_counts(e)
    with pytest.raises(PermissionDenied) as exc:
        platforms.record_meeting(
            e,
            w.zongzhi,
            held_on=TODAY,
            attendees="书记、各平台负责人",
            minutes="分析本月矛盾纠纷和安全隐患情况。",
            assign=((w.other["zhifa"].platform_id, "集中整治集贸路占道经营"),),
            now=T0,
        )
    assert "乡镇" in exc.value.message
    assert case_counts(e) == before
    with read_session(e) as s:  # the meeting itself was not saved either (one transaction)
        assert s.scalar(select(func.count()).select_from(AnalysisMeeting)) == 0


def test_open_case_in_meeting_source_stays_in_the_officers_township(w):
    with write_session(w.engine) as s:
        m = AnalysisMeeting(
            township_id=s.get(Platform, w.p["zongzhi"]).township_id,
            held_on=TODAY,
            attendees="书记",
            minutes="研判会议纪要。",
            version=1,
        )
        s.add(m)
        s.flush()
        with pytest.raises(PermissionDenied):
            platforms.open_case_in(
                s,
                w.zongzhi,
                lead_platform_id=w.other["zhifa"].platform_id,
                title="交办事项",
                description="研判会议交办：整治占道经营。",
                source="meeting",
                meeting_id=m.id,
                now=T0,
                action="platform.records",
            )
        case = platforms.open_case_in(
            s,
            w.zongzhi,
            lead_platform_id=w.p["zhifa"],
            title="交办事项",
            description="研判会议交办：整治占道经营。",
            source="meeting",
            meeting_id=m.id,
            now=T0,
            action="platform.records",
        )
        assert case.lead_platform_id == w.p["zhifa"]


def test_enforcement_links_only_cases_the_platform_leads_or_assists(w):
    e = w.engine
    kw = dict(kind="road", address="东湖村集贸路口", reported_at=T0 - timedelta(minutes=30), now=T0)
    other = platforms.open_case(
        e,
        w.shichang,
        lead_platform_id=w.p["shichang"],
        title="过期食品",
        description="巡查发现农贸市场销售过期食品。",
        source="patrol",
        now=T0,
    )
    n = audit_count(e, "enforcement.create")
    with pytest.raises(PermissionDenied) as exc:
        platforms.record_enforcement(e, w.zhifa, case_id=other["id"], **kw)
    assert "牵头或协办" in exc.value.message
    assert audit_count(e, "enforcement.create") == n
    joint = platforms.open_case(
        e,
        w.shichang,
        lead_platform_id=w.p["shichang"],
        title="占道经营",
        description="市场门口占道经营，联合执法。",
        source="patrol",
        assist_platform_ids=(w.p["zhifa"],),
        now=T0,
    )
    own = platforms.open_case(
        e,
        w.zhifa,
        lead_platform_id=w.p["zhifa"],
        title="违法建设",
        description="东湖村3组违法搭建彩钢棚。",
        source="patrol",
        now=T0,
    )
    platforms.record_enforcement(e, w.zhifa, case_id=joint["id"], **kw)
    platforms.record_enforcement(e, w.zhifa, case_id=own["id"], **kw)
    assert audit_count(e, "enforcement.create") == n + 2


# --------------------------------------------------------------------------- finding 5


def test_reinspect_refuses_unplaced_and_foreign_rows(w):
    e = w.engine
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
    with pytest.raises(PermissionDenied):  # another township's officer
        platforms.reinspect(e, w.other["shichang"], r["id"], 1, reinspected_on=TODAY, passed=True, now=T0)
    with write_session(e) as s:  # a row the migration could not place
        s.execute(update(Inspection).where(Inspection.id == r["id"]).values(township_id=None))
    with pytest.raises(PermissionDenied):
        platforms.reinspect(e, w.shichang, r["id"], 1, reinspected_on=TODAY, passed=True, now=T0)
    with read_session(e) as s:
        assert s.get(Inspection, r["id"]).status == "rectifying"
    with pytest.raises(PermissionDenied):
        platform_docs.notice_docx(e, w.shichang, r["id"])


def test_record_arrival_refuses_unplaced_and_foreign_rows(w):
    e = w.engine
    rep = platforms.record_enforcement(
        e, w.zhifa, kind="road", address="东湖村集贸路口", reported_at=T0 - timedelta(minutes=30), now=T0
    )
    with pytest.raises(PermissionDenied):
        platforms.record_arrival(e, w.other["zhifa"], rep["id"], 1, arrived_at=T0, now=T0)
    with write_session(e) as s:
        s.execute(update(EnforcementReport).where(EnforcementReport.id == rep["id"]).values(township_id=None))
    with pytest.raises(PermissionDenied):
        platforms.record_arrival(e, w.zhifa, rep["id"], 1, arrived_at=T0, now=T0)
    with read_session(e) as s:
        assert s.get(EnforcementReport, rep["id"]).arrived_at is None
