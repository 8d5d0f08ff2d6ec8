"""A small hand-made dataset of work orders whose KPI answers are worked out by hand in the
comments (both backends), used by the KPI tests and by every test that needs a week of orders.

The week under test is Monday 2 March 2026 .. Sunday 8 March 2026 (Beijing time). ``L(...)``
turns a Beijing wall-clock time into the naive UTC the database stores.
"""

from __future__ import annotations

from datetime import date, datetime

from db.engine import write_session
from db.models import Category, Department, Grid, Platform, Township, Village, WorkOrder
from db.queries import kpi
from db.rules.sla import local_to_utc


def L(*args) -> datetime:
    return local_to_utc(datetime(*args))


NOW = L(2026, 3, 10, 12, 0)  # Tuesday of the following week
WEEK = kpi.period_of("week", date(2026, 3, 4))


def build(engine) -> dict:
    with write_session(engine) as s:
        t = Township(code="T1", name="青龙镇", county="示范县")
        s.add(t)
        s.flush()
        va = Village(township_id=t.id, code="V1", name="东湖村")
        vb = Village(township_id=t.id, code="V2", name="西山社区")
        s.add_all([va, vb])
        s.flush()
        ga = Grid(village_id=va.id, code="G1", name="东湖一网格")
        gb = Grid(village_id=vb.id, code="G2", name="西山一网格")
        p = Platform(township_id=t.id, code="zongzhi", name="综治平台")
        c = Category(code="C01", name="邻里纠纷")
        s.add_all([ga, gb, p, c])
        s.flush()
        d = Department(platform_id=p.id, name="综治办")
        s.add(d)
        s.flush()
        n = iter(range(1, 100))

        def order(village, grid, received, **kw):
            o = WorkOrder(
                number=f"RX-T-{next(n):04d}",
                township_id=t.id,
                channel=kw.pop("channel", "hotline"),
                village_id=village.id,
                grid_id=grid.id,
                category_id=c.id,
                title="测试事项",
                description="测试",
                received_at=received,
                status=kw.pop("status", "received"),
                platform_id=p.id,
                department_id=d.id,
                **kw,
            )
            s.add(o)
            s.flush()
            return o

        due_fri = L(2026, 3, 7, 0, 0)  # end of Friday 6 March (24:00)
        # o1: contacted after 2 h, resolved Thu on time, callback satisfied
        o1 = order(
            va,
            ga,
            L(2026, 3, 2, 10),
            contacted_at=L(2026, 3, 2, 12),
            dispatched_at=L(2026, 3, 2, 13),
            due_at=due_fri,
            resolved_at=L(2026, 3, 5, 10),
            status="archived",
            callback_at=L(2026, 3, 6, 9),
            satisfaction="satisfied",
        )
        # o2: contacted after 30 h (late), bounced once, supervised, resolved Mon 9 March (late)
        order(
            va,
            ga,
            L(2026, 3, 2, 12),
            contacted_at=L(2026, 3, 3, 18),
            dispatched_at=L(2026, 3, 3, 19),
            due_at=due_fri,
            resolved_at=L(2026, 3, 9, 10),
            status="resolved",
            bounce_count=1,
            supervised=True,
            supervision_level="red",
        )
        # o3: instant answer at intake (contacted and resolved at once), no deadline; callback unsatisfied
        order(
            vb,
            gb,
            L(2026, 3, 3, 9),
            contacted_at=L(2026, 3, 3, 9),
            resolved_at=L(2026, 3, 3, 9),
            status="archived",
            tier="instant",
            callback_at=L(2026, 3, 4, 9),
            satisfaction="unsatisfied",
        )
        # o4: petition, contacted after 1 h, due end of Thursday 5 March, still in progress -> overdue
        order(
            vb,
            gb,
            L(2026, 3, 4, 9),
            channel="petition",
            contacted_at=L(2026, 3, 4, 10),
            dispatched_at=L(2026, 3, 4, 11),
            due_at=L(2026, 3, 6, 0, 0),
            status="in_progress",
        )
        # o5: petition, never contacted
        order(va, ga, L(2026, 3, 5, 9), channel="petition")
        # o6 cancelled and o7 a duplicate of o1: excluded everywhere
        order(va, ga, L(2026, 3, 5, 10), status="cancelled", channel="petition")
        order(va, ga, L(2026, 3, 5, 11), duplicate_of_id=o1.id, channel="petition")
        # o8: Sunday 1 March 23:30 Beijing = the previous week (15:30 UTC the same day), a petition,
        # called back this week with "basic"
        order(
            va,
            ga,
            L(2026, 3, 1, 23, 30),
            channel="petition",
            status="archived",
            contacted_at=L(2026, 3, 2, 8),
            resolved_at=L(2026, 3, 2, 9),
            callback_at=L(2026, 3, 3, 15),
            satisfaction="basic",
        )
        # o9: a petition one year before (Wednesday 4 March 2025)
        order(vb, gb, L(2025, 3, 4, 9), channel="petition")
        return {"va": va.id, "vb": vb.id}
