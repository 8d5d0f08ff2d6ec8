"""Duplicates a clerk would expect to be told about (issue #20): hand-made pairs that must and
must not match, first as wording (db.rules.text.likeness), then as the intake's check
(db.queries.orders.duplicate_candidates) on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import read_session, write_session
from db.models import Township, WorkOrder
from db.queries import orders as q
from db.queries.orders import SIMILAR_WORDING
from db.rules.text import likeness
from tests.factories.orders import MOBILE, T0, build_world

SAME = [  # the same matter, told twice in other words
    ("村东头路灯坏了三盏，晚上漆黑一片", "村东头的路灯坏了，晚上黑漆漆的"),
    ("幸福路垃圾三天没人清运，臭味很大", "幸福路的垃圾好几天没清运了，很臭"),
    ("李楼村二组自来水管破裂，水流了一地", "李楼村二组水管爆了，到处都是水"),
    ("楼上漏水到我家厨房", "楼上的水漏到我家厨房了！"),
]
OTHER = [  # different matters
    ("村东头路灯坏了三盏", "幸福路垃圾没人清运"),
    ("邻居装修噪音扰民，晚上十点还在施工", "村东头路灯坏了，晚上漆黑"),
    ("低保申请材料怎么准备", "门前排水沟堵塞，下雨积水"),
]


@pytest.mark.parametrize("a, b", SAME)
def test_the_same_matter_in_other_words_reads_alike(a, b):
    assert likeness(a, b) >= SIMILAR_WORDING
    assert likeness(a, b) == likeness(b, a)


@pytest.mark.parametrize("a, b", OTHER)
def test_different_matters_do_not(a, b):
    assert likeness(a, b) < SIMILAR_WORDING


def test_likeness_ignores_punctuation_width_and_spacing():
    assert likeness("路灯坏了！！", "路灯 坏了") == 1.0
    assert likeness("ＡＢＣ路灯", "abc路灯") == 1.0  # full-width letters
    assert likeness("", "路灯") == 0.0 and likeness(None, None) == 0.0


@pytest.fixture
def w(engine):
    world = build_world(engine)
    with write_session(engine) as s:
        town = s.scalar(select(Township.id))

        def order(number, minutes_ago, **kw):
            base = dict(
                number=number,
                township_id=town,
                channel="hotline",
                village_id=world.village,
                grid_id=world.grid,
                category_id=world.category,
                title="事项",
                description="",
                status="received",
                received_at=NOW - timedelta(minutes=minutes_ago),
                contact_due_at=NOW + timedelta(hours=20),
                updated_at=NOW,
            )
            base.update(kw)
            s.add(WorkOrder(**base))

        order("RX-D-1", 2, description=SAME[0][0])  # two minutes ago, no address
        order("RX-D-2", 60, description="门前排水沟堵塞，下雨积水")  # same place and category, other matter
        order(
            "RX-D-3", 60 * 24 * 10, description="咨询低保政策", caller_phone=MOBILE, category_id=world.category_inactive
        )  # same phone, another matter, ten days ago
        order(
            "RX-D-4", 60 * 24 * 40, description="咨询医保", caller_phone=MOBILE, category_id=world.category_inactive
        )  # same phone, forty days ago
        order("RX-D-5", 5, description=SAME[0][1], grid_id=world.grid2, village_id=world.village2)  # elsewhere
    return world


NOW = T0 + timedelta(days=60)


def _numbers(rows):
    return [(r["number"], r["reasons"]) for r in rows]


def test_a_second_call_about_the_same_lamp_without_an_address_is_flagged(w):
    with read_session(w.engine) as s:
        rows = q.duplicate_candidates(
            s, w.category, village_id=w.village, grid_id=w.grid, description=SAME[0][1], now=NOW
        )
    assert _numbers(rows) == [("RX-D-1", ["描述相近"])]


def test_the_same_phone_within_thirty_days_is_flagged_whatever_the_matter(w):
    with read_session(w.engine) as s:
        rows = q.duplicate_candidates(
            s, w.category, village_id=w.village, grid_id=w.grid, description="路灯坏了", phone="138 1234 5678", now=NOW
        )
        no_place = q.duplicate_candidates(s, None, phone="+86 13812345678", now=NOW)
    assert ("RX-D-3", ["同一来电号码"]) in _numbers(rows)
    assert "RX-D-4" not in [r["number"] for r in rows]  # forty days ago
    assert _numbers(no_place) == [("RX-D-3", ["同一来电号码"])]


def test_other_words_at_the_same_place_or_the_same_words_elsewhere_are_not(w):
    with read_session(w.engine) as s:
        unrelated = q.duplicate_candidates(
            s, w.category, village_id=w.village, grid_id=w.grid, description="邻居家狗半夜一直叫", now=NOW
        )
        other_category = q.duplicate_candidates(
            s, w.category_inactive, village_id=w.village, grid_id=w.grid, description=SAME[0][1], now=NOW
        )
    assert unrelated == [] and other_category == []
