"""Reads of the township's map (一张图): the grids' shapes, one value per grid for each measure
the map can be coloured by, the recent matters placed at their grid (or village), and a grid's
list of open matters for a leader.

Every figure is an aggregate per grid; nothing here places anything at a household. The only
rows about people are the leader's list (``open_matters_for``), presented through the read
layer's privacy step like every other list. The township is the session's (``db/scope.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from db.models import (
    Grid,
    GridEvent,
    GridShape,
    Household,
    MediationCase,
    PartyMember,
    PartyMemberHousehold,
    Village,
    WorkOrder,
)
from db.models.grid_work import EVENT_STATUSES, EVENT_TYPES
from db.models.mediation import CASE_STATUSES, DISPUTE_TYPES, RISK_COLOURS
from db.models.orders import OPEN_STATUSES, ORDER_STATUSES
from db.queries import privacy
from db.queries.grid_events import EVENT_ROW
from db.queries.orders import ORDER_ROW
from db.rules import event_fsm, mediation_fsm
from db.rules.sla import local_midnight, to_local

RISK_POINTS = {"red": 3, "yellow": 2, "blue": 1}
RECENT_DAYS = 7


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    definition: str
    higher_is_worse: bool = True


MEASURES: dict[str, Measure] = {
    "open": Measure("在办事项", "件", "在办工单、未归档的网格事件与未结矛盾纠纷之和（按所在网格）"),
    "overdue": Measure("超期工单", "件", "尚未办结且已过办理时限的工单（按所在网格）"),
    "events": Measure("本月网格事件", "件", "本月1日以来上报的网格事件（按所在网格）"),
    "party": Measure("党员联户覆盖率", "%", "有在册党员联系的户占网格全部户的比例", higher_is_worse=False),
    "risk": Measure("纠纷风险", "分", "未结矛盾纠纷按风险计分：红色3分、黄色2分、蓝色1分"),
}
KEYS = (
    "open_orders",
    "overdue",
    "open_events",
    "events_month",
    "households",
    "linked",
    "disputes",
    "red",
    "yellow",
    "blue",
)


def shapes(s: Session) -> list[dict]:
    """Every drawn grid of the township: id, code, name, village and its GeoJSON geometry text."""
    rows = s.execute(
        select(
            Grid.id.label("grid_id"),
            Grid.code,
            Grid.name,
            Grid.village_id,
            Village.name.label("village"),
            GridShape.geometry,
        )
        .join(GridShape, GridShape.grid_id == Grid.id)
        .join(Village, Village.id == Grid.village_id)
        .order_by(Grid.code)
    ).mappings()
    return [dict(r) for r in rows]


def grid_count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(Grid)) or 0


def _month_start(now: datetime) -> datetime:
    return local_midnight(to_local(now).date().replace(day=1))


def values(s: Session, now: datetime) -> dict[int, dict]:
    """{grid id: the figures behind every measure} for the township's grids (a handful of GROUP BY
    queries, whatever the number of grids)."""
    out: dict[int, dict] = {gid: dict.fromkeys(KEYS, 0) for gid in s.scalars(select(Grid.id))}

    def add(rows, *keys: str) -> None:
        for gid, *nums in rows:
            if gid in out:
                for k, n in zip(keys, nums, strict=True):
                    out[gid][k] += n or 0

    add(
        s.execute(
            select(WorkOrder.grid_id, func.count(), func.sum(case((WorkOrder.due_at < now, 1), else_=0)))
            .where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.grid_id.is_not(None))
            .group_by(WorkOrder.grid_id)
        ),
        "open_orders",
        "overdue",
    )
    month = _month_start(now)
    add(
        s.execute(
            select(
                GridEvent.grid_id,
                func.sum(case((GridEvent.status.in_(event_fsm.OPEN_STATUSES), 1), else_=0)),
                func.sum(case((GridEvent.reported_at >= month, 1), else_=0)),
            )
            .where(GridEvent.status.in_(event_fsm.OPEN_STATUSES) | (GridEvent.reported_at >= month))
            .group_by(GridEvent.grid_id)
        ),
        "open_events",
        "events_month",
    )
    linked = exists().where(
        PartyMemberHousehold.household_id == Household.id,
        PartyMemberHousehold.party_member_id == PartyMember.id,
        PartyMember.active.is_(True),
    )
    add(
        s.execute(
            select(Household.grid_id, func.count(), func.sum(case((linked, 1), else_=0))).group_by(Household.grid_id)
        ),
        "households",
        "linked",
    )
    colour = {c: func.sum(case((MediationCase.risk_colour == c, 1), else_=0)) for c in RISK_COLOURS}
    add(
        s.execute(
            select(MediationCase.grid_id, func.count(), colour["red"], colour["yellow"], colour["blue"])
            .where(MediationCase.status.in_(mediation_fsm.OPEN_STATUSES), MediationCase.grid_id.is_not(None))
            .group_by(MediationCase.grid_id)
        ),
        "disputes",
        "red",
        "yellow",
        "blue",
    )
    return out


def figures_of(vals: dict[int, dict], grid_id: int) -> dict:
    """One grid's figures from ``values`` (zeros for a grid it does not hold)."""
    return vals.get(grid_id) or dict.fromkeys(KEYS, 0)


def measure_value(key: str, v: dict) -> float | None:
    """One grid's value of a measure (None: nothing to measure, e.g. a grid without households)."""
    if key == "open":
        return v["open_orders"] + v["open_events"] + v["disputes"]
    if key == "overdue":
        return v["overdue"]
    if key == "events":
        return v["events_month"]
    if key == "party":
        return None if not v["households"] else round(100.0 * v["linked"] / v["households"], 1)
    if key == "risk":
        return sum(RISK_POINTS[c] * v[c] for c in RISK_POINTS)
    raise ValueError(key)


def recent(s: Session, now: datetime, days: int = RECENT_DAYS) -> list[dict]:
    """The matters of the last ``days`` days placed where the map may show them: at their grid, or
    at their village when no grid is known; counts only (never a household, never a name)."""
    since = now - timedelta(days=days)
    places: dict[tuple[int | None, int | None], dict] = {}

    def add(rows, key: str) -> None:
        for vid, gid, n in rows:
            place = places.setdefault((vid if gid is None else None, gid), {"orders": 0, "events": 0, "disputes": 0})
            place[key] += n

    add(
        s.execute(
            select(WorkOrder.village_id, WorkOrder.grid_id, func.count())
            .where(
                WorkOrder.received_at >= since,
                WorkOrder.received_at <= now,
                WorkOrder.duplicate_of_id.is_(None),
                (WorkOrder.grid_id.is_not(None)) | (WorkOrder.village_id.is_not(None)),
            )
            .group_by(WorkOrder.village_id, WorkOrder.grid_id)
        ),
        "orders",
    )
    add(
        s.execute(
            select(Grid.village_id, GridEvent.grid_id, func.count())
            .join(Grid, Grid.id == GridEvent.grid_id)
            .where(GridEvent.reported_at >= since, GridEvent.reported_at <= now)
            .group_by(Grid.village_id, GridEvent.grid_id)
        ),
        "events",
    )
    add(
        s.execute(
            select(MediationCase.village_id, MediationCase.grid_id, func.count())
            .where(MediationCase.reported_at >= since, MediationCase.reported_at <= now)
            .group_by(MediationCase.village_id, MediationCase.grid_id)
        ),
        "disputes",
    )
    return [{"village_id": vid, "grid_id": gid, **n} for (vid, gid), n in places.items()]


# --------------------------------------------------------------------------- a grid's open matters


def open_matters(s: Session, grid_id: int, now: datetime, limit: int = 50) -> dict[str, list[dict]]:
    """The open orders, events and disputes of one grid (oldest first), unmasked."""
    orders = s.execute(
        select(
            WorkOrder.id,
            WorkOrder.number,
            WorkOrder.title,
            WorkOrder.status,
            WorkOrder.received_at,
            WorkOrder.due_at,
            WorkOrder.caller_name,
            WorkOrder.caller_phone,
            WorkOrder.address,
        )
        .where(WorkOrder.grid_id == grid_id, WorkOrder.status.in_(OPEN_STATUSES))
        .order_by(WorkOrder.due_at.is_(None), WorkOrder.due_at, WorkOrder.id)
        .limit(limit)
    ).mappings()
    events = s.execute(
        select(
            GridEvent.id,
            GridEvent.number,
            GridEvent.event_type,
            GridEvent.description,
            GridEvent.status,
            GridEvent.reported_at,
            GridEvent.address,
            Household.head_name.label("household_head"),
        )
        .outerjoin(Household, Household.id == GridEvent.household_id)
        .where(GridEvent.grid_id == grid_id, GridEvent.status.in_(event_fsm.OPEN_STATUSES))
        .order_by(GridEvent.reported_at, GridEvent.id)
        .limit(limit)
    ).mappings()
    disputes = s.execute(
        select(
            MediationCase.id,
            MediationCase.number,
            MediationCase.dispute_type,
            MediationCase.risk_colour,
            MediationCase.status,
            MediationCase.reported_at,
        )
        .where(MediationCase.grid_id == grid_id, MediationCase.status.in_(mediation_fsm.OPEN_STATUSES))
        .order_by(
            case(*[(MediationCase.risk_colour == c, i) for i, c in enumerate(("red", "yellow", "blue"))], else_=9),
            MediationCase.reported_at,
        )
        .limit(limit)
    ).mappings()
    return {
        "orders": [
            {
                **dict(r),
                "overdue": bool(r["due_at"] and r["due_at"] < now),
                "status_label": ORDER_STATUSES.get(r["status"], r["status"]),
            }
            for r in orders
        ],
        "events": [
            {
                **dict(r),
                "reporter": None,
                "type_label": EVENT_TYPES.get(r["event_type"], r["event_type"]),
                "status_label": EVENT_STATUSES.get(r["status"], r["status"]),
            }
            for r in events
        ],
        "disputes": [
            {
                **dict(r),
                "type_label": DISPUTE_TYPES.get(r["dispute_type"], r["dispute_type"]),
                "risk_label": RISK_COLOURS.get(r["risk_colour"], r["risk_colour"]),
                "status_label": CASE_STATUSES.get(r["status"], r["status"]),
            }
            for r in disputes
        ],
    }


def open_matters_for(s: Session, grid_id: int, now: datetime, role: str) -> dict[str, list[dict]]:
    """``open_matters`` as ``role`` may see them (titles and descriptions scrubbed, callers masked)."""
    m = open_matters(s, grid_id, now)
    return {
        "orders": privacy.present(s, role, m["orders"], ORDER_ROW),
        "events": privacy.present(s, role, m["events"], EVENT_ROW),
        "disputes": m["disputes"],
    }  # no free text, no party
