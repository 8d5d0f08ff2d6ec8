"""The grid-events world (both backends): the work-order world (tests/factories/orders.py) plus
grid workers with their staff records; and the event report form.

Used by the grid-event services' and queries' tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from db.engine import write_session
from db.models import GridStaff
from db.permissions import Actor
from db.rules.sla import local_to_utc
from db.services import grid_events as ge
from db.services import users
from tests.factories.orders import PW, World, build_world

T0 = local_to_utc(datetime(2025, 3, 3, 9, 0))  # Monday 3 March 2025, 09:00 Beijing
TODAY = date(2025, 3, 3)


@dataclass
class G:
    w: World
    grid: Actor  # grid worker of grid 1
    grid2: Actor  # grid worker of grid 2
    orphan: Actor  # grid account without a staff record
    staff: int
    staff2: int
    chief: int  # second staff member of grid 1 (no login)


def build_grid_world(engine) -> G:
    """The work-order world plus two grid workers with staff records (grids 1 and 2), a grid
    account without one, and a chief of grid 1 without a login."""
    w = build_world(engine)

    def make(username, name):
        uid = users.create_user(engine, w.admin, username=username, display_name=name, role="grid", password=PW)
        return Actor(uid, username, "grid", name)

    a, b, c = make("grid1", "网格员甲"), make("grid2", "网格员乙"), make("grid3", "无档案")
    with write_session(engine) as s:
        s1 = GridStaff(grid_id=w.grid, name="网格员甲", phone="13900001111", staff_role="worker", user_id=a.user_id)
        s2 = GridStaff(grid_id=w.grid2, name="网格员乙", staff_role="worker", user_id=b.user_id)
        s3 = GridStaff(grid_id=w.grid, name="网格长丙", staff_role="chief")
        s.add_all([s1, s2, s3])
        s.flush()
        ids = (s1.id, s2.id, s3.id)
    return G(w, a, b, c, *ids)


def report(g: G, actor: Actor | None = None, **kw) -> dict:
    base = dict(event_type="safety", description="村口老桥护栏松动，有坠落风险。", address="东湖村村口老桥", photo=None)
    base.update(kw)
    return ge.report(g.w.engine, actor or g.grid, ge.EventReport(**base), now=T0)
