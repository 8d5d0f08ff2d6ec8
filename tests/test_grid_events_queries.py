"""The event list: stages, the order (what needs action first, then the archive newest first),
pagination across the open/archived boundary, scope and filters - on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.engine import read_session
from db.queries import grid_events as q
from db.queries.grid_events import EventFilter
from db.services import grid_events as ge
from tests.factories.grid_events import T0, TODAY, G, build_grid_world


@pytest.fixture
def g(engine) -> G:
    return build_grid_world(engine)


def _world(g):
    """One event per stage in grid 1, reported an hour apart, plus two archived and one in grid 2."""
    w = g.w
    ids = {}

    def new(name, hours, **kw):
        ids[name] = ge.report(
            w.engine,
            kw.pop("actor", g.grid),
            ge.EventReport(event_type="safety", description=f"事件{name}的描述文字。", address="村口", **kw),
            now=T0 + timedelta(hours=hours),
        )["id"]

    for k, name in enumerate(["arch_old", "arch_new", "to_archive", "to_evaluate", "to_verify", "in_hand", "to_refer"]):
        new(name, k)
    new("other_grid", 10, actor=g.grid2)
    e = w.engine
    for name in ("arch_old", "arch_new", "to_archive", "to_evaluate", "to_verify"):
        ge.handle_on_spot(e, g.grid, ids[name], 1, "已处置。", now=T0)
    for name in ("arch_old", "arch_new", "to_archive", "to_evaluate"):
        ge.verify(e, g.grid, ids[name], 2, "passed", now=T0)
    for name in ("arch_old", "arch_new", "to_archive"):
        ge.evaluate(e, w.leader, ids[name], 3, "good", now=T0)
    for name in ("arch_old", "arch_new"):
        ge.archive(e, w.leader, ids[name], 4, now=T0)
    ge.refer_to_order(e, g.grid, ids["in_hand"], 1, w.category, now=T0)
    return ids


def names(ids, rows):
    back = {v: k for k, v in ids.items()}
    return [back[r["id"]] for r in rows]


def test_order_and_stages(g):
    ids = _world(g)
    w = g.w
    every = EventFilter(stages=())
    with read_session(w.engine) as s:
        rows = q.event_page(s, every, w.dispatcher, 0, 50)
        # stage first (oldest report first within a stage), then the archive newest first
        assert names(ids, rows) == [
            "to_refer",
            "other_grid",
            "to_verify",
            "to_evaluate",
            "to_archive",
            "in_hand",
            "arch_new",
            "arch_old",
        ]
        assert [r["stage"] for r in rows] == [
            "to_refer",
            "to_refer",
            "to_verify",
            "to_evaluate",
            "to_archive",
            "in_hand",
            "archived",
            "archived",
        ]
        assert q.event_count(s, every, w.dispatcher) == 8
        # the default filter: open events only
        assert q.event_count(s, EventFilter(), w.dispatcher) == 6
        for stage in q.STAGES:
            if stage == "archived":
                continue
            got = names(ids, q.event_page(s, EventFilter(stages=(stage,)), w.dispatcher))
            expected = {"to_refer": ["to_refer", "other_grid"]}.get(stage, [stage])
            assert sorted(got) == sorted(expected), stage
        assert names(ids, q.event_page(s, EventFilter(stages=("archived",)), w.dispatcher)) == ["arch_new", "arch_old"]


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_pages_cross_the_open_archived_boundary(g, size):
    ids = _world(g)
    w = g.w
    f = EventFilter(stages=())
    with read_session(w.engine) as s:
        whole = names(ids, q.event_page(s, f, w.admin, 0, 50))
        paged = []
        for off in range(0, 8, size):
            paged += names(ids, q.event_page(s, f, w.admin, off, size))
    assert paged == whole and len(whole) == 8


def test_grid_worker_sees_only_its_grid_and_mine(g):
    ids = _world(g)
    w = g.w
    with read_session(w.engine) as s:
        assert "other_grid" not in names(ids, q.event_page(s, EventFilter(stages=()), g.grid, 0, 50))
        assert names(ids, q.event_page(s, EventFilter(stages=()), g.grid2, 0, 50)) == ["other_grid"]
        assert q.event_count(s, EventFilter(stages=()), g.orphan) == 0
        # mine: for a worker, what it reported; for others, what they acted on
        assert q.event_count(s, EventFilter(stages=(), mine=True), g.grid) == 7
        assert sorted(names(ids, q.event_page(s, EventFilter(stages=(), mine=True), w.leader, 0, 50))) == [
            "arch_new",
            "arch_old",
            "to_archive",
        ]


def test_filters(g):
    ids = _world(g)
    w = g.w
    with read_session(w.engine) as s:
        assert names(ids, q.event_page(s, EventFilter(stages=(), village_id=w.village2), w.admin)) == ["other_grid"]
        assert q.event_count(s, EventFilter(stages=(), grid_id=w.grid), w.admin) == 7
        assert names(ids, q.event_page(s, EventFilter(stages=(), handling=("order",)), w.admin)) == ["in_hand"]
        assert q.event_count(s, EventFilter(stages=(), event_types=("dispute",)), w.admin) == 0
        assert q.event_count(s, EventFilter(stages=(), reported_from=TODAY, reported_to=TODAY), w.admin) == 8
        assert q.event_count(s, EventFilter(stages=(), reported_from=TODAY + timedelta(days=1)), w.admin) == 0
        assert names(ids, q.event_page(s, EventFilter(stages=(), number="sj-2025-000007"), w.admin)) == ["to_refer"]


def test_detail_and_linked(g):
    ids = _world(g)
    with read_session(g.w.engine) as s:
        d = q.event_detail(s, ids["in_hand"])
        assert (d["status"], d["handling"], d["grid"], d["village"], d["reporter"], d["stage"]) == (
            "referred",
            "order",
            "东湖一网格",
            "东湖村",
            "网格员甲",
            "in_hand",
        )
        assert "photo_path" not in d
        assert [x["type"] for x in q.linked(s, ids["in_hand"])] == ["work_order"]
        assert q.event_id_by_number(s, d["number"]) == ids["in_hand"]
        assert q.event_detail(s, 999999) is None
