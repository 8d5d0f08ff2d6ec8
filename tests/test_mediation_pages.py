"""The mediation page under AppTest: every view for every role that may open it, the case
deep link with its actions, and the views a role may not use are not offered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import MediationCase
from test_pages_apptest import demo_db, run_page  # noqa: F401  (module fixture)

ROLES_OPEN = ["admin", "leader", "mediator", "grid", "demo"]
VIEWS = ["ledger", "screening", "visits", "kpi"]


@pytest.mark.parametrize("role", ROLES_OPEN)
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders(demo_db, role, view):
    from streamlit.testing.v1 import AppTest

    from test_pages_apptest import ROOT, TIMEOUT

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


@pytest.mark.parametrize("role,can_create,can_settings", [
    ("admin", True, True), ("mediator", True, False), ("grid", True, False),
    ("leader", False, False), ("demo", False, False)])
def test_views_offered_per_role(demo_db, role, can_create, can_settings):
    at = run_page("pages/mediation.py", demo_db[role])
    options = at.button_group[0].options if at.button_group else []
    labels = [o.content if hasattr(o, "content") else str(o) for o in options]
    assert ("登记纠纷" in str(labels)) == can_create
    assert ("设置" in str(labels)) == can_settings


def _red_open_number() -> str:
    with read_session(get_engine(load_settings())) as s:
        return s.scalar(select(MediationCase.number).where(
            MediationCase.status.in_(("open", "mediating")), MediationCase.risk_colour == "red")
            .order_by(MediationCase.id))


@pytest.mark.parametrize("role", ROLES_OPEN)
def test_case_deep_link(demo_db, role):
    from streamlit.testing.v1 import AppTest

    from test_pages_apptest import ROOT, TIMEOUT

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
