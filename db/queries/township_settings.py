"""The settings a township differs on (issue #19, item 3): the one answer to "the clocks of
category C in township T" and to "the link range of township T", and the reads of the settings
page (系统设置 → 本乡镇设置).

Clocks. A category of the county's catalogue has a first-contact clock (hours) and a handling
clock (working days). A township may set, in this order of precedence:

1. its own clocks for the category (``township_category_clock``; an empty value keeps the next);
2. for the first contact only, one clock for all its categories (``township_setting.contact_hours``);
3. otherwise the catalogue's (``category.contact_hours`` / ``handling_workdays``).

Intake, dispatch and redispatch read ``category_clocks``; nothing else computes a clock from a
category. (A deadline recounted when a year's holidays are entered counts the working days stored
on the order at dispatch, so it keeps the township's clock.)

Link range. 党员联户: a member should link ``link_min``-``link_max`` households, 5-15 unless the
township set its own (``township_setting``). Lists that span townships compare each member
with their own township's range in SQL (``link_bounds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.models import Category, Township, TownshipCategoryClock, TownshipSetting, Village
from db.rules.roster import LINK_MAX, LINK_MIN
from db.rules.sla import CONTACT_HOURS

DEFAULT_CONTACT_HOURS = CONTACT_HOURS  # a category without a first-contact clock
DEFAULT_WORKDAYS = 5  # a category without a handling clock

# where a clock came from, as the settings page says it
FROM_CATEGORY, FROM_TOWNSHIP, FROM_OVERRIDE = "县级类别目录", "本乡镇首次联系时限", "本乡镇类别时限"


@dataclass(frozen=True)
class Clocks:
    """The clocks of one category in one township, and where each came from."""

    contact_hours: int
    handling_workdays: int
    contact_from: str = FROM_CATEGORY
    workdays_from: str = FROM_CATEGORY


def resolve(
    category_hours: int | None,
    category_workdays: int | None,
    township_hours: int | None = None,
    override_hours: int | None = None,
    override_workdays: int | None = None,
) -> Clocks:
    """The precedence above, without a database: the township's clock for the category, else (first
    contact) the township's own first-contact clock, else the catalogue's (24 h / 5 days if it has
    none); never less than 1."""
    if override_hours:
        hours, hours_from = override_hours, FROM_OVERRIDE
    elif township_hours:
        hours, hours_from = township_hours, FROM_TOWNSHIP
    else:
        hours, hours_from = category_hours or DEFAULT_CONTACT_HOURS, FROM_CATEGORY
    if override_workdays:
        days, days_from = override_workdays, FROM_OVERRIDE
    else:
        days, days_from = category_workdays or DEFAULT_WORKDAYS, FROM_CATEGORY
    return Clocks(max(1, int(hours)), max(1, int(days)), hours_from, days_from)


def category_clocks(s: Session, township_id: int | None, category_id: int | None) -> Clocks:
    """The clocks of category ``category_id`` in township ``township_id``: the one function every
    deadline made from a category reads (intake: first contact; dispatch and redispatch: handling)."""
    cat = s.get(Category, category_id) if category_id is not None else None
    setting = s.get(TownshipSetting, township_id) if township_id is not None else None
    override = None
    if township_id is not None and category_id is not None:
        override = s.scalar(
            select(TownshipCategoryClock).where(
                TownshipCategoryClock.township_id == township_id, TownshipCategoryClock.category_id == category_id
            )
        )
    return resolve(
        cat.contact_hours if cat else None,
        cat.handling_workdays if cat else None,
        setting.contact_hours if setting else None,
        override.contact_hours if override else None,
        override.handling_workdays if override else None,
    )


# --------------------------------------------------------------------------- 党员联户


@dataclass(frozen=True)
class LinkRange:
    low: int = LINK_MIN
    high: int = LINK_MAX
    custom: bool = False  # set by the township (else the default 5-15)


def link_range(s: Session, township_id: int | None) -> LinkRange:
    """The link range of a township (the default for none, or one that set none)."""
    row = s.get(TownshipSetting, township_id) if township_id is not None else None
    return LinkRange(row.link_min, row.link_max, True) if row is not None else LinkRange()


def link_ranges(s: Session) -> dict[int, LinkRange]:
    """The link range of every township the reader sees, by township id."""
    rows = s.execute(
        select(Township.id, TownshipSetting.link_min, TownshipSetting.link_max).outerjoin(
            TownshipSetting, TownshipSetting.township_id == Township.id
        )
    ).all()
    return {tid: LinkRange(lo, hi, True) if lo is not None else LinkRange() for tid, lo, hi in rows}


def shown_link_range(s: Session, township_id: int | None = None) -> LinkRange | None:
    """The range a list shows beside its counts: the township's, or, for every township the reader
    sees (``None``), the one range they all keep; None when they differ (each member is still
    compared with their own township's range)."""
    if township_id is not None:
        return link_range(s, township_id)
    ranges = {(r.low, r.high) for r in link_ranges(s).values()} or {(LINK_MIN, LINK_MAX)}
    if len(ranges) > 1:
        return None
    low, high = ranges.pop()
    return LinkRange(low, high, (low, high) != (LINK_MIN, LINK_MAX))


def link_bounds(village_col: Any) -> tuple[Any, Any]:
    """SQL expressions of the link range (low, high) of the township of the village in
    ``village_col`` (e.g. ``PartyMember.village_id``), the defaults where the township set none."""
    v = aliased(Village)

    def bound(col: Any, default: int) -> Any:
        sub = (
            select(col)
            .join(v, v.township_id == TownshipSetting.township_id)
            .where(v.id == village_col)
            .correlate_except(TownshipSetting, v)
            .scalar_subquery()
        )
        return func.coalesce(sub, default)

    return bound(TownshipSetting.link_min, LINK_MIN), bound(TownshipSetting.link_max, LINK_MAX)


# --------------------------------------------------------------------------- the settings page


def settings_of(s: Session, township_id: int) -> dict | None:
    """A township's settings as the form shows them (``version`` 0: never saved, the defaults);
    None for a township the reader does not see."""
    town = s.get(Township, township_id)
    if town is None:
        return None
    row = s.get(TownshipSetting, township_id)
    return {
        "township_id": town.id,
        "township": town.name,
        "link_min": row.link_min if row else LINK_MIN,
        "link_max": row.link_max if row else LINK_MAX,
        "contact_hours": row.contact_hours if row else None,
        "version": row.version if row else 0,
    }


def category_clock_rows(s: Session, township_id: int) -> list[dict]:
    """The categories an order may take (active, without active children), each with the
    catalogue's clocks, the township's own (None where it keeps the catalogue's, ``version`` 0
    when it never set any) and the clocks in force in the township."""
    parent, child = aliased(Category), aliased(Category)
    has_child = select(child.id).where(child.parent_id == Category.id, child.active.is_(True)).exists()
    cats = (
        s.execute(
            select(
                Category.id,
                Category.code,
                Category.name,
                parent.name.label("parent"),
                Category.contact_hours,
                Category.handling_workdays,
            )
            .outerjoin(parent, parent.id == Category.parent_id)
            .where(Category.active.is_(True), ~has_child)
            .order_by(Category.code)
        )
        .mappings()
        .all()
    )
    own = {
        r.category_id: r
        for r in s.scalars(select(TownshipCategoryClock).where(TownshipCategoryClock.township_id == township_id))
    }
    setting = s.get(TownshipSetting, township_id)
    township_hours = setting.contact_hours if setting else None
    out = []
    for c in cats:
        o = own.get(c["id"])
        clocks = resolve(
            c["contact_hours"],
            c["handling_workdays"],
            township_hours,
            o.contact_hours if o else None,
            o.handling_workdays if o else None,
        )
        out.append(
            {
                "id": c["id"],
                "code": c["code"],
                "label": f"{c['parent']} / {c['name']}" if c["parent"] else c["name"],
                "county_hours": c["contact_hours"],
                "county_workdays": c["handling_workdays"],
                "own_hours": o.contact_hours if o else None,
                "own_workdays": o.handling_workdays if o else None,
                "version": o.version if o else 0,
                "contact_hours": clocks.contact_hours,
                "handling_workdays": clocks.handling_workdays,
                "contact_from": clocks.contact_from,
                "workdays_from": clocks.workdays_from,
            }
        )
    return out
