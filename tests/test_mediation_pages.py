"""The mediation page under AppTest: every view for every role that may open it, the case
deep link with its actions, and the views a role may not use are not offered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import MediationCase
from tests.factories.pages import ROOT, TIMEOUT, run_page

ROLES_OPEN = ["admin", "leader", "mediator", "grid", "demo"]
VIEWS = ["ledger", "screening", "visits", "kpi"]


# a view's date-dependent code (stale cases, step deadlines) runs the same for every role that
# opens it: one role per view runs again at the date-sensitive run's other moments (scripts/test.sh)
CASES = [
    pytest.param(role, view, id=f"{view}-{role}", marks=() if role == ROLES_OPEN[0] else pytest.mark.any_date)
    for view in VIEWS
    for role in ROLES_OPEN
]


@pytest.mark.parametrize("role,view", CASES)
def test_every_view_renders(demo_db, role, view):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages/mediation.py"), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db[role]
    at.session_state["med_view"] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "矛盾纠纷台账"
    if view == "ledger":
        assert any("共" in m.value and "件" in m.value for m in at.markdown)
    if view == "kpi":
        assert at.table  # the KPI tables


@pytest.mark.parametrize(
    "role,can_create,can_settings",
    [
        ("admin", True, True),
        ("mediator", True, False),
        ("grid", True, False),
        ("leader", False, False),
        ("demo", False, False),
    ],
)
def test_views_offered_per_role(demo_db, role, can_create, can_settings):
    at = run_page("pages/mediation.py", demo_db[role])
    options = at.button_group[0].options if at.button_group else []
    labels = [o.content if hasattr(o, "content") else str(o) for o in options]
    assert ("登记纠纷" in str(labels)) == can_create
    assert ("设置" in str(labels)) == can_settings


def _red_open_number() -> str:
    with read_session(get_engine(load_settings())) as s:
        return s.scalar(
            select(MediationCase.number)
            .where(MediationCase.status.in_(("open", "mediating")), MediationCase.risk_colour == "red")
            .order_by(MediationCase.id)
        )


@pytest.mark.parametrize("role", ROLES_OPEN)
def test_case_deep_link(demo_db, role):
    from streamlit.testing.v1 import AppTest

    number = _red_open_number()
    at = AppTest.from_file(str(ROOT / "pages/mediation.py"), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db[role]
    at.query_params["case"] = number
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(number in h.value for h in at.subheader)
    forms_shown = any("保存第" in b.label for b in at.button)
    assert forms_shown == (role in ("admin", "mediator"))  # only mediation.edit records steps
    printable = any("生成案卷" in b.label for b in at.button)
    assert printable == (role in ("admin", "leader", "mediator"))
    if role in ("leader", "demo"):
        table_text = " ".join(str(t.value) for t in at.table)
        assert "*" in table_text  # party names masked


# --------------------------------------------------------------------------- forms: versions, escaping, scope


from db.models import VillageScreening  # noqa: E402
from db.services import mediation as svc  # noqa: E402


def _engine():
    return get_engine(load_settings())


def _app(actor, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages/mediation.py"), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = actor
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _other_session_saves() -> None:
    """Another user's save: their page clears the shared caches (``data.invalidate``)."""
    import streamlit as st

    st.cache_data.clear()


def _widget(items, label):
    return next(w for w in items if w.label == label)


def _errors(at) -> str:
    return " ".join(e.value for e in at.error)


def test_screening_save_uses_the_version_the_form_was_rendered_with(demo_db):
    actor = demo_db["mediator"]
    at = _app(actor, med_view="screening").run()
    vid, month = at.session_state["med_scr_village"], at.session_state["med_month"]
    with read_session(_engine()) as s:
        version = s.scalar(
            select(VillageScreening.version).where(VillageScreening.village_id == vid, VillageScreening.month == month)
        )
    svc.save_screening(
        _engine(),
        demo_db["admin"],
        vid,
        month,
        done=True,
        findings="他人刚保存的排查情况",
        disputes_found=1,
        version=version,
    )
    _other_session_saves()
    _widget(at.checkbox, "已完成本月排查（婚姻家庭、邻里、土地边界纠纷）").check()
    _widget(at.text_area, "排查情况").input("我的排查情况：未发现新的矛盾纠纷")
    next(b for b in at.button if b.label == "保存排查结果").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "刷新" in _errors(at) or "版" in _errors(at), _errors(at)
    with read_session(_engine()) as s:
        row = s.scalar(
            select(VillageScreening).where(VillageScreening.village_id == vid, VillageScreening.month == month)
        )
    assert row.findings == "他人刚保存的排查情况"  # not silently overwritten
    # the retry, on the fresh data, saves
    at.run()
    _widget(at.text_area, "排查情况").input("我的排查情况：未发现新的矛盾纠纷")
    next(b for b in at.button if b.label == "保存排查结果").click()
    at.run()
    assert not at.exception and _errors(at) == "", _errors(at)
    with read_session(_engine()) as s:
        assert (
            s.scalar(
                select(VillageScreening.findings).where(
                    VillageScreening.village_id == vid, VillageScreening.month == month
                )
            )
            == "我的排查情况：未发现新的矛盾纠纷"
        )


def _open_case(admin) -> MediationCase:
    """A new village-level open case of the test's own: what the demo data has open depends on
    the day, and other page tests sharing the demo database move cases on."""
    with read_session(_engine()) as s:
        village = s.scalar(select(MediationCase.village_id).order_by(MediationCase.id))
    out = svc.open_case(
        _engine(),
        admin,
        svc.CaseInput(
            kind="dispute",
            title="邻里排水纠纷（页面测试）",
            summary="两户因排水沟走向发生争执。",
            village_id=village,
            source="walk_in",
            parties=[svc.PartyInput(name="王小明", side="applicant")],
        ),
    )
    with read_session(_engine()) as s:
        return s.get(MediationCase, out["id"])


def _fill_step(at) -> None:
    _widget(at.text_input, "参加人员").input("网格员、双方当事人")
    _widget(at.text_area, "调解情况（各方意见、调解员所做工作）").input("双方陈述意见，调解员释明政策。")


def test_case_conflict_drops_the_stored_version_so_a_retry_works(demo_db):
    case = _open_case(demo_db["admin"])
    at = _app(demo_db["mediator"])
    at.query_params["case"] = case.number
    at.run()
    nxt = case.current_step + 1
    assert any(b.label == f"保存第{nxt}步" for b in at.button)
    assert at.session_state[f"med_v_{case.id}"] == case.version
    with read_session(_engine()) as s:  # someone else changes the mediator meanwhile
        from db.models import Mediator

        other = s.scalar(
            select(Mediator.id)
            .where(Mediator.township_id == case.township_id, Mediator.active.is_(True), Mediator.id != case.mediator_id)
            .order_by(Mediator.id)
        )
    svc.assign_mediator(_engine(), demo_db["admin"], case.id, case.version, other)
    _other_session_saves()
    _fill_step(at)
    next(b for b in at.button if b.label == f"保存第{nxt}步").click()
    at.run()
    assert "版" in _errors(at) and "最新内容" in _errors(at), _errors(at)
    # the stale version was dropped: the page shows the case as now stored and keeps its version
    assert at.session_state[f"med_v_{case.id}"] == case.version + 1
    # the retry saves
    _fill_step(at)
    next(b for b in at.button if b.label == f"保存第{nxt}步").click()
    at.run()
    assert not at.exception and _errors(at) == "", _errors(at)
    with read_session(_engine()) as s:
        assert s.get(MediationCase, case.id).current_step == nxt


def test_case_title_is_escaped_in_markdown(demo_db):
    with read_session(_engine()) as s:
        village = s.scalar(select(MediationCase.village_id).order_by(MediationCase.id))
    out = svc.open_case(
        _engine(),
        demo_db["admin"],
        svc.CaseInput(
            kind="hazard",
            title="排水**纠纷**[点我](http://evil.example)",
            summary="测试标题转义的隐患登记。",
            village_id=village,
            source="walk_in",
        ),
    )
    at = _app(demo_db["leader"])
    at.query_params["case"] = out["number"]
    at.run()
    head = at.subheader[0].value
    assert "\\*\\*纠纷\\*\\*" in head and "\\[点我\\]" in head and "**纠纷**" not in head


def test_out_of_scope_case_offers_no_actions(demo_db):
    from db.permissions import Actor
    from db.services import users

    case = _open_case(demo_db["admin"])
    with read_session(_engine()) as s:
        from db.models import Village

        other = s.scalar(select(Village.id).where(Village.id != case.village_id).order_by(Village.id))
    admin = demo_db["admin"]
    uid = users.create_user(
        _engine(),
        admin,
        username="cunmed_scope",
        display_name="村调解员",
        role="mediator",
        password="Passw0rd!2026",
        village_id=other,
    )
    at = _app(Actor(uid, "cunmed_scope", "mediator", "村调解员", village_id=other))
    at.query_params["case"] = case.number
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("保存第" in b.label for b in at.button)
    assert any("不属于您所在的村" in c.value for c in at.caption)
