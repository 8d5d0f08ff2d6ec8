"""Overlap analysis (重合度): how many matters reached the township through more than one
channel, and the petitions no grid reported first (the "sentinel" failures).

Definitions (also in docs/kpi.md):
- Channels: 网格 = work orders with channel ``grid`` (a grid report entered as an order);
  热线 = ``hotline``, ``12345`` and ``online``; 信访 = ``petition``. Walk-ins are not one of the
  three channels. Cancelled orders are left out; duplicates are kept (a duplicate from another
  channel is exactly the overlap being measured).
- A *matter* is the pair (who/where, category): who/where is the household when the order names
  one, otherwise the caller's phone, otherwise the address (first non-empty, in that order).
  Orders without any of the three are not matched with anything and are left out.
- The Venn counts the matters with at least one order received in the period, by the set of
  channels their orders in the period came through.
- A petition is a *sentinel failure* when no grid order for the same matter was received before
  the petition's first receipt in the period, looking back ``LOOKBACK_DAYS`` before the period.
- Grid events count as the grid channel for a household's matters: a matter keyed by a household
  was seen by the grid in the period when a grid event of that household was reported in it, and
  the grid saw it first when such an event came before the petition (any event type: the grid
  worker was at the door).

All in SQL: one grouped query per matter, then a count per channel combination.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from db.models import Category, GridEvent, Village, WorkOrder

W = WorkOrder
LOOKBACK_DAYS = 90
CHANNEL_GROUPS = {"grid": ("grid",), "hotline": ("hotline", "12345", "online"), "petition": ("petition",)}
GROUP_LABELS = {"grid": "网格上报", "hotline": "热线/12345/线上", "petition": "信访"}
COMBOS = {  # (grid, hotline, petition) -> label
    (1, 0, 0): "仅网格", (0, 1, 0): "仅热线", (0, 0, 1): "仅信访",
    (1, 1, 0): "网格+热线", (1, 0, 1): "网格+信访", (0, 1, 1): "热线+信访", (1, 1, 1): "三个渠道",
}


def _matter_key():
    """'h<household id>' / 'p<phone>' / 'a<address>' (empty strings count as absent)."""
    phone = func.nullif(func.trim(W.caller_phone), "")
    address = func.nullif(func.trim(W.address), "")
    return func.coalesce(
        literal("h") + cast(W.household_id, String),
        literal("p") + phone,
        literal("a") + address,
    )


def _order_flags(since: datetime, until: datetime):
    in_period = and_(W.received_at >= since, W.received_at < until)
    key = _matter_key()

    def has(group: str):
        return func.max(case((and_(in_period, W.channel.in_(CHANNEL_GROUPS[group])), 1), else_=0))

    all_channels = [c for g in CHANNEL_GROUPS.values() for c in g]
    return (
        select(
            key.label("k"), W.category_id.label("category_id"),
            has("grid").label("g"), has("hotline").label("h"), has("petition").label("p"),
            func.min(case((and_(in_period, W.channel == "petition"), W.received_at))).label("first_petition"),
            func.min(case((W.channel == "grid", W.received_at))).label("first_grid"),
            func.count().label("orders"),
            func.min(W.village_id).label("village_id"),
        )
        .where(W.received_at >= since - timedelta(days=LOOKBACK_DAYS), W.received_at < until,
               W.status != "cancelled", W.channel.in_(all_channels), key.is_not(None))
        .group_by(key, W.category_id)
    )


def _flags(since: datetime, until: datetime):
    """Each matter's channels and first dates, the grid's own events counted as the grid channel
    for a household's matters (issue #21 item 3, #23 item 4): a grid worker who reported an event
    of the household saw its matter, whatever the event's type."""
    base = _order_flags(since, until).subquery("base")
    E = GridEvent
    in_period = and_(E.reported_at >= since, E.reported_at < until)
    ev = (select((literal("h") + cast(E.household_id, String)).label("k"),
                 func.max(case((in_period, 1), else_=0)).label("eg"),
                 func.min(E.reported_at).label("first_event"))
          .where(E.household_id.is_not(None), E.reported_at >= since - timedelta(days=LOOKBACK_DAYS),
                 E.reported_at < until)
          .group_by(E.household_id).subquery("ev"))
    eg = func.coalesce(ev.c.eg, 0)
    first_grid = case((base.c.first_grid.is_(None), ev.c.first_event),
                      (ev.c.first_event.is_(None), base.c.first_grid),
                      (ev.c.first_event < base.c.first_grid, ev.c.first_event), else_=base.c.first_grid)
    return (select(base.c.k, base.c.category_id, case((eg > base.c.g, eg), else_=base.c.g).label("g"),
                   base.c.h, base.c.p, base.c.first_petition, first_grid.label("first_grid"), base.c.orders,
                   base.c.village_id)
            .select_from(base).outerjoin(ev, ev.c.k == base.c.k))


def summary(s: Session, since: datetime, until: datetime) -> dict:
    """{"combos": [{"combo": (g, h, p), "label", "matters"}], "matters", "multi", "multi_share",
    "petition_matters", "sentinel_failures", "sentinel_share", "by_category": [...]}"""
    m = _flags(since, until).subquery("m")
    active = (m.c.g + m.c.h + m.c.p) > 0
    sentinel = and_(m.c.p == 1, (m.c.first_grid.is_(None)) | (m.c.first_grid >= m.c.first_petition))
    q = (select(m.c.g, m.c.h, m.c.p, func.count().label("n"),
                func.sum(case((sentinel, 1), else_=0)).label("sentinel"))
         .where(active).group_by(m.c.g, m.c.h, m.c.p))
    combos = {tuple(int(x) for x in (r.g, r.h, r.p)): (int(r.n), int(r.sentinel or 0)) for r in s.execute(q)}
    out = [{"combo": c, "label": label, "matters": combos.get(c, (0, 0))[0]} for c, label in COMBOS.items()]
    total = sum(v[0] for v in combos.values())
    multi = sum(v[0] for c, v in combos.items() if sum(c) > 1)
    petition_matters = sum(v[0] for c, v in combos.items() if c[2] == 1)
    failures = sum(v[1] for v in combos.values())
    cq = (select(m.c.category_id, Category.name, func.count().label("n"),
                 func.sum(case(((m.c.g + m.c.h + m.c.p) > 1, 1), else_=0)).label("multi"),
                 func.sum(case((sentinel, 1), else_=0)).label("sentinel"))
          .join(Category, Category.id == m.c.category_id)
          .where(active).group_by(m.c.category_id, Category.name)
          .order_by(func.sum(case(((m.c.g + m.c.h + m.c.p) > 1, 1), else_=0)).desc(), Category.name))
    by_cat = [{"category_id": r.category_id, "category": r.name, "matters": int(r.n), "multi": int(r.multi or 0),
               "sentinel": int(r.sentinel or 0)} for r in s.execute(cq)]
    return {"combos": out, "matters": total, "multi": multi, "multi_share": multi / total if total else None,
            "petition_matters": petition_matters, "sentinel_failures": failures,
            "sentinel_share": failures / petition_matters if petition_matters else None, "by_category": by_cat}


def matters(s: Session, since: datetime, until: datetime, *, combo: tuple[int, int, int] | None = None,
            sentinel_only: bool = False, offset: int = 0, limit: int = 20) -> tuple[int, list[dict]]:
    """The matters of one channel combination (or the sentinel failures): (count, one page).
    Rows carry the category, village, the channels, the first dates and the order count, and
    the internal matching key ``k`` for ``matter_orders`` (it holds a phone or an address:
    never display it)."""
    m = _flags(since, until).subquery("m")
    conds = [(m.c.g + m.c.h + m.c.p) > 0]
    if combo is not None:
        conds += [m.c.g == combo[0], m.c.h == combo[1], m.c.p == combo[2]]
    if sentinel_only:
        conds += [m.c.p == 1, (m.c.first_grid.is_(None)) | (m.c.first_grid >= m.c.first_petition)]
    total = s.scalar(select(func.count()).select_from(m).where(*conds)) or 0
    q = (select(m.c.k, m.c.category_id, Category.name.label("category"), Village.name.label("village"), m.c.g, m.c.h, m.c.p,
                m.c.first_grid, m.c.first_petition, m.c.orders)
         .select_from(m).join(Category, Category.id == m.c.category_id)
         .outerjoin(Village, Village.id == m.c.village_id)
         .where(*conds)
         .order_by(m.c.first_petition.desc().nulls_last(), m.c.orders.desc(), m.c.k, m.c.category_id)
         .offset(offset).limit(limit))
    rows = []
    for r in s.execute(q).mappings():
        row = dict(r)
        row["channels"] = "、".join(GROUP_LABELS[g] for g, f in zip(("grid", "hotline", "petition"),
                                                                   (r["g"], r["h"], r["p"]), strict=True) if f)
        rows.append(row)
    return total, rows


def matter_orders(s: Session, since: datetime, until: datetime, key: str, category_id: int | None = None,
                  limit: int = 50) -> list[dict]:
    """The orders of one matter (by its internal key), oldest first, without personal fields."""
    all_channels = [c for g in CHANNEL_GROUPS.values() for c in g]
    conds = [_matter_key() == key, W.received_at >= since - timedelta(days=LOOKBACK_DAYS),
             W.received_at < until, W.status != "cancelled", W.channel.in_(all_channels)]
    if category_id is not None:
        conds.append(W.category_id == category_id)
    q = (select(W.id, W.number, W.received_at, W.channel, W.title, W.status).where(*conds)
         .order_by(W.received_at, W.id).limit(limit))
    return [dict(r) for r in s.execute(q).mappings()]


__all__ = ["CHANNEL_GROUPS", "COMBOS", "GROUP_LABELS", "LOOKBACK_DAYS", "matter_orders", "matters", "summary"]


def matter_orders_for(s: Session, since: datetime, until: datetime, key: str, role: str,
                      category_id: int | None = None, limit: int = 50) -> list[dict]:
    """``matter_orders`` as ``role`` may see them (titles scrubbed like the KPI drill-down's)."""
    from db.queries import kpi as kpi_q  # kpi reads this module's definitions in its docs only
    from db.queries import privacy

    return privacy.present(s, role, matter_orders(s, since, until, key, category_id, limit), kpi_q.DRILL_ROW)
