"""Big screen: free text of the rotating closed cases is scrubbed of every name known for the
order (not only names before 先生/女士), and the trend leaves months without orders blank."""

from __future__ import annotations

from sqlalchemy import select

from components import big_screen_ui as bs
from db.engine import read_session, write_session
from db.models import Grid, Household, MediationCase, MediationParty, RecordLink, Village, WorkOrder
from db.queries import kpi
from tests.factories.kpi import NOW, WEEK, L, build


def test_closed_cases_are_scrubbed_of_the_orders_known_names(engine):
    build(engine)
    with write_session(engine) as s:
        v = s.scalar(select(Village).where(Village.code == "V1"))
        g = s.scalar(select(Grid).where(Grid.code == "G1"))
        h = Household(grid_id=g.id, address="东湖村3组5号", head_name="赵建国")
        s.add(h)
        s.flush()
        o = s.scalar(select(WorkOrder).where(WorkOrder.status == "archived").order_by(WorkOrder.id))
        o.caller_name, o.household_id = "张伟", h.id
        o.title = "张伟反映赵建国家门口路灯不亮"
        o.result = "已联系张伟，与钱小红协商后修复，电话13912345678"
        case = MediationCase(
            number="TJ-2026-000009",
            township_id=v.township_id,
            village_id=v.id,
            dispute_type="neighbour",
            title="邻里纠纷",
            summary="纠纷",
            source="walk_in",
            risk_colour="green",
            reported_at=L(2026, 3, 3, 10),
        )
        s.add(case)
        s.flush()
        s.add(MediationParty(case_id=case.id, name="钱小红", side="respondent"))
        s.add(RecordLink(from_type="mediation_case", from_id=case.id, to_type="work_order", to_id=o.id, kind="related"))
        number = o.number
    with read_session(engine) as s:
        rows = kpi.recent_closed_public(s, NOW, days=30)
    mine = next(r for r in rows if r["number"] == number)
    text = mine["title"] + mine["result"]
    for secret in ("张伟", "赵建国", "钱小红", "13912345678"):
        assert secret not in text, (secret, text)
    assert mine["title"] == "张*反映赵*国家门口路灯不亮"
    assert "names" not in mine


def test_trend_leaves_months_without_orders_blank(engine):
    build(engine)
    with read_session(engine) as s:
        rows = kpi.trend(s, kpi.period_of("year", WEEK.start), NOW, "month")
    rows = [r for r in rows if r["start"] <= WEEK.end]
    assert [r["received"] for r in rows] == [0, 0, 6]  # January, February empty; March: o8, o1..o5
    fig = bs.build_trend_figure(rows)
    line, running = fig.data[1], fig.data[2]
    assert list(line.y[:2]) == [None, None]
    # March is the month in progress (NOW is 10 March): a hollow point of its own, not the line's end
    assert line.y[2] is None and list(running.y) == [rows[2]["closure"] * 100]
    assert running.marker.symbol == "circle-open" and running.x[0].endswith("（进行中）")
    assert rows[0]["closure"] is None


def test_recently_closed_are_the_newest_closures_in_the_window(engine):
    build(engine)
    with read_session(engine) as s:
        by_resolved = {o.number: o.resolved_at for o in s.scalars(select(WorkOrder))}
        newest3 = [r["number"] for r in kpi.recent_closed(s, NOW, limit=3, days=30)]
        week = [r["number"] for r in kpi.recent_closed(s, NOW, days=7)]
    closed = sorted((n for n, at in by_resolved.items() if at is not None), key=lambda n: by_resolved[n], reverse=True)
    # o2 (Mon 9 March), o1 (Thu 5 March), o3 (Tue 3 March 09:00) ... o8 (Mon 2 March) is fourth
    assert newest3 == closed[:3] and len(closed) == 4
    # seven days before NOW (Tue 10 March 12:00) is Tue 3 March 12:00: o3 is just outside
    assert week == closed[:2]
