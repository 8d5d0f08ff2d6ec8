"""The roster page under AppTest: every view for every role that may open it (its title, no
exception), refused for the others; deep links to a household's chain and a party member."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import Household, PartyMember
from db.models.people import ROLES
from db.permissions import PAGES_BY_KEY, can_open
from tests.factories.pages import logged_in_app

PATH = "pages/roster.py"
TITLE = PAGES_BY_KEY["roster"].title
# 一张图 ("map") is opened by tests/test_privacy_sweep.py for every role that may not see all
# personal data, and clicked through by tests/test_grid_map_pages.py (leader, observer, admin)
VIEWS = ["org", "staff", "units", "party", "household", "teams", "io"]
READERS = [r for r in ROLES if can_open(r, "roster")]


def open_view(actor, **params):
    at = logged_in_app(actor).run()
    for k, v in params.items():
        at.query_params[k] = str(v)
    return at.switch_page(PATH).run()


# a view's date-dependent code (ages, visits due) runs the same for every role that opens it: one
# role per view runs again at the date-sensitive run's other moments (scripts/test.sh)
CASES = [
    pytest.param(role, view, id=f"{view}-{role}", marks=() if role == READERS[0] else pytest.mark.any_date)
    for view in VIEWS
    for role in READERS
]


@pytest.mark.parametrize("role,view", CASES)
def test_every_view_renders_for_readers(demo_db, role, view):  # noqa: F811
    at = open_view(demo_db[role], view=view)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title][:1] == [TITLE]
    assert "当前角色无权访问此页面。" not in [e.value for e in at.error]


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


def test_household_chain_escapes_and_scrubs_user_text(demo_db):  # noqa: F811
    """The address and head of household are user text (escaped for markdown); the history tables'
    free text (order titles, event descriptions) is scrubbed for roles without names."""
    from sqlalchemy import update

    from db import scope
    from db.engine import write_session
    from db.models import WorkOrder
    from db.services import grid_events as ge

    # the demo township's (the county's second township is not the leader's)
    engine = scope.scoped(get_engine(load_settings()), demo_db["leader"].township_id)
    with write_session(engine) as s:
        h = s.scalar(select(Household).order_by(Household.id.desc()).limit(1))
        h.address = "东湖村**加粗**[链接](x)号"
        hh, head, grid_id = h.id, h.head_name, h.grid_id
        order_id = s.scalar(select(WorkOrder.id).order_by(WorkOrder.id).limit(1))
        s.execute(
            update(WorkOrder)
            .where(WorkOrder.id == order_id)
            .values(household_id=hh, title=f"{head}反映漏水，电话13912345678")
        )
    ge.report(
        engine,
        demo_db["admin"],
        ge.EventReport(
            event_type="safety",
            grid_id=grid_id,
            household_id=hh,
            description=f"{head}家屋顶漏雨，{head}电话13912345678",
        ),
    )

    def shown(at):  # st.table cells are escaped markdown (components.ui.table): read them as shown
        return re.sub(r"\\(.)", r"\1", " ".join(t.value.to_string() for t in at.table))

    leader = open_view(demo_db["leader"], household=hh)
    assert not leader.exception, [e.value for e in leader.exception]
    tables = shown(leader)
    assert "漏水" in tables and "屋顶漏雨" in tables
    assert "13912345678" not in tables and head not in tables and "139****5678" in tables
    chain_caption = next(c.value for c in leader.caption if "户主" in c.value)
    assert head not in chain_caption and "户主 " in chain_caption
    admin = open_view(demo_db["admin"], household=hh)
    assert admin.subheader[0].value == "东湖村\\*\\*加粗\\*\\*\\[链接\\]\\(x\\)号"
    assert any(f"户主 {head}" in c.value for c in admin.caption)
    assert f"{head}反映漏水，电话13912345678" in shown(admin)  # the administrator sees the text as typed


def test_score_form_saves_after_a_conflict(demo_db):  # noqa: F811
    """A stale version gives the conflict message once; the page then reloads the member and the
    next save goes through (the remembered version is dropped on ConflictError)."""
    from db.services import roster as svc

    engine = get_engine(load_settings())
    with read_session(engine) as s:
        m = s.scalar(select(PartyMember).where(PartyMember.score < 95).order_by(PartyMember.id).limit(1))
    at = open_view(demo_db["admin"], member=m.id)
    assert not at.exception
    svc.add_score_entry(engine, demo_db["admin"], m.id, m.version, 1, "他人同时登记的加分")

    def submit(at):
        inputs = [n for n in at.number_input if n.label.startswith("分值")]
        inputs[0].set_value(2)
        [t for t in at.text_input if t.label == "事由"][0].input("走访联系户并解决实际困难")
        return [b for b in at.button if b.label == "登记加减分"][0].click().run()

    at = submit(at)
    assert any("已被他人修改" in e.value for e in at.error), [e.value for e in at.error]
    at = submit(at)
    assert not at.error, [e.value for e in at.error]
    with read_session(engine) as s:
        assert s.get(PartyMember, m.id).score == m.score + 3


def test_staff_selection_is_dropped_when_the_filter_changes(demo_db):  # noqa: F811
    """The selected row belongs to the filtered list it was chosen in: after the filter changes,
    no edit form opens on whoever is now at that position."""
    at = open_view(demo_db["admin"], view="staff")
    assert not at.exception
    key = next(k for k in at.session_state if str(k).startswith("staff_table_"))
    at.session_state[key] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert any(m.value.startswith("**编辑：") for m in at.markdown)
    at.selectbox(key="staff_role").select("chief").run()
    assert not at.exception
    assert not any(m.value.startswith("**编辑：") for m in at.markdown), "the old selection opened a form"


def test_the_observer_gets_no_household_list(demo_db):  # noqa: F811
    """A delegation's observer sees the organisation, not households (issue #17): no 户与地址
    view, and a household's link falls back to the organisation tree."""
    with read_session(get_engine(load_settings())) as s:
        hh = s.scalar(select(Household.id).order_by(Household.id).limit(1))
    at = open_view(demo_db["demo"], household=hh)
    assert not at.exception, [e.value for e in at.exception]
    assert "户与地址" not in at.segmented_control(key="roster_view").options
    assert at.segmented_control(key="roster_view").value == "org"
    leader = open_view(demo_db["leader"], household=hh)
    assert "户与地址" in leader.segmented_control(key="roster_view").options
