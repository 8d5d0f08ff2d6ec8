"""Overlap (重合度) and sentinel failures (db/queries/overlap.py) on a hand-made township: which
records are one matter and which are not, the sentinel rule, the counts per week and per village,
the drill-down as a masked role sees it, and the demo township's view."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from db.engine import read_session, write_session
from db.models import Category, Grid, GridEvent, Household, RecordLink, Township, Village, WorkOrder
from db.queries import kpi, overlap
from db.rules.sla import local_to_utc

MARCH = kpi.period_of("month", date(2026, 3, 20))  # Sun 1 .. Tue 31 March 2026: six ISO weeks, W09 .. W14


def L(*a) -> datetime:
    return local_to_utc(datetime(*a))


def build(engine) -> None:
    """Each letter is one case; the comment says which records are one matter."""
    with write_session(engine) as s:
        t = Township(code="T1", name="青龙镇", county="示范县")
        s.add(t)
        s.flush()
        east, west = (
            Village(township_id=t.id, code="V1", name="东湖村"),
            Village(township_id=t.id, code="V2", name="西山村"),
        )
        s.add_all([east, west])
        s.flush()
        g1, g2 = (
            Grid(village_id=east.id, code="G1", name="东一网格"),
            Grid(village_id=west.id, code="G2", name="西一网格"),
        )
        s.add_all([g1, g2])
        cats = {}
        for code, name in (("SDQN", "水电气暖"), ("DLJT", "道路交通"), ("LLJF", "邻里纠纷"), ("SHBZ", "社会保障")):
            top = Category(code=code, name=name)
            s.add(top)
            s.flush()
            cats[code] = Category(code=f"{code}01", name=f"{name}小类", parent_id=top.id)
            s.add(cats[code])
        s.flush()
        households = {}
        for k in range(1, 14):
            households[k] = Household(
                grid_id=(g2 if k == 5 else g1).id,
                address=f"东湖村1组{k}号",
                head_name=f"户主{k}",
                phone=f"1390000{k:04d}",
            )
            s.add(households[k])
        s.flush()
        n = iter(range(1, 200))

        def order(key, channel, at, code, hh=None, phone=None, address=None, village=east, status="received"):
            s.add(
                WorkOrder(
                    number=f"RX-{key}",
                    township_id=t.id,
                    channel=channel,
                    village_id=village.id,
                    household_id=households[hh].id if hh else None,
                    caller_phone=phone,
                    address=address,
                    category_id=cats[code].id,
                    title=f"事项{next(n)}",
                    description="事项",
                    received_at=at,
                    status=status,
                )
            )

        def event(key, at, etype, hh=None, address=None, grid=g1):
            s.add(
                GridEvent(
                    number=f"SJ-{key}",
                    grid_id=grid.id,
                    household_id=households[hh].id if hh else None,
                    event_type=etype,
                    address=address or (households[hh].address if hh else None),
                    description=f"户主{hh}家，电话13900009999，反映情况" if hh else "巡查发现",
                    status="reported",
                    reported_at=at,
                )
            )

        # A  household: the grid's event, then the household's call about the same kind of thing -> one
        event("A", L(2026, 3, 3, 9), "infrastructure", hh=1)
        order("A", "hotline", L(2026, 3, 10, 9), "SDQN", hh=1, phone="13900000001")
        # B  household, another kind of thing (an environment event, a water call) -> two
        event("B", L(2026, 3, 4, 9), "environment", hh=2)
        order("B", "hotline", L(2026, 3, 5, 9), "SDQN", hh=2)
        # C  the household's phone: a 12345 ticket without the household, written another way -> one
        event("C", L(2026, 3, 11, 9), "dispute", hh=3)
        order("C", "12345", L(2026, 3, 12, 9), "LLJF", phone="+86 139 0000 0003")
        # D  the same address (spaces and a full-width digit aside) and kind, four days apart -> one
        #    (the grid came second)
        order("D", "hotline", L(2026, 3, 16, 9), "DLJT", phone="13700000004", address="东湖村 3组 路口")
        event("D", L(2026, 3, 20, 9), "infrastructure", address="东湖村３组路口")
        # E  the same address and kind, 23 days apart -> two
        order("E", "petition", L(2026, 3, 2, 9), "LLJF", phone="13700000005", address="西山村村委会", village=west)
        event("E", L(2026, 3, 25, 9), "dispute", address="西山村村委会", grid=g2)
        # F  an explicit link (the event was followed up as the order), nothing else shared -> one
        event("F", L(2026, 3, 17, 9), "environment", hh=4)
        order("F", "hotline", L(2026, 3, 18, 9), "SDQN", hh=5, village=west)
        # G  transitive: the event and G1 share the household, G1 and G2 the caller's phone -> one
        event("G", L(2026, 3, 23, 9), "livelihood", hh=6)
        order("G1", "hotline", L(2026, 3, 24, 9), "SHBZ", hh=6, phone="13600000007")
        order("G2", "petition", L(2026, 3, 26, 9), "SHBZ", phone="13600000007")
        # H  the grid's order first, then the petition -> one, the sentinel held
        order("H1", "grid", L(2026, 3, 9, 9), "LLJF", hh=7, phone="13500000000")
        order("H2", "petition", L(2026, 3, 13, 9), "LLJF", hh=7)
        # I  the petition first, the grid's event the day after -> one, a sentinel failure
        order("I", "petition", L(2026, 3, 9, 10), "LLJF", hh=8)
        event("I", L(2026, 3, 10, 9), "dispute", hh=8)
        # J  the call first, the event three days after -> one, a sentinel failure
        order("J", "hotline", L(2026, 3, 9, 11), "SDQN", hh=9)
        event("J", L(2026, 3, 12, 9), "infrastructure", hh=9)
        # K  the grid saw it in the look-back -> one (only the call in March), the sentinel held
        event("K", L(2026, 2, 20, 9), "infrastructure", hh=10)
        order("K", "hotline", L(2026, 3, 4, 9), "SDQN", hh=10)
        # M  first called in February (the look-back), petitioned in March: did not reach the desk in March
        order("M1", "hotline", L(2026, 2, 25, 9), "LLJF", hh=11)
        order("M2", "petition", L(2026, 3, 5, 9), "LLJF", hh=11)
        # N  two grid orders with the same grid worker's phone: the worker is not the caller -> two
        order("N1", "grid", L(2026, 3, 6, 9), "LLJF", hh=12, phone="13500000000")
        order("N2", "grid", L(2026, 3, 7, 9), "LLJF", hh=13, phone="13500000000")
        # left out: a cancelled petition, a walk-in
        order("X1", "petition", L(2026, 3, 5, 9), "LLJF", hh=8, status="cancelled")
        order("X2", "walk_in", L(2026, 3, 5, 9), "LLJF", hh=8)
        s.flush()
        ids = dict(s.execute(select(GridEvent.number, GridEvent.id)).all())
        oid = dict(s.execute(select(WorkOrder.number, WorkOrder.id)).all())
        s.add(
            RecordLink(
                from_type="grid_event", from_id=ids["SJ-F"], to_type="work_order", to_id=oid["RX-F"], kind="related"
            )
        )


def groups(s, period=MARCH) -> dict[frozenset, dict]:
    """Every matter of the period: {its record numbers: its row}."""
    a = overlap.analyse(s, period.since, period.until)
    numbers = {("o", i): n for i, n in s.execute(select(WorkOrder.id, WorkOrder.number))}
    numbers |= {("e", i): n for i, n in s.execute(select(GridEvent.id, GridEvent.number))}
    _, rows = overlap.matter_rows(a, limit=1000)
    return {
        frozenset([numbers[("o", i)] for i in r["order_ids"]] + [numbers[("e", i)] for i in r["event_ids"]]): r
        for r in rows
    }


EXPECTED = {
    # records -> (channels in March, sentinel: None not reached / True failure / False held)
    ("SJ-A", "RX-A"): ((1, 1, 0), False),
    ("SJ-B",): ((1, 0, 0), None),
    ("RX-B",): ((0, 1, 0), True),
    ("SJ-C", "RX-C"): ((1, 1, 0), False),
    ("RX-D", "SJ-D"): ((1, 1, 0), True),
    ("RX-E",): ((0, 0, 1), True),
    ("SJ-E",): ((1, 0, 0), None),
    ("SJ-F", "RX-F"): ((1, 1, 0), False),
    ("SJ-G", "RX-G1", "RX-G2"): ((1, 1, 1), False),
    ("RX-H1", "RX-H2"): ((1, 0, 1), False),
    ("RX-I", "SJ-I"): ((1, 0, 1), True),
    ("RX-J", "SJ-J"): ((1, 1, 0), True),
    ("SJ-K", "RX-K"): ((0, 1, 0), False),
    ("RX-M1", "RX-M2"): ((0, 0, 1), None),
    ("RX-N1",): ((1, 0, 0), None),
    ("RX-N2",): ((1, 0, 0), None),
}


def test_matching_and_the_sentinel_rule(engine):
    """Household, the household's phone, address and kind inside and outside the window, an explicit
    link, transitivity, the grid worker's phone; the sentinel: grid first, petition first, call
    first, the look-back. Both backends."""
    build(engine)
    with read_session(engine) as s:
        found = groups(s)
        out = overlap.summary(s, MARCH.since, MARCH.until)
    assert set(found) == {frozenset(k) for k in EXPECTED}
    for records, (combo, sentinel) in EXPECTED.items():
        row = found[frozenset(records)]
        assert (row["combo"], row["sentinel"]) == (combo, sentinel), records
    combos = {c["label"]: c["matters"] for c in out["combos"]}
    assert combos == {
        "仅网格": 4,
        "仅热线": 2,
        "仅信访": 2,
        "网格+热线": 5,
        "网格+信访": 2,
        "热线+信访": 0,
        "三个渠道": 1,
    }
    assert (out["matters"], out["multi"]) == (16, 8)
    # reached the desk in March: all but SJ-B, SJ-E, M (first called in February) and the grid orders N
    assert (out["reached"], out["sentinel_failures"]) == (11, 5)
    # March's events: A C D F G I J (matched with a call or petition in March) and B E (alone)
    assert (out["events"], out["events_matched"]) == (9, 7)


def test_counts_per_week_and_village(sqlite_engine):
    build(sqlite_engine)
    with read_session(sqlite_engine) as s:
        out = overlap.summary(s, MARCH.since, MARCH.until, first_page=3)
    weeks = {w["week"]: w for w in out["by_week"]}
    assert list(weeks) == ["2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"]
    assert (weeks["2026-W09"]["start"], weeks["2026-W09"]["end"]) == (date(2026, 3, 1), date(2026, 3, 1))
    assert (weeks["2026-W14"]["start"], weeks["2026-W14"]["end"]) == (date(2026, 3, 30), date(2026, 3, 31))
    # a matter counts in the week of its first record in March: W10 (2-8 March) has A (the event on
    # the 3rd), B's two, E's petition (2nd), K (4th), M (5th), N1 and N2; W11 (9-15) C, H, I, J;
    # W12 (16-22) D, F; W13 (23-29) E's event, G; W09 and W14 none
    assert [weeks[k]["matters"] for k in weeks] == [0, 8, 4, 2, 2, 0]
    assert [weeks[k]["multi"] for k in weeks] == [0, 1, 4, 2, 1, 0]
    assert weeks["2026-W11"]["multi_share"] == 1.0 and weeks["2026-W09"]["multi_share"] is None
    # its sentinel in the week of its first call or petition: A's call (10th) in W11, held there
    # although the grid's event was in W10; W10: B's call, E's petition, K; W11: A, C, H, I, J;
    # W12: D, F; W13: G
    assert [(weeks[k]["reached"], weeks[k]["sentinel_failures"]) for k in weeks] == [
        (0, 0),
        (3, 2),
        (5, 2),
        (2, 1),
        (1, 0),
        (0, 0),
    ]
    assert weeks["2026-W10"]["sentinel_share"] == 2 / 3 and weeks["2026-W14"]["sentinel_share"] is None
    assert sum(w["matters"] for w in out["by_week"]) == out["matters"]
    assert sum(w["reached"] for w in out["by_week"]) == out["reached"]
    villages = {v["village"]: v for v in out["by_village"]}
    # 西山村: E's petition and E's event (in 西一网格) as matters; F's matter counts in 东湖村, where its
    # first record (the event) is, its sentinel in 西山村, where its order (the call) is
    west, east = villages["西山村"], villages["东湖村"]
    assert (west["matters"], west["multi"], west["reached"], west["sentinel_failures"]) == (2, 0, 2, 1)
    assert (east["matters"], east["multi"], east["reached"], east["sentinel_failures"]) == (14, 8, 9, 4)
    assert east["township"] == "青龙镇"
    total, rows = out["sentinel_list"]
    assert total == 5 and len(rows) == 3
    assert [r["first_at"] for r in rows] == sorted((r["first_at"] for r in rows), reverse=True)


def test_the_drill_down_lists_orders_and_events_as_the_role_may_see_them(sqlite_engine):
    build(sqlite_engine)
    with read_session(sqlite_engine) as s:
        found = groups(s)
        row = found[frozenset(("SJ-A", "RX-A"))]
        assert row["key"].startswith("e")  # the event came first; the key is internal
        shown = overlap.matter_records_for(s, "leader", row["order_ids"], row["event_ids"])
        full = overlap.matter_records_for(s, "dispatcher", row["order_ids"], row["event_ids"])
    assert [(r["number"], r["kind"]) for r in shown] == [("SJ-A", "网格事件"), ("RX-A", "工单")]
    assert shown[0]["source"] == "网格事件·基础设施" and shown[1]["source"] == "热线"
    assert set(shown[0]) == {"kind", "number", "at", "source", "text", "status"}  # no phone, address or name
    assert "13900009999" not in shown[0]["text"] and "户主1" not in shown[0]["text"]
    assert "户主1" in full[0]["text"]  # the dispatcher may see names


def test_the_demo_townships_view_shows_matched_grid_events(demo_db):
    """On the demo data the view shows grid events matched with calls and petitions, a multi-channel
    share and a sentinel failure share well below every matter (the generator's repeats)."""
    from tests.factories.pages import run_page

    at = run_page("pages/kpi.py", demo_db["leader"])
    at.segmented_control(key="kpi_kind").set_value("quarter").run()
    at.segmented_control(key="kpi_view").set_value("多渠道重合度").run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label.split("（")[0]: m for m in at.metric}
    assert int(metrics["匹配的网格事件"].value) > 0
    assert int(metrics["多渠道重合"].value) > 0
    reached = int(metrics["哨点失灵"].label.split("n=")[1].rstrip("）"))
    assert 0 < int(metrics["哨点失灵"].value) < reached
    shown = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "第" in shown and "周" in shown  # the per-week table
    assert any("事项" in c.value and "哨点失灵" in c.value for c in at.caption)
