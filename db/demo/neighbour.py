"""The demo county's second township (白云镇): small, created through the console's own services
(the go-live steps, then calls registered and handled like at a desk), so that the demo shows a
county of more than one township: each township's accounts see only their own, the county's
accounts compare the two (issue #17).

Its orders are spread over the 60 days before ``now`` and follow the real date like the demo
township's; deterministic for a given ``now`` (a seeded random generator).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from db.demo import topup
from db.demo.identity import Identities
from db.engine import read_session, write_session
from db.models import Category, Department, Household, Platform, Township
from db.permissions import SYSTEM
from db.services import orders as orders_svc
from db.services import setup as setup_svc
from db.services.orders import Intake

NAME = "白云镇"
CODE = "411726103"
VILLAGES = (
    ("白云村", "village", ("一组", "二组")),
    ("石桥村", "village", ("东片", "西片")),
    ("新华社区", "community", ("一网格", "二网格")),
)
ORDERS = 80
ISSUES = (
    ("路灯", "村口路灯连续几晚不亮，晚上出行不便。"),
    ("自来水", "家里自来水水压很低，早晚做饭时几乎没水。"),
    ("垃圾", "路边垃圾堆放多日无人清运，气味很大。"),
    ("噪音", "附近工地夜间施工，噪音影响休息。"),
    ("道路", "村道有一处塌陷，电动车经过很危险。"),
    ("邻里", "邻居在公共通道堆放杂物，协商未果。"),
)


def exists(engine: Engine) -> bool:
    with read_session(engine) as s:
        return bool(s.scalar(select(func.count()).select_from(Township).where(Township.name == NAME)))


def seed(engine: Engine, now: datetime) -> int:
    """Create 白云镇 with its villages, grids, a few households and ``ORDERS`` calls in various
    states; returns its id. Needs the category catalogue (the demo township's) in place."""
    rng = random.Random(20261206)  # nosec B311 - demo data, not security
    town = setup_svc.create_township(engine, SYSTEM, code=CODE, name=NAME, county="泌阳县")
    grids: list[tuple[int, int, str]] = []  # (village, grid, place)
    for i, (vname, kind, parts) in enumerate(VILLAGES, start=1):
        vid = setup_svc.create_village(engine, SYSTEM, township_id=town, code=f"{CODE}{i:03d}", name=vname, kind=kind)
        for j, part in enumerate(parts, start=1):
            gid = setup_svc.create_grid(
                engine,
                SYSTEM,
                village_id=vid,
                code=f"{CODE}{i:03d}{j:02d}",
                name=f"{vname}{part}",
                kind="community" if kind == "community" else "rural",
            )
            grids.append((vid, gid, f"{vname}{part}"))
    people = Identities(rng)  # the generator's names and phones
    with write_session(engine) as s:
        households = []
        for vid, gid, place in grids:
            for n in range(1, 9):
                hh = Household(
                    grid_id=gid, address=f"{place}{n}号", head_name=people.person(now.year)[0], phone=people.mobile()
                )
                s.add(hh)
                households.append((vid, gid, hh))
        s.flush()
        houses = [(v, g, h.id, h.head_name, h.phone, h.address) for v, g, h in households]
        leaves = [
            c.id for c in s.scalars(select(Category).where(Category.parent_id.is_not(None), Category.active.is_(True)))
        ]
        depts = [
            (p.id, d.id)
            for p, d in s.execute(
                select(Platform, Department)
                .join(Department, Department.platform_id == Platform.id)
                .where(Platform.township_id == town)
            )
        ]
    if not leaves:
        return town
    for _ in range(ORDERS):
        vid, gid, hid, name, phone, address = rng.choice(houses)
        _topic, text = rng.choice(ISSUES)
        at = now - timedelta(days=rng.uniform(0.2, 60))
        order = orders_svc.register(
            engine,
            SYSTEM,
            Intake(
                channel=rng.choice(("hotline", "hotline", "walk_in", "12345")),
                caller_name=name,
                caller_phone=phone,
                village_id=vid,
                grid_id=gid,
                household_id=hid,
                address=address,
                category_id=rng.choice(leaves),
                tier="local",
                urgency="normal",
                description=text,
            ),
            now=at,
        )
        topup.progress(engine, rng, order, at, now, depts)
    return town
