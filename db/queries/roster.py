"""Grid-roster reads: the organisation tree with counts, coverage gaps, staff / ten-household
chief / party-member lists, a household's chain of responsibility and its history, commando
teams and responsibility zones.

Every function takes a Session, never commits and returns plain dicts. Counts are a handful
of GROUP BY queries for a whole level of the tree (never one query per node); lists are
filtered and paginated in SQL. Personal fields come back unmasked: the caller masks them
for the role (``components/roster/``; ``db/services/roster_io`` for exports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from db.errors import ValidationError
from db.models import (
    CommandoTeam,
    Grid,
    GridEvent,
    GridStaff,
    Household,
    MediationParty,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Resident,
    ResponsibilityZone,
    TenHouseholdUnit,
    Township,
    Village,
)
from db.permissions import sees_unmasked
from db.queries import orders as orders_q
from db.queries import privacy
from db.queries.township_settings import LinkRange, link_bounds
from db.rules.phone import looks_like_phone, normalize_phone
from db.rules.text import search_text


def gap_kinds(link: LinkRange | None = None) -> dict[str, str]:
    """The coverage-gap kinds and their labels; the party members' with the numbers of ``link``
    (the range of the township shown), without numbers when townships of different ranges are
    shown together (each member is compared with their own township's range)."""
    return {
        "grid_no_chief": "无在岗网格长的网格",
        "grid_no_worker": "无在岗网格员的网格",
        "household_no_unit": "未编入十户单元的户",
        "party_under": f"联户不足{link.low}户的党员" if link else "联户不足规定户数的党员",
        "party_over": f"联户超过{link.high}户的党员" if link else "联户超过规定户数的党员",
        "household_unlinked": "无党员联系的户",
    }


GAP_KINDS: dict[str, str] = gap_kinds()
GAP_ENTITY = {
    "grid_no_chief": "grid",
    "grid_no_worker": "grid",
    "household_no_unit": "household",
    "household_unlinked": "household",
    "party_under": "party",
    "party_over": "party",
}


@dataclass(frozen=True)
class Scope:
    """Where a list or a count looks: the whole database, a township, a village or a grid."""

    township_id: int | None = None
    village_id: int | None = None
    grid_id: int | None = None


def _paged(s: Session, stmt: Select, offset: int, limit: int) -> tuple[int, list[dict]]:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.execute(stmt.offset(max(0, offset)).limit(max(1, limit))).mappings().all()
    return total, [dict(r) for r in rows]


def _grid_scope(scope: Scope) -> list:
    conds: list = []
    if scope.grid_id:
        conds.append(Grid.id == scope.grid_id)
    if scope.village_id:
        conds.append(Grid.village_id == scope.village_id)
    if scope.township_id:
        conds.append(Grid.village_id.in_(select(Village.id).where(Village.township_id == scope.township_id)))
    return conds


def _phone_or_none(text: str) -> str | None:
    if not looks_like_phone(text):
        return None
    try:
        return normalize_phone(text)
    except ValidationError:
        return None


# --------------------------------------------------------------------------- conditions


def _active_staff(grid_col, role: str):
    return exists().where(GridStaff.grid_id == grid_col, GridStaff.staff_role == role, GridStaff.active.is_(True))


def _links_per_member():
    """(party_member_id, n) for every member with at least one link."""
    return (
        select(PartyMemberHousehold.party_member_id.label("member_id"), func.count().label("n"))
        .group_by(PartyMemberHousehold.party_member_id)
        .subquery()
    )


def _linked_household(hh_col):
    return exists().where(
        PartyMemberHousehold.household_id == hh_col,
        PartyMemberHousehold.party_member_id == PartyMember.id,
        PartyMember.active.is_(True),
    )


def gap_condition(kind: str):
    """The WHERE condition of one coverage-gap kind, on its entity's table."""
    if kind == "grid_no_chief":
        return ~_active_staff(Grid.id, "chief")
    if kind == "grid_no_worker":
        return ~_active_staff(Grid.id, "worker")
    if kind == "household_no_unit":
        return Household.unit_id.is_(None)
    if kind == "household_unlinked":
        return ~_linked_household(Household.id)
    if kind in ("party_under", "party_over"):
        n = (
            select(func.count())
            .select_from(PartyMemberHousehold)
            .where(PartyMemberHousehold.party_member_id == PartyMember.id)
            .scalar_subquery()
        )
        low, high = link_bounds(PartyMember.village_id)  # the member's township's range
        return and_(PartyMember.active.is_(True), n < low if kind == "party_under" else n > high)
    raise ValueError(kind)


# --------------------------------------------------------------------------- the tree


def townships(s: Session) -> list[dict]:
    rows = s.execute(select(Township.id, Township.name, Township.code).order_by(Township.code)).mappings()
    return [dict(r) for r in rows]


def village_tree(s: Session, township_id: int | None = None) -> list[dict]:
    """One row per village/community with its counts and coverage gaps (about ten GROUP BY
    queries for the whole level, whatever the number of villages)."""
    vq = (
        select(Village.id, Village.name, Village.kind, Village.code, Township.name.label("township"))
        .join(Township, Township.id == Village.township_id)
        .order_by(Township.code, Village.code)
    )
    gq = select(Grid.village_id, Grid.kind, func.count()).group_by(Grid.village_id, Grid.kind)
    if township_id:
        vq = vq.where(Village.township_id == township_id)
        gq = gq.where(Grid.village_id.in_(select(Village.id).where(Village.township_id == township_id)))
    villages = {
        r["id"]: {
            **dict(r),
            "rural": 0,
            "community": 0,
            "special": 0,
            "grids": 0,
            "households": 0,
            "units": 0,
            "chiefs": 0,
            "workers_full": 0,
            "workers_part": 0,
            "party_members": 0,
            **dict.fromkeys(GAP_KINDS, 0),
        }
        for r in s.execute(vq).mappings()
    }
    if not villages:
        return []
    scope = Grid.village_id.in_(list(villages)) if township_id else true()

    def add(rows, key):
        for vid, n in rows:
            if vid in villages:
                villages[vid][key] += n or 0

    for vid, kind, n in s.execute(gq):
        if vid in villages:
            villages[vid][kind] += n
            villages[vid]["grids"] += n
    hh = (
        select(Grid.village_id, func.count(), func.sum(case((Household.unit_id.is_(None), 1), else_=0)))
        .select_from(Household)
        .join(Grid, Grid.id == Household.grid_id)
        .where(scope)
        .group_by(Grid.village_id)
    )
    for vid, n, no_unit in s.execute(hh):
        if vid in villages:
            villages[vid]["households"] = n
            villages[vid]["household_no_unit"] = no_unit or 0
    add(
        s.execute(
            select(Grid.village_id, func.count())
            .select_from(TenHouseholdUnit)
            .join(Grid, Grid.id == TenHouseholdUnit.grid_id)
            .where(scope)
            .group_by(Grid.village_id)
        ),
        "units",
    )
    staff = (
        select(Grid.village_id, GridStaff.staff_role, GridStaff.employment, func.count())
        .select_from(GridStaff)
        .join(Grid, Grid.id == GridStaff.grid_id)
        .where(GridStaff.active.is_(True), scope)
        .group_by(Grid.village_id, GridStaff.staff_role, GridStaff.employment)
    )
    for vid, role, emp, n in s.execute(staff):
        if vid in villages:
            key = "chiefs" if role == "chief" else ("workers_full" if emp == "full" else "workers_part")
            villages[vid][key] += n
    for kind in ("grid_no_chief", "grid_no_worker"):
        add(
            s.execute(
                select(Grid.village_id, func.count()).where(gap_condition(kind), scope).group_by(Grid.village_id)
            ),
            kind,
        )
    unlinked = (
        select(Grid.village_id, func.count())
        .select_from(Household)
        .join(Grid, Grid.id == Household.grid_id)
        .where(gap_condition("household_unlinked"), scope)
        .group_by(Grid.village_id)
    )
    add(s.execute(unlinked), "household_unlinked")
    links = _links_per_member()
    n_links = func.coalesce(links.c.n, 0)
    pm_scope = PartyMember.village_id.in_(list(villages)) if township_id else true()
    low, high = link_bounds(PartyMember.village_id)  # each member against their township's range
    pm = (
        select(
            PartyMember.village_id,
            func.count(),
            func.sum(case((n_links < low, 1), else_=0)),
            func.sum(case((n_links > high, 1), else_=0)),
        )
        .outerjoin(links, links.c.member_id == PartyMember.id)
        .where(PartyMember.active.is_(True), pm_scope)
        .group_by(PartyMember.village_id)
    )
    for vid, total, under, over in s.execute(pm):
        if vid in villages:
            villages[vid].update(party_members=total, party_under=under or 0, party_over=over or 0)
    return list(villages.values())


def grid_rows(s: Session, village_id: int) -> list[dict]:
    """The grids of one village with their chief, worker counts, households, units and gaps."""
    chief = (
        select(GridStaff.grid_id, func.min(GridStaff.name).label("chief"))
        .where(GridStaff.staff_role == "chief", GridStaff.active.is_(True))
        .group_by(GridStaff.grid_id)
        .subquery()
    )
    workers = (
        select(GridStaff.grid_id, func.count().label("workers"))
        .where(GridStaff.staff_role == "worker", GridStaff.active.is_(True))
        .group_by(GridStaff.grid_id)
        .subquery()
    )
    hh = (
        select(
            Household.grid_id,
            func.count().label("households"),
            func.sum(case((Household.unit_id.is_(None), 1), else_=0)).label("no_unit"),
        )
        .join(Grid, Grid.id == Household.grid_id)
        .where(Grid.village_id == village_id)
        .group_by(Household.grid_id)
        .subquery()
    )
    units = (
        select(TenHouseholdUnit.grid_id, func.count().label("units"))
        .join(Grid, Grid.id == TenHouseholdUnit.grid_id)
        .where(Grid.village_id == village_id)
        .group_by(TenHouseholdUnit.grid_id)
        .subquery()
    )
    unlinked = (
        select(Household.grid_id, func.count().label("unlinked"))
        .join(Grid, Grid.id == Household.grid_id)
        .where(Grid.village_id == village_id, gap_condition("household_unlinked"))
        .group_by(Household.grid_id)
        .subquery()
    )
    rows = (
        s.execute(
            select(
                Grid.id,
                Grid.code,
                Grid.name,
                Grid.kind,
                Grid.version,
                chief.c.chief,
                func.coalesce(workers.c.workers, 0).label("workers"),
                func.coalesce(hh.c.households, 0).label("households"),
                func.coalesce(hh.c.no_unit, 0).label("no_unit"),
                func.coalesce(units.c.units, 0).label("units"),
                func.coalesce(unlinked.c.unlinked, 0).label("unlinked"),
            )
            .outerjoin(chief, chief.c.grid_id == Grid.id)
            .outerjoin(workers, workers.c.grid_id == Grid.id)
            .outerjoin(hh, hh.c.grid_id == Grid.id)
            .outerjoin(units, units.c.grid_id == Grid.id)
            .outerjoin(unlinked, unlinked.c.grid_id == Grid.id)
            .where(Grid.village_id == village_id)
            .order_by(Grid.code)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def unit_rows(s: Session, grid_id: int) -> list[dict]:
    """The ten-household units of one grid with their chief and household count."""
    hh = (
        select(Household.unit_id, func.count().label("households"))
        .where(Household.grid_id == grid_id, Household.unit_id.is_not(None))
        .group_by(Household.unit_id)
        .subquery()
    )
    rows = (
        s.execute(
            select(
                TenHouseholdUnit.id,
                TenHouseholdUnit.name,
                TenHouseholdUnit.version,
                Resident.name.label("chief_name"),
                Resident.phone.label("chief_phone"),
                func.coalesce(hh.c.households, 0).label("households"),
            )
            .outerjoin(Resident, Resident.id == TenHouseholdUnit.chief_resident_id)
            .outerjoin(hh, hh.c.unit_id == TenHouseholdUnit.id)
            .where(TenHouseholdUnit.grid_id == grid_id)
            .order_by(TenHouseholdUnit.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def grid_staff(s: Session, grid_id: int) -> list[dict]:
    rows = s.execute(
        select(
            GridStaff.id, GridStaff.name, GridStaff.phone, GridStaff.staff_role, GridStaff.employment, GridStaff.active
        )
        .where(GridStaff.grid_id == grid_id)
        .order_by(GridStaff.active.desc(), GridStaff.staff_role, GridStaff.id)
    ).mappings()
    return [dict(r) for r in rows]


# --------------------------------------------------------------------------- coverage gaps


def gap_counts(s: Session, scope: Scope = Scope()) -> dict[str, int]:
    """How many records of each gap kind, within the scope."""
    out: dict[str, int] = {}
    gscope = _grid_scope(scope)
    for kind in ("grid_no_chief", "grid_no_worker"):
        out[kind] = s.scalar(select(func.count()).select_from(Grid).where(gap_condition(kind), *gscope)) or 0
    hq = select(func.count()).select_from(Household).join(Grid, Grid.id == Household.grid_id)
    for kind in ("household_no_unit", "household_unlinked"):
        out[kind] = s.scalar(hq.where(gap_condition(kind), *gscope)) or 0
    for kind in ("party_under", "party_over"):
        out[kind] = (
            s.scalar(select(func.count()).select_from(PartyMember).where(gap_condition(kind), *_party_scope(scope)))
            or 0
        )
    return out


def _party_scope(scope: Scope) -> list:
    conds: list = []
    if scope.grid_id:
        conds.append(PartyMember.grid_id == scope.grid_id)
    if scope.village_id:
        conds.append(PartyMember.village_id == scope.village_id)
    if scope.township_id:
        conds.append(PartyMember.village_id.in_(select(Village.id).where(Village.township_id == scope.township_id)))
    return conds


def gap_page(s: Session, kind: str, scope: Scope, offset: int, limit: int) -> tuple[int, list[dict]]:
    """One page of the records of a gap kind (grids, households or party members)."""
    entity = GAP_ENTITY[kind]
    stmt: Select  # the columns differ by entity
    if entity == "grid":
        stmt = (
            select(Grid.id, Village.name.label("village"), Grid.code, Grid.name, Grid.kind)
            .join(Village, Village.id == Grid.village_id)
            .where(gap_condition(kind), *_grid_scope(scope))
            .order_by(Grid.code)
        )
    elif entity == "household":
        stmt = (
            select(
                Household.id,
                Village.name.label("village"),
                Grid.name.label("grid"),
                Household.address,
                Household.head_name,
                Household.phone,
                Household.size,
            )
            .join(Grid, Grid.id == Household.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .where(gap_condition(kind), *_grid_scope(scope))
            .order_by(Grid.code, Household.id)
        )
    else:
        n = (
            select(func.count())
            .select_from(PartyMemberHousehold)
            .where(PartyMemberHousehold.party_member_id == PartyMember.id)
            .scalar_subquery()
        )
        low, high = link_bounds(PartyMember.village_id)
        stmt = (
            select(
                PartyMember.id,
                Village.name.label("village"),
                PartyMember.name,
                PartyMember.phone,
                n.label("links"),
                low.label("link_min"),
                high.label("link_max"),
            )
            .join(Village, Village.id == PartyMember.village_id)
            .where(gap_condition(kind), *_party_scope(scope))
            .order_by(Village.code, PartyMember.id)
        )
    return _paged(s, stmt, offset, limit)


# --------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffFilter:
    scope: Scope = Scope()
    role: str | None = None  # chief / worker
    employment: str | None = None  # full / part
    active: bool | None = True
    text: str | None = None


def staff_page(
    s: Session, f: StaffFilter, offset: int, limit: int, phone_visible: bool = False
) -> tuple[int, list[dict]]:
    stmt = (
        select(
            GridStaff.id,
            GridStaff.name,
            GridStaff.phone,
            GridStaff.id_number,
            GridStaff.staff_role,
            GridStaff.employment,
            GridStaff.active,
            GridStaff.version,
            GridStaff.grid_id,
            Grid.code.label("grid_code"),
            Grid.name.label("grid"),
            Village.name.label("village"),
        )
        .join(Grid, Grid.id == GridStaff.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .where(*_grid_scope(f.scope))
    )
    if f.role:
        stmt = stmt.where(GridStaff.staff_role == f.role)
    if f.employment:
        stmt = stmt.where(GridStaff.employment == f.employment)
    if f.active is not None:
        stmt = stmt.where(GridStaff.active.is_(f.active))
    if t := search_text(f.text):
        ors = [
            GridStaff.name.icontains(t, autoescape=True),
            Grid.name.icontains(t, autoescape=True),
            Grid.code.startswith(t, autoescape=True),
        ]
        phone = _phone_or_none(t) if phone_visible else None
        if phone:
            ors.append(GridStaff.phone == phone)
        stmt = stmt.where(or_(*ors))
    return _paged(s, stmt.order_by(Grid.code, GridStaff.staff_role, GridStaff.id), offset, limit)


def staff_detail(s: Session, staff_id: int) -> dict | None:
    row = (
        s.execute(
            select(
                GridStaff.id,
                GridStaff.name,
                GridStaff.phone,
                GridStaff.id_number,
                GridStaff.staff_role,
                GridStaff.employment,
                GridStaff.active,
                GridStaff.version,
                GridStaff.grid_id,
                Grid.village_id,
            )
            .join(Grid, Grid.id == GridStaff.grid_id)
            .where(GridStaff.id == staff_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def actor_grid(s: Session, user_id: int) -> dict | None:
    """The grid (and village) of the grid worker logged in as ``user_id``, if linked."""
    row = (
        s.execute(
            select(Grid.id, Grid.village_id, Grid.name)
            .join(GridStaff, GridStaff.grid_id == Grid.id)
            .where(GridStaff.user_id == user_id)
            .order_by(GridStaff.active.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


# --------------------------------------------------------------------------- ten-household chiefs


@dataclass(frozen=True)
class UnitFilter:
    scope: Scope = Scope()
    without_chief: bool = False
    text: str | None = None


def unit_chief_page(s: Session, f: UnitFilter, offset: int, limit: int) -> tuple[int, list[dict]]:
    hh = (
        select(Household.unit_id, func.count().label("households"))
        .where(Household.unit_id.is_not(None))
        .group_by(Household.unit_id)
        .subquery()
    )
    home = aliased(Household)
    stmt = (
        select(
            TenHouseholdUnit.id,
            TenHouseholdUnit.name.label("unit"),
            TenHouseholdUnit.version,
            TenHouseholdUnit.grid_id,
            Grid.name.label("grid"),
            Village.name.label("village"),
            Resident.id.label("chief_id"),
            Resident.name.label("chief_name"),
            Resident.phone.label("chief_phone"),
            home.address.label("chief_address"),
            func.coalesce(hh.c.households, 0).label("households"),
        )
        .join(Grid, Grid.id == TenHouseholdUnit.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .outerjoin(Resident, Resident.id == TenHouseholdUnit.chief_resident_id)
        .outerjoin(home, home.id == Resident.household_id)
        .outerjoin(hh, hh.c.unit_id == TenHouseholdUnit.id)
        .where(*_grid_scope(f.scope))
    )
    if f.without_chief:
        stmt = stmt.where(TenHouseholdUnit.chief_resident_id.is_(None))
    if t := search_text(f.text):
        stmt = stmt.where(
            or_(Resident.name.icontains(t, autoescape=True), TenHouseholdUnit.name.icontains(t, autoescape=True))
        )
    return _paged(s, stmt.order_by(Grid.code, TenHouseholdUnit.id), offset, limit)


def unit_candidates(s: Session, unit_id: int) -> list[dict]:
    """Adult residents of the unit's households: who may be its ten-household chief."""
    rows = (
        s.execute(
            select(Resident.id, Resident.name, Resident.phone, Resident.birth_year, Household.address)
            .join(Household, Household.id == Resident.household_id)
            .where(Household.unit_id == unit_id)
            .order_by(Household.address, Resident.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


# --------------------------------------------------------------------------- party members


@dataclass(frozen=True)
class PartyFilter:
    scope: Scope = Scope()
    team_id: int | None = None
    zone_id: int | None = None
    link_status: str | None = None  # under / over / ok
    score_below: int | None = None
    active: bool | None = True
    text: str | None = None


def _party_select(f: PartyFilter, phone_visible: bool) -> Select:
    links = _links_per_member()
    n = func.coalesce(links.c.n, 0)
    low, high = link_bounds(PartyMember.village_id)  # the member's township's range
    stmt = (
        select(
            PartyMember.id,
            PartyMember.name,
            PartyMember.phone,
            PartyMember.score,
            PartyMember.joined_on,
            PartyMember.active,
            PartyMember.version,
            Village.name.label("village"),
            Grid.name.label("grid"),
            ResponsibilityZone.name.label("zone"),
            CommandoTeam.name.label("team"),
            n.label("links"),
            low.label("link_min"),
            high.label("link_max"),
        )
        .join(Village, Village.id == PartyMember.village_id)
        .outerjoin(Grid, Grid.id == PartyMember.grid_id)
        .outerjoin(ResponsibilityZone, ResponsibilityZone.id == PartyMember.zone_id)
        .outerjoin(CommandoTeam, CommandoTeam.id == PartyMember.team_id)
        .outerjoin(links, links.c.member_id == PartyMember.id)
        .where(*_party_scope(f.scope))
    )
    if f.team_id:
        stmt = stmt.where(PartyMember.team_id == f.team_id)
    if f.zone_id:
        stmt = stmt.where(PartyMember.zone_id == f.zone_id)
    if f.link_status == "under":
        stmt = stmt.where(n < low)
    elif f.link_status == "over":
        stmt = stmt.where(n > high)
    elif f.link_status == "ok":
        stmt = stmt.where(n >= low, n <= high)
    if f.score_below is not None:
        stmt = stmt.where(PartyMember.score < f.score_below)
    if f.active is not None:
        stmt = stmt.where(PartyMember.active.is_(f.active))
    if t := search_text(f.text):
        ors = [PartyMember.name.icontains(t, autoescape=True)]
        phone = _phone_or_none(t) if phone_visible else None
        if phone:
            ors.append(PartyMember.phone == phone)
        stmt = stmt.where(or_(*ors))
    return stmt.order_by(Village.code, PartyMember.name, PartyMember.id)


def party_page(
    s: Session, f: PartyFilter, offset: int, limit: int, phone_visible: bool = False
) -> tuple[int, list[dict]]:
    return _paged(s, _party_select(f, phone_visible), offset, limit)


def party_detail(s: Session, member_id: int) -> dict | None:
    """A party member with the linked households and the score history (newest first); the
    member's row carries the link range of their township (``link_min``, ``link_max``)."""
    low, high = link_bounds(PartyMember.village_id)
    row = (
        s.execute(
            select(
                PartyMember.id,
                PartyMember.name,
                PartyMember.phone,
                PartyMember.score,
                PartyMember.joined_on,
                PartyMember.active,
                PartyMember.version,
                PartyMember.village_id,
                PartyMember.grid_id,
                PartyMember.zone_id,
                PartyMember.team_id,
                PartyMember.resident_id,
                low.label("link_min"),
                high.label("link_max"),
                Village.name.label("village"),
                Grid.name.label("grid"),
                ResponsibilityZone.name.label("zone"),
                ResponsibilityZone.description.label("zone_description"),
                CommandoTeam.name.label("team"),
                Resident.id_number,
            )
            .join(Village, Village.id == PartyMember.village_id)
            .outerjoin(Grid, Grid.id == PartyMember.grid_id)
            .outerjoin(ResponsibilityZone, ResponsibilityZone.id == PartyMember.zone_id)
            .outerjoin(CommandoTeam, CommandoTeam.id == PartyMember.team_id)
            .outerjoin(Resident, Resident.id == PartyMember.resident_id)
            .where(PartyMember.id == member_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    links = (
        s.execute(
            select(
                Household.id,
                Household.address,
                Household.head_name,
                Household.phone,
                Household.size,
                Grid.name.label("grid"),
                PartyMemberHousehold.linked_on,
            )
            .join(PartyMemberHousehold, PartyMemberHousehold.household_id == Household.id)
            .join(Grid, Grid.id == Household.grid_id)
            .where(PartyMemberHousehold.party_member_id == member_id)
            .order_by(Household.address)
        )
        .mappings()
        .all()
    )
    entries = (
        s.execute(
            select(PartyScoreEntry.id, PartyScoreEntry.recorded_at, PartyScoreEntry.delta, PartyScoreEntry.reason)
            .where(PartyScoreEntry.party_member_id == member_id)
            .order_by(PartyScoreEntry.recorded_at.desc(), PartyScoreEntry.id.desc())
        )
        .mappings()
        .all()
    )
    return {"member": dict(row), "links": [dict(r) for r in links], "scores": [dict(r) for r in entries]}


def village_households(s: Session, village_id: int, limit: int = 3000) -> list[dict]:
    """The households of a village (for the link picker), with how many members link each."""
    n = (
        select(func.count())
        .select_from(PartyMemberHousehold)
        .where(PartyMemberHousehold.household_id == Household.id)
        .scalar_subquery()
    )
    rows = (
        s.execute(
            select(Household.id, Household.address, Household.head_name, Grid.name.label("grid"), n.label("linked_by"))
            .join(Grid, Grid.id == Household.grid_id)
            .where(Grid.village_id == village_id)
            .order_by(Grid.code, Household.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def zones(s: Session, village_id: int | None = None, township_id: int | None = None) -> list[dict]:
    members = (
        select(PartyMember.zone_id, func.count().label("members"))
        .where(PartyMember.active.is_(True), PartyMember.zone_id.is_not(None))
        .group_by(PartyMember.zone_id)
        .subquery()
    )
    stmt = (
        select(
            ResponsibilityZone.id,
            ResponsibilityZone.name,
            ResponsibilityZone.description,
            ResponsibilityZone.village_id,
            Village.name.label("village"),
            func.coalesce(members.c.members, 0).label("members"),
        )
        .join(Village, Village.id == ResponsibilityZone.village_id)
        .outerjoin(members, members.c.zone_id == ResponsibilityZone.id)
    )
    if village_id:
        stmt = stmt.where(ResponsibilityZone.village_id == village_id)
    if township_id:
        stmt = stmt.where(Village.township_id == township_id)
    return [dict(r) for r in s.execute(stmt.order_by(Village.code, ResponsibilityZone.id)).mappings()]


def teams(s: Session, township_id: int | None = None, village_id: int | None = None) -> list[dict]:
    """Commando teams with their purpose and active member count (township-level teams have no
    village)."""
    members = (
        select(PartyMember.team_id, func.count().label("members"))
        .where(PartyMember.active.is_(True), PartyMember.team_id.is_not(None))
        .group_by(PartyMember.team_id)
        .subquery()
    )
    stmt = (
        select(
            CommandoTeam.id,
            CommandoTeam.name,
            CommandoTeam.purpose,
            CommandoTeam.village_id,
            CommandoTeam.township_id,
            Township.name.label("township"),
            Village.name.label("village"),
            func.coalesce(members.c.members, 0).label("members"),
        )
        .join(Township, Township.id == CommandoTeam.township_id)
        .outerjoin(Village, Village.id == CommandoTeam.village_id)
        .outerjoin(members, members.c.team_id == CommandoTeam.id)
    )
    if township_id:
        stmt = stmt.where(CommandoTeam.township_id == township_id)
    if village_id:
        stmt = stmt.where(or_(CommandoTeam.village_id == village_id, CommandoTeam.village_id.is_(None)))
    stmt = stmt.order_by(Township.code, CommandoTeam.village_id.is_not(None), Village.code, CommandoTeam.id)
    return [dict(r) for r in s.execute(stmt).mappings()]


def group_members(s: Session, team_id: int | None = None, zone_id: int | None = None) -> list[dict]:
    """Active members of a commando team or a responsibility zone, for the list and the
    emergency roster: name, phone, village, grid, zone, team, score."""
    f = PartyFilter(team_id=team_id, zone_id=zone_id)
    rows = s.execute(_party_select(f, False)).mappings().all()
    return [dict(r) for r in rows]


# --------------------------------------------------------------------------- households


@dataclass(frozen=True)
class HouseholdFilter:
    scope: Scope = Scope()
    text: str | None = None


def household_page(
    s: Session, f: HouseholdFilter, offset: int, limit: int, name_visible: bool = False
) -> tuple[int, list[dict]]:
    """Households by address (and by head-of-household name for roles that see names)."""
    stmt = (
        select(
            Household.id,
            Household.address,
            Household.head_name,
            Household.phone,
            Household.size,
            Grid.name.label("grid"),
            Village.name.label("village"),
        )
        .join(Grid, Grid.id == Household.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .where(*_grid_scope(f.scope))
    )
    if t := search_text(f.text):
        ors = [Household.address.icontains(t, autoescape=True)]
        if name_visible:
            ors.append(Household.head_name.icontains(t, autoescape=True))
        stmt = stmt.where(or_(*ors))
    return _paged(s, stmt.order_by(Grid.code, Household.id), offset, limit)


def household_chain(s: Session, household_id: int) -> dict | None:
    """The chain of responsibility of a household: grid chief -> grid workers ->
    ten-household chief -> linked party members (active people only)."""
    hh = (
        s.execute(
            select(
                Household.id,
                Household.address,
                Household.head_name,
                Household.phone,
                Household.size,
                Household.tags,
                Household.unit_id,
                Household.grid_id,
                Grid.name.label("grid"),
                Grid.code.label("grid_code"),
                Grid.kind.label("grid_kind"),
                Village.id.label("village_id"),
                Village.name.label("village"),
                Township.name.label("township"),
                TenHouseholdUnit.name.label("unit"),
            )
            .join(Grid, Grid.id == Household.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .join(Township, Township.id == Village.township_id)
            .outerjoin(TenHouseholdUnit, TenHouseholdUnit.id == Household.unit_id)
            .where(Household.id == household_id)
        )
        .mappings()
        .first()
    )
    if hh is None:
        return None
    staff = (
        s.execute(
            select(GridStaff.name, GridStaff.phone, GridStaff.staff_role, GridStaff.employment)
            .where(GridStaff.grid_id == hh["grid_id"], GridStaff.active.is_(True))
            .order_by(GridStaff.staff_role, GridStaff.id)
        )
        .mappings()
        .all()
    )
    unit_chief = None
    if hh["unit_id"]:
        row = (
            s.execute(
                select(Resident.name, Resident.phone)
                .join(TenHouseholdUnit, TenHouseholdUnit.chief_resident_id == Resident.id)
                .where(TenHouseholdUnit.id == hh["unit_id"])
            )
            .mappings()
            .first()
        )
        unit_chief = dict(row) if row else None
    members = (
        s.execute(
            select(PartyMember.id, PartyMember.name, PartyMember.phone)
            .join(PartyMemberHousehold, PartyMemberHousehold.party_member_id == PartyMember.id)
            .where(PartyMemberHousehold.household_id == household_id, PartyMember.active.is_(True))
            .order_by(PartyMember.id)
        )
        .mappings()
        .all()
    )
    return {
        "household": dict(hh),
        "chiefs": [dict(r) for r in staff if r["staff_role"] == "chief"],
        "workers": [dict(r) for r in staff if r["staff_role"] == "worker"],
        "unit_chief": unit_chief,
        "party_members": [dict(r) for r in members],
    }


def household_history(s: Session, household_id: int, limit: int = 20) -> dict[str, list[dict]]:
    """Orders, grid events and disputes of the household or at its address (一事一档)."""
    address = s.scalar(select(Household.address).where(Household.id == household_id))
    return orders_q.caller_history(s, household_id=household_id, address=address, limit=limit)


def history_names(s: Session, household_id: int, history: dict[str, list[dict]]) -> list[str]:
    """The people the household's history may name in free text (titles, descriptions): the
    household head and residents, the orders' callers, the disputes' parties and the events'
    reporters. Used to scrub that text for roles that do not see names."""
    names: set[str | None] = set(s.scalars(select(Resident.name).where(Resident.household_id == household_id)))
    names.add(s.scalar(select(Household.head_name).where(Household.id == household_id)))
    names.update(o.get("caller_name") for o in history.get("orders", []))
    case_ids = [d["id"] for d in history.get("disputes", [])]
    if case_ids:
        names.update(s.scalars(select(MediationParty.name).where(MediationParty.case_id.in_(case_ids))))
    event_ids = [e["id"] for e in history.get("events", [])]
    if event_ids:
        names.update(
            s.scalars(
                select(GridStaff.name)
                .join(GridEvent, GridEvent.reporter_staff_id == GridStaff.id)
                .where(GridEvent.id.in_(event_ids))
            )
        )
    return sorted(n for n in names if n)


def villages_of(s: Session, township_id: int | None = None) -> list[dict]:
    stmt = (
        select(Village.id, Village.name, Village.township_id, Township.name.label("township"))
        .join(Township, Township.id == Village.township_id)
        .order_by(Township.code, Village.code)
    )
    if township_id:
        stmt = stmt.where(Village.township_id == township_id)
    return [dict(r) for r in s.execute(stmt).mappings()]


def grids_of(s: Session, village_id: int) -> list[dict]:
    return [
        dict(r)
        for r in s.execute(
            select(Grid.id, Grid.code, Grid.name, Grid.kind).where(Grid.village_id == village_id).order_by(Grid.code)
        ).mappings()
    ]


def row_dicts(rows: Any) -> list[dict]:
    return [dict(r) for r in rows]


# --------------------------------------------------------------------------- as a role sees it
# The roster's reads for display: each takes the reader's role and returns its rows through the
# read layer's presentation step (db/queries/privacy.py). The functions above return rows as
# stored, for services and imports.

STAFF = privacy.Entity(fields={"name": "name", "phone": "phone", "id_number": "id_number"})
PERSON = privacy.Entity(fields={"name": "name", "phone": "phone"})
HOUSEHOLD = privacy.Entity(fields={"head_name": "name", "phone": "phone", "address": "address"})
UNIT = privacy.Entity(fields={"chief_name": "name", "chief_phone": "phone", "chief_address": "address"})
GAP = privacy.Entity(fields={**HOUSEHOLD.fields, **STAFF.fields})


def grid_people_for(s: Session, grid_id: int, role: str) -> dict[str, list[dict]]:
    """A grid's ten-household units and staff."""
    return {
        "units": privacy.present(s, role, unit_rows(s, grid_id), UNIT),
        "staff": privacy.present(s, role, grid_staff(s, grid_id), STAFF),
    }


def gap_page_for(s: Session, kind: str, scope: Scope, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    total, rows = gap_page(s, kind, scope, offset, limit)
    return total, privacy.present(s, role, rows, GAP)


def staff_page_for(s: Session, f: StaffFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    """Search by phone only for a role that sees phones (a masked role could confirm a number)."""
    total, rows = staff_page(s, f, offset, limit, phone_visible=sees_unmasked(role, "phone"))
    return total, privacy.present(s, role, rows, STAFF)


def unit_chief_page_for(s: Session, f: UnitFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    total, rows = unit_chief_page(s, f, offset, limit)
    return total, privacy.present(s, role, rows, UNIT)


def party_page_for(s: Session, f: PartyFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    total, rows = party_page(s, f, offset, limit, phone_visible=sees_unmasked(role, "phone"))
    return total, privacy.present(s, role, rows, STAFF)


def party_detail_for(s: Session, member_id: int, role: str) -> dict | None:
    d = party_detail(s, member_id)
    if d is None:
        return None
    return {
        "member": privacy.present_one(s, role, d["member"], STAFF),
        "links": privacy.present(s, role, d["links"], HOUSEHOLD),
        "scores": d["scores"],
    }


def household_page_for(s: Session, f: HouseholdFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    """Search by head-of-household name only for a role that sees names."""
    total, rows = household_page(s, f, offset, limit, name_visible=sees_unmasked(role, "name"))
    return total, privacy.present(s, role, rows, HOUSEHOLD)


def group_members_for(s: Session, role: str, team_id: int | None = None, zone_id: int | None = None) -> list[dict]:
    return privacy.present(s, role, group_members(s, team_id=team_id, zone_id=zone_id), STAFF)


def household_chain_for(s: Session, household_id: int, role: str) -> dict | None:
    """The household's chain of responsibility and its history (一事一档). The history's free text
    (order titles, event descriptions, dispute titles) is scrubbed with every name known for the
    household's records (head, residents, callers, parties, reporters)."""
    c = household_chain(s, household_id)
    if c is None:
        return None
    history = household_history(s, household_id)
    names = history_names(s, household_id, history)
    known = lambda _s, keys: dict.fromkeys(keys, names)  # noqa: E731 - one list for every record
    orders = privacy.Entity(fields={"caller_name": "name", "caller_phone": "phone"}, text=("title",), names=known)
    events = privacy.Entity(fields={"address": "address"}, text=("description",), names=known)
    disputes = privacy.Entity(text=("title",), names=known)
    return {
        "household": privacy.present_one(s, role, c["household"], HOUSEHOLD),
        "chiefs": privacy.present(s, role, c["chiefs"], PERSON),
        "workers": privacy.present(s, role, c["workers"], PERSON),
        "unit_chief": privacy.present_one(s, role, c["unit_chief"], PERSON),
        "party_members": privacy.present(s, role, c["party_members"], PERSON),
        "history": {
            "orders": privacy.present(s, role, history["orders"], orders),
            "events": privacy.present(s, role, history["events"], events),
            "disputes": privacy.present(s, role, history["disputes"], disputes),
        },
    }


def grid_rows_for(s: Session, village_id: int, role: str) -> list[dict]:
    """A village's grids with their chief's name."""
    return privacy.present(s, role, grid_rows(s, village_id), privacy.Entity(fields={"chief": "name"}))
