"""Overlap (重合度) and sentinel failures on a hand-made dataset, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

from db.engine import read_session, write_session
from db.models import Category, Grid, Household, Township, Village, WorkOrder
from db.queries import kpi, overlap
from db.rules.sla import local_to_utc


def L(*a) -> datetime:
    return local_to_utc(datetime(*a))


WEEK = kpi.period_of("week", date(2026, 3, 4))  # Mon 2 .. Sun 8 March 2026


def build(engine) -> None:
    with write_session(engine) as s:
        t = Township(code="T1", name="青龙镇", county="示范县")
        s.add(t)
        s.flush()
        v = Village(township_id=t.id, code="V1", name="东湖村")
        s.add(v)
        s.flush()
        g = Grid(village_id=v.id, code="G1", name="一网格")
        c1, c2 = Category(code="C1", name="邻里纠纷"), Category(code="C2", name="道路破损")
        s.add_all([g, c1, c2])
        s.flush()
        h1 = Household(grid_id=g.id, address="东湖村1组1号", head_name="张三")
        h2 = Household(grid_id=g.id, address="东湖村1组2号", head_name="李四")
        s.add_all([h1, h2])
        s.flush()
        n = iter(range(1, 100))

        def o(channel, at, cat, hh=None, phone=None, address=None, status="received"):
            s.add(WorkOrder(number=f"RX-O-{next(n):03d}", township_id=t.id, channel=channel, village_id=v.id,
                            household_id=hh.id if hh else None, caller_phone=phone, address=address,
                            category_id=cat.id, title="事项", description="事项", received_at=at, status=status))

        # A: household h1 / c1: grid Mon, petition Wed -> grid+petition, grid came first (no failure)
        o("grid", L(2026, 3, 2, 9), c1, hh=h1, address="东湖村1组1号")
        o("petition", L(2026, 3, 4, 9), c1, hh=h1, phone="13900000001")
        # B: phone P / c1 (no household): hotline Tue, petition Tue -> hotline+petition, failure (no grid)
        o("hotline", L(2026, 3, 3, 9), c1, phone="13800000000")
        o("petition", L(2026, 3, 3, 15), c1, phone="13800000000")
        # C: address only / c1: petition Thu, grid Fri -> grid+petition, failure (grid after the petition)
        o("petition", L(2026, 3, 5, 9), c1, address="东湖村2组")
        o("grid", L(2026, 3, 6, 9), c1, address="东湖村2组")
        # D: household h1 but category c2: 12345 only -> hotline only (another matter than A)
        o("12345", L(2026, 3, 3, 10), c2, hh=h1)
        # E: phone Q / c1: grid 30 days before the period (look-back), petition in the period
        #    -> petition only in the period, not a failure (the grid reported it first)
        o("grid", L(2026, 2, 1, 9), c1, phone="13700000000")
        o("petition", L(2026, 3, 6, 9), c1, phone="13700000000")
        # excluded: a cancelled petition, a walk-in, an order with no household, phone or address
        o("petition", L(2026, 3, 4, 9), c2, hh=h2, status="cancelled")
        o("walk_in", L(2026, 3, 4, 9), c2, hh=h2)
        o("petition", L(2026, 3, 4, 9), c2)


def test_overlap_counts_and_sentinel_failures(engine):
    build(engine)
    with read_session(engine) as s:
        out = overlap.summary(s, WEEK.since, WEEK.until)
        combos = {c["label"]: c["matters"] for c in out["combos"]}
        # A and C: grid+petition; B: hotline+petition; D: hotline only; E: petition only
        assert combos == {"仅网格": 0, "仅热线": 1, "仅信访": 1, "网格+热线": 0, "网格+信访": 2,
                          "热线+信访": 1, "三个渠道": 0}
        assert (out["matters"], out["multi"]) == (5, 3)
        # petition matters A, B, C, E; failures B (no grid) and C (grid only after the petition)
        assert (out["petition_matters"], out["sentinel_failures"]) == (4, 2)
        assert out["sentinel_share"] == 0.5
        cats = {c["category"]: c for c in out["by_category"]}
        assert (cats["邻里纠纷"]["matters"], cats["邻里纠纷"]["multi"], cats["邻里纠纷"]["sentinel"]) == (4, 3, 2)
        total, rows = overlap.matters(s, WEEK.since, WEEK.until, sentinel_only=True)
        assert total == 2 and {r["channels"] for r in rows} == {"热线/12345/线上、信访", "网格上报、信访"}
        total, rows = overlap.matters(s, WEEK.since, WEEK.until, combo=(1, 0, 1))
        assert total == 2
        orders = overlap.matter_orders(s, WEEK.since, WEEK.until, rows[0]["k"], rows[0]["category_id"])
        assert [o["channel"] for o in orders] in (["grid", "petition"], ["petition", "grid"])


def test_grid_events_count_as_the_grid_seeing_a_households_matter(engine):
    """A household's grid event before its petition: the grid saw it first (no sentinel failure);
    an event only after the petition does not save it."""
    from db.models import GridEvent
    from sqlalchemy import select

    build(engine)
    with write_session(engine) as s:
        t = s.scalar(select(Township.id))
        v = s.scalar(select(Village.id))
        g = s.scalar(select(Grid.id))
        c2 = s.scalar(select(Category.id).where(Category.code == "C2"))
        h3 = Household(grid_id=g, address="东湖村1组3号", head_name="王五")
        h4 = Household(grid_id=g, address="东湖村1组4号", head_name="赵六")
        s.add_all([h3, h4])
        s.flush()
        for k, (hh, at) in enumerate(((h3, L(2026, 3, 3, 9)), (h4, L(2026, 3, 7, 9))), start=1):
            s.add(WorkOrder(number=f"RX-E-{k:03d}", township_id=t, channel="petition", village_id=v,
                            household_id=hh.id, category_id=c2, title="事项", description="事项",
                            received_at=L(2026, 3, 5, 9), status="received"))
            s.add(GridEvent(number=f"SJ-E-{k:03d}", grid_id=g, household_id=hh.id, event_type="safety",
                            description="入户走访发现", status="reported", reported_at=at))
    with read_session(engine) as s:
        before = overlap.summary(s, WEEK.since, WEEK.until)
        rows = overlap.matters(s, WEEK.since, WEEK.until, sentinel_only=True, limit=50)[1]
    failing = {r["k"] for r in rows}
    with read_session(engine) as s:
        ids = dict(s.execute(select(Household.address, Household.id)).all())
    assert f"h{ids['东湖村1组3号']}" not in failing  # the event came first
    assert f"h{ids['东湖村1组4号']}" in failing  # the event came after the petition
    combos = {c["label"]: c["matters"] for c in before["combos"]}
    assert combos["网格+信访"] >= 3  # A and C of build(), and h3's (an event in the week)
