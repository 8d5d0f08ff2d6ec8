"""The roster's display reads, cached (``runtime.cached``) and masked for the role where they
take one: one function per query of ``db.queries.roster``."""

from __future__ import annotations

from components import runtime
from db.engine import read_session
from db.queries import roster as q


@runtime.cached(ttl=120)
def townships() -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.townships(s)


@runtime.cached(ttl=120)
def villages(township_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.villages_of(s, township_id)


@runtime.cached(ttl=120)
def grids(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.grids_of(s, village_id)


@runtime.cached(ttl=60)
def tree(township_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.village_tree(s, township_id)


@runtime.cached(ttl=60)
def grid_rows(village_id: int, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.grid_rows_for(s, village_id, role)


@runtime.cached(ttl=60)
def grid_people(grid_id: int, role: str) -> dict:
    with read_session(runtime.engine()) as s:
        return q.grid_people_for(s, grid_id, role)


@runtime.cached(ttl=60)
def link_rule(township_id: int | None) -> tuple[int, int] | None:
    """The 党员联户 range shown for a township, or for every township the reader sees (None when
    their ranges differ: each member is still counted against their own township's range)."""
    from db.queries.township_settings import shown_link_range

    with read_session(runtime.engine()) as s:
        rule = shown_link_range(s, township_id)
        return (rule.low, rule.high) if rule else None


def link_range(rule: tuple[int, int] | None):
    """``link_rule``'s range as ``q.gap_kinds`` takes it."""
    from db.queries.township_settings import LinkRange

    return LinkRange(*rule) if rule else None


@runtime.cached(ttl=60)
def gaps(scope: q.Scope) -> dict[str, int]:
    with read_session(runtime.engine()) as s:
        return q.gap_counts(s, scope)


@runtime.cached(ttl=60)
def gap_page(kind: str, scope: q.Scope, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.gap_page_for(s, kind, scope, offset, limit, role)


@runtime.cached(ttl=30)
def staff_page(f: q.StaffFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.staff_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=30)
def unit_page(f: q.UnitFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.unit_chief_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=30)
def party_page(f: q.PartyFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.party_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=15)
def party_detail(member_id: int, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.party_detail_for(s, member_id, role)


@runtime.cached(ttl=30)
def household_page(f: q.HouseholdFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.household_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=15)
def chain(household_id: int, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.household_chain_for(s, household_id, role)


@runtime.cached(ttl=60)
def teams(township_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.teams(s, township_id)


@runtime.cached(ttl=60)
def zones(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.zones(s, village_id)


@runtime.cached(ttl=30)
def members(team_id: int | None, zone_id: int | None, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.group_members_for(s, role, team_id=team_id, zone_id=zone_id)


@runtime.cached(ttl=30)
def village_households(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.village_households(s, village_id)


@runtime.cached(ttl=30)
def unit_candidates(unit_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.unit_candidates(s, unit_id)


@runtime.cached(ttl=300)
def my_grid(user_id: int) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.actor_grid(s, user_id)
