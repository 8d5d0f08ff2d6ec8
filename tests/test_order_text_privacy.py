"""Free text of work orders read as each role may see it (db.queries.orders.scrubbed), on both
backends: a clerk typed the caller's name and phone into the description and a note, and the
leader and demo accounts read them in the inbox's titles, the order's description and its
timeline, while the caller column beside them was masked (issue #17)."""

from __future__ import annotations

import pytest

from db.engine import read_session
from db.queries import orders as q
from db.services import orders
from tests.factories.orders import T0, build_world, intake

NAME, PHONE = "张桂兰", "13812345678"


@pytest.fixture
def order(engine):
    w = build_world(engine)
    o = orders.register(
        engine,
        w.reception,
        intake(w, caller_name=NAME, caller_phone=PHONE, description=f"{NAME}反映家门口自来水管破裂，回电{PHONE}。"),
        now=T0,
    )
    o = orders.contact(engine, w.reception, o["id"], o["version"], note=f"已电话联系{NAME}（{PHONE}）", now=T0)
    orders.supervise(engine, w.leader, o["id"], o["version"], w.leader.user_id, note="请跟进", now=T0)
    return w, o["id"]


def _texts(engine, w, order_id: int, role: str) -> list[str]:
    actor = {"leader": w.leader, "demo": w.demo, "dispatcher": w.dispatcher}[role]
    with read_session(engine) as s:
        inbox = [r["title"] for r in q.inbox_page(s, q.InboxFilter(), actor, T0) if r["id"] == order_id]
        detail = q.order_detail(s, order_id, role)
        notes = [e["note"] or "" for e in q.timeline(s, order_id, role)]
        supervised = [r["title"] for r in q.supervision_list(s, T0, limit=100, role=role) if r["id"] == order_id]
    assert inbox and supervised, "the order must be on both lists for the check to mean anything"
    return inbox + supervised + [detail["title"], detail["description"]] + notes


@pytest.mark.parametrize("role", ["leader", "demo"])
def test_masked_roles_read_no_name_or_phone_in_order_text(engine, order, role):
    w, order_id = order
    texts = _texts(engine, w, order_id, role)
    leaks = [t for t in texts if NAME in t or PHONE in t]
    assert not leaks, leaks
    assert any("张*兰" in t for t in texts) and any("138****5678" in t for t in texts)  # masked, not dropped


def test_a_role_that_sees_names_reads_them(engine, order):
    w, order_id = order
    texts = _texts(engine, w, order_id, "dispatcher")
    assert any(NAME in t for t in texts) and any(PHONE in t for t in texts)
