"""The platform pages under AppTest: every platform account's desk and records, admin acting for
a platform, a case opened by number, and the summary for each role that may open it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from components.ui import esc
from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import Platform, User
from db.models.platforms import PlatformCase
from db.services.users import actor_of
from tests.factories.pages import run_via_app

RECORD_TABS = {
    "zongzhi": "综治业务台账",
    "shichang": "市场监管业务台账",
    "zhifa": "综合执法业务台账",
    "bianmin": "便民服务业务台账",
}


def _actor(username: str):
    with read_session(get_engine(load_settings())) as s:
        return actor_of(s.scalar(select(User).where(User.username == username)))


@pytest.mark.parametrize("username", list(RECORD_TABS))
def test_each_platform_account_sees_its_own_desk(demo_db, username):  # noqa: F811
    at = run_via_app("pages/platform_desk.py", _actor(username))
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["平台工作台"]
    view = at.segmented_control(key=f"pl_view_{username}")
    assert RECORD_TABS[username] in view.options
    view.set_value(RECORD_TABS[username]).run()  # the platform's own records render too
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.table) >= 1
    assert [m.label for m in at.metric][:2] == ["待接收推送", "在办案件"]
    assert any(
        username_platform in md.value
        for md in at.markdown
        for username_platform in (RECORD_TABS[username].replace("业务台账", ""),)
    )


def test_admin_acts_for_a_chosen_platform(demo_db):  # noqa: F811
    at = run_via_app("pages/platform_desk.py", demo_db["admin"])
    assert not at.exception
    assert at.selectbox(key="pl_as").label == "以哪个平台的身份办理"


def test_case_opens_by_number_with_its_timeline(demo_db):  # noqa: F811
    with read_session(get_engine(load_settings())) as s:
        zz = _actor("zongzhi")
        town = s.get(Platform, zz.platform_id).township_id
        case = s.scalars(
            select(PlatformCase)
            .where(PlatformCase.township_id == town, PlatformCase.status == "closed")
            .order_by(PlatformCase.id)
        ).first()
    at = run_via_app("pages/platform_desk.py", _actor("zongzhi"))
    at.query_params["case"] = case.number
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(esc(case.number) in md.value for md in at.markdown)  # escaped user text
    assert any("处理时间线" in md.value for md in at.markdown)
    assert len(at.table) == 1 and at.table[0].value.shape[0] >= 2  # open … close


@pytest.mark.parametrize("role", ["admin", "leader", "platform", "demo"])
def test_summary_renders_for_every_role_that_may_open_it(demo_db, role):  # noqa: F811
    at = run_via_app("pages/platform_summary.py", demo_db[role])
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["四平台总览"]
    summary = at.table[0].value
    assert list(summary["平台"]) == ["综治平台", "市场监管平台", "综合执法平台", "便民服务平台"]
    assert int(summary["期间立案"].sum()) == int(summary["在办"].sum() + summary["已办结"].sum())


# --------------------------------------------------------------------------- review fixes


def _desk(username: str, view: str | None = None):
    at = run_via_app("pages/platform_desk.py", _actor(username))
    if view:
        at.segmented_control(key=f"pl_view_{username}").set_value(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _someone_else_saved() -> None:
    """Another session's save: its data.invalidate() clears the shared cache, so this
    session's next run reads the new version."""
    import streamlit as st

    st.cache_data.clear()


def _engine():
    return get_engine(load_settings())


def test_reinspection_sends_the_version_its_form_was_rendered_with(demo_db):  # noqa: F811
    from components.timefmt import today as today_local
    from db.models.platforms import Inspection
    from db.services import platforms as svc

    # a notice of its own, so the test does not depend on what the demo data has open today
    svc.record_inspection(
        _engine(),
        _actor("shichang"),
        business_name="测试复查便利店",
        address="镇东街8号",
        kind="routine",
        inspected_on=today_local(),
        finding="过期食品在售。",
        problem=True,
        rectify_days=3,
    )
    _someone_else_saved()  # a cached list from an earlier test must not hide the new notice
    at = _desk("shichang", RECORD_TABS["shichang"])
    ins_id = at.selectbox(key="pl_ins_pick").value
    with read_session(_engine()) as s:
        version = s.get(Inspection, ins_id).version
    svc.reinspect(
        _engine(),
        _actor("shichang"),
        ins_id,
        version,
        reinspected_on=today_local(),
        passed=False,
        note="仍未整改到位。",
        extra_days=5,
    )
    _someone_else_saved()
    _button(at, "保存复查").click().run()  # "整改到位，复查合格" on the stale form: refused
    assert not at.exception
    assert any("已被他人修改" in e.value for e in at.error), [e.value for e in at.error]
    with read_session(_engine()) as s:
        assert s.get(Inspection, ins_id).status == "rectifying"
    _button(at, "保存复查").click().run()  # the page reloaded: a retry saves
    assert not at.error
    with read_session(_engine()) as s:
        assert s.get(Inspection, ins_id).status == "closed"


def test_service_item_edit_refuses_a_change_made_meanwhile(demo_db):  # noqa: F811
    from db.models.platforms import ServiceItem
    from db.services import platforms as svc

    at = _desk("bianmin", RECORD_TABS["bianmin"])
    at.segmented_control(key="pl_bm_view").set_value("服务事项目录").run()
    with read_session(_engine()) as s:
        item = s.scalars(select(ServiceItem).order_by(ServiceItem.code)).first()
    at.selectbox(key="pl_item_pick").set_value(item.id).run()
    svc.save_service_item(
        _engine(),
        _actor("bianmin"),
        item_id=item.id,
        version=item.version,
        code=item.code,
        name=item.name + "（他人修改）",
        agent_point_ok=item.agent_point_ok,
    )
    _someone_else_saved()
    at.text_input[[t.label for t in at.text_input].index("事项名称")].set_value(item.name + "（我的修改）")
    _button(at, "保存事项").click().run()
    assert any("已被他人修改" in e.value for e in at.error), [e.value for e in at.error]
    with read_session(_engine()) as s:
        assert s.get(ServiceItem, item.id).name == item.name + "（他人修改）"


def test_case_note_refuses_a_step_taken_meanwhile(demo_db):  # noqa: F811
    from db.services import platforms as svc

    zz = _actor("zongzhi")
    case = svc.open_case(
        _engine(),
        zz,
        lead_platform_id=zz.platform_id,
        title="页面测试案件",
        description="巡查发现东湖村路灯损坏。",
        source="patrol",
    )
    at = run_via_app("pages/platform_desk.py", zz)
    at.query_params["case"] = case["number"]
    at = at.run()
    svc.add_note(_engine(), zz, case["id"], case["version"], note="他人记录：已联系供电所。")
    _someone_else_saved()
    at.text_area(key=f"case_note_text_{case['id']}").set_value("我的记录：已现场查看。")
    _button(at, "办理记录").click().run()
    assert any("已被他人修改" in e.value for e in at.error), [e.value for e in at.error]
    with read_session(_engine()) as s:
        from db.models.platforms import PlatformCaseEvent

        notes = s.scalars(
            select(PlatformCaseEvent.note).where(
                PlatformCaseEvent.case_id == case["id"], PlatformCaseEvent.action == "note"
            )
        ).all()
    assert notes == ["他人记录：已联系供电所。"]


def test_zongzhi_record_view_stays_after_a_save(demo_db):  # noqa: F811
    at = _desk("zongzhi", RECORD_TABS["zongzhi"])
    at.segmented_control(key="pl_zz_view").set_value("流动人口登记").run()
    inputs = {t.label: t for t in at.text_input}
    inputs["姓名"].set_value("测试外来")
    inputs["户籍地（来源地）"].set_value("河南省周口市")
    inputs["现住址"].set_value("东湖村9组")
    _button(at, "保存登记").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.segmented_control(key="pl_zz_view").value == "流动人口登记"
    assert any("身份证号" in t.value.columns for t in at.table)  # still the floating-population list


def test_bianmin_record_view_stays_after_a_save(demo_db):  # noqa: F811
    at = _desk("bianmin", RECORD_TABS["bianmin"])
    at.segmented_control(key="pl_bm_view").set_value("服务事项目录").run()
    assert at.selectbox(key="pl_item_pick")
    _button(at, "保存事项").click().run()  # "新增事项" with no code: refused, the view stays
    assert at.segmented_control(key="pl_bm_view").value == "服务事项目录"
    assert any("编码" in t.value.columns for t in at.table)


def test_leader_case_timeline_in_summary_is_scrubbed(demo_db):  # noqa: F811
    from db.services import platforms as svc

    zz = _actor("zongzhi")
    case = svc.open_case(
        _engine(),
        zz,
        lead_platform_id=zz.platform_id,
        title="王先生13812345678反映路灯",
        description="王先生（电话13812345678）反映路灯损坏。",
        source="patrol",
    )
    svc.add_note(_engine(), zz, case["id"], case["version"], note="已回电13812345678。")
    _someone_else_saved()
    for role in ("leader", "demo"):
        at = run_via_app("pages/platform_summary.py", demo_db[role])
        at.selectbox(key="pls_bucket").set_value("open").run()
        while case["number"] not in at.selectbox(key="pls_pick").options:  # the page that lists the new case
            nxt = next(b for b in at.button if b.key.startswith("pls_page_") and b.key.endswith("_next"))
            assert not nxt.disabled, "the new case is on no page"
            nxt.click().run()
        titles = re.sub(r"\\(.)", r"\1", " ".join(at.table[-1].value["标题"]))  # the case list, as it reads
        assert "13812345678" not in titles and "138****5678" in titles
        at.selectbox(key="pls_pick").set_value(case["number"]).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = " ".join(m.value for m in at.markdown) + " ".join(
            " ".join(map(str, t.value.to_numpy().ravel())) for t in at.table
        )
        assert "处理时间线" in shown and "13812345678" not in shown and "138\\*\\*\\*\\*5678" in shown
