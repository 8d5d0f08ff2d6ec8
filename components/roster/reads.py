"""The roster's display reads, cached (``runtime.cached``) and masked for the role where they
take one: one function per query of ``db.queries.roster``."""

from __future__ import annotations

from components import runtime
from db.engine import read_session
from db.queries import roster as q
from db.queries.township_settings import LinkRange, shown_link_range

townships = runtime.cached_query(q.townships, ttl=120)
villages = runtime.cached_query(q.villages_of, ttl=120)
grids = runtime.cached_query(q.grids_of, ttl=120)
tree = runtime.cached_query(q.village_tree, ttl=60)
grid_rows = runtime.cached_query(q.grid_rows_for, ttl=60)
grid_people = runtime.cached_query(q.grid_people_for, ttl=60)


@runtime.cached(ttl=60)
def link_rule(township_id: int | None) -> tuple[int, int] | None:
    """The 党员联户 range shown for a township, or for every township the reader sees (None when
    their ranges differ: each member is still counted against their own township's range)."""
    with read_session(runtime.engine()) as s:
        rule = shown_link_range(s, township_id)
        return (rule.low, rule.high) if rule else None


def link_range(rule: tuple[int, int] | None):
    """``link_rule``'s range as ``q.gap_kinds`` takes it."""
    return LinkRange(*rule) if rule else None


gaps = runtime.cached_query(q.gap_counts, ttl=60)
gap_page = runtime.cached_query(q.gap_page_for, ttl=60)
staff_page = runtime.cached_query(q.staff_page_for, ttl=30)
unit_page = runtime.cached_query(q.unit_chief_page_for, ttl=30)
party_page = runtime.cached_query(q.party_page_for, ttl=30)
party_detail = runtime.cached_query(q.party_detail_for, ttl=15)
household_page = runtime.cached_query(q.household_page_for, ttl=30)
chain = runtime.cached_query(q.household_chain_for, ttl=15)
teams = runtime.cached_query(q.teams, ttl=60)
zones = runtime.cached_query(q.zones, ttl=60)


@runtime.cached(ttl=30)
def members(team_id: int | None, zone_id: int | None, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.group_members_for(s, role, team_id=team_id, zone_id=zone_id)


village_households = runtime.cached_query(q.village_households, ttl=30)
unit_candidates = runtime.cached_query(q.unit_candidates, ttl=30)
my_grid = runtime.cached_query(q.actor_grid, ttl=300)
