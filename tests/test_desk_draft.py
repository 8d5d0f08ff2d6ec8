"""The call a clerk is typing survives a reload or a time-out (issue #20): kept on the server per
user, restored into a new session's form, thrown away on request or when the call is saved."""

from __future__ import annotations

from sqlalchemy import func, select

from db import scope
from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import Category, DeskDraft, Village
from db.services import desk_draft
from tests.factories.pages import run_via_app

CALLER = "刘女士"
TEXT = "村口的路灯坏了三盏，晚上漆黑一片，老人出门不方便。"


def _field(at, label):
    return [t for t in (*at.text_input, *at.text_area) if t.label == label][0]


def _drafts() -> int:
    with read_session(get_engine(load_settings())) as s:
        return s.scalar(select(func.count()).select_from(DeskDraft)) or 0


def test_a_half_typed_call_comes_back_in_a_new_session_until_discarded_or_saved(demo_db):
    clerk = demo_db["reception"]
    desk_draft.discard(get_engine(load_settings()), clerk)
    at = run_via_app("pages/intake.py", clerk)
    _field(at, "来电人/来访人").input(CALLER).run()
    _field(at, "诉求描述").input(TEXT).run()
    assert _drafts() == 1

    again = run_via_app("pages/intake.py", clerk)  # a reload: a new session
    assert _field(again, "来电人/来访人").value == CALLER and _field(again, "诉求描述").value == TEXT
    assert any("已恢复" in i.value for i in again.info)
    [b for b in again.button if b.label == "丢弃草稿"][0].click().run()
    assert _field(again, "来电人/来访人").value == "" and _drafts() == 0
    assert _field(run_via_app("pages/intake.py", clerk), "诉求描述").value == ""

    # typed again, then registered: the draft goes with the saved call
    at = run_via_app("pages/intake.py", clerk)
    _field(at, "来电人/来访人").input(CALLER).run()
    _field(at, "联系电话").input("13912345678").run()
    with read_session(scope.scoped(get_engine(load_settings()), clerk.township_id)) as s:
        village = s.scalar(select(Village.id).order_by(Village.id))
    [v for v in at.selectbox if v.label == "村（社区）"][0].set_value(village).run()
    _field(at, "诉求描述").input(TEXT).run()
    if [c for c in at.selectbox if c.label == "诉求类别"][0].value is None:
        with read_session(get_engine(load_settings())) as s:
            leaf = s.scalar(select(Category.id).where(Category.parent_id.is_not(None)).order_by(Category.id))
        [c for c in at.selectbox if c.label == "诉求类别"][0].set_value(leaf).run()
    assert _drafts() == 1
    [b for b in at.button if b.label == "登记工单"][0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _drafts() == 0


def test_one_clerks_draft_is_not_anothers(demo_db):
    engine = get_engine(load_settings())
    desk_draft.save(engine, demo_db["reception"], {"caller": CALLER, "desc": TEXT})
    try:
        assert desk_draft.load(engine, demo_db["dispatcher"]) is None
        other = run_via_app("pages/intake.py", demo_db["dispatcher"])
        assert _field(other, "来电人/来访人").value == ""
    finally:
        desk_draft.discard(engine, demo_db["reception"])


def test_a_restored_instant_answer_keeps_its_tier(demo_db):
    """A category set to 即办 by hand brings its answer box back with the answer typed."""
    from db.services import desk_draft as dd

    engine = get_engine(load_settings())
    with read_session(engine) as s:
        leaf = s.scalar(
            select(Category.id)
            .where(Category.parent_id.is_not(None), Category.default_tier != "instant")
            .order_by(Category.id)
        )
    clerk = demo_db["reception"]
    dd.save(
        engine,
        clerk,
        {
            "caller": CALLER,
            "desc": TEXT,
            "category": leaf,
            "tier": "instant",
            "answer": "已当场答复：路灯已报修，三日内修复。",
        },
    )
    try:
        at = run_via_app("pages/intake.py", clerk)
        assert _field(at, "当场答复内容（即办事项登记即办结）").value == "已当场答复：路灯已报修，三日内修复。"
    finally:
        dd.discard(engine, clerk)
