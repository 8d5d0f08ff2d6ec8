"""The roster page under AppTest: every view for every role that may open it (its title, no
exception), refused for the others; deep links to a household's chain and a party member."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import get_engine, read_session
from db.config import load_settings
from db.models import Household, PartyMember
from db.models.people import ROLES
from db.permissions import PAGES_BY_KEY, can_open

from tests.test_pages_apptest import demo_db, logged_in_app, run_page  # noqa: F401 - fixture

PATH = "pages/roster.py"
TITLE = PAGES_BY_KEY["roster"].title
VIEWS = ["org", "staff", "units", "party", "household", "teams", "io"]
READERS = [r for r in ROLES if can_open(r, "roster")]


def open_view(actor, **params):
    at = logged_in_app(actor).run()
    for k, v in params.items():
        at.query_params[k] = str(v)
    return at.switch_page(PATH).run()


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_for_readers(demo_db, role, view):  # noqa: F811
    at = open_view(demo_db[role], view=view)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title][:1] == [TITLE]
    assert "当前角色无权访问此页面。" not in [e.value for e in at.error]


@pytest.mark.parametrize("role", [r for r in ROLES if not can_open(r, "roster")])
def test_other_roles_are_refused(demo_db, role):  # noqa: F811
    at = run_page(PATH, demo_db[role])
    assert [e.value for e in at.error] == ["当前角色无权访问此页面。"]
    assert not at.title


def _ids():
    engine = get_engine(load_settings())
    with read_session(engine) as s:
        hh = s.scalar(select(Household.id).order_by(Household.id))
        pm = s.execute(select(PartyMember.id, PartyMember.name, PartyMember.phone).order_by(PartyMember.id)).first()
    return hh, pm


def test_household_chain_deep_link_masks_for_leader(demo_db):  # noqa: F811
    hh, _ = _ids()
    at = open_view(demo_db["leader"], household=hh)
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for label in ("网格长", "网格员", "十户长", "联系党员"):
        assert f"**{label}**" in text
    assert "****" in text.replace("\\*", "*"), "phones masked for the leader"
    admin = open_view(demo_db["admin"], household=hh)
    admin_text = " ".join(m.value for m in admin.markdown)
    assert "****" not in admin_text.replace("\\*", "*")


def test_party_member_deep_link_shows_score_and_admin_forms(demo_db):  # noqa: F811
    _, pm = _ids()
    at = open_view(demo_db["admin"], member=pm.id)
    assert not at.exception
    assert any(s.value == f"党员 {pm.name}" for s in at.subheader)
    assert any(m.label == "百分制考评得分" for m in at.metric)
    assert any(b.label == "登记加减分" for b in at.button)
    demo = open_view(demo_db["demo"], member=pm.id)
    assert not any(b.label == "登记加减分" for b in demo.button)
    assert not any(s.value == f"党员 {pm.name}" for s in demo.subheader), "name masked for demo"
