"""The page matrix written out by hand (docs/roles.md).

Tests compare the role map in db.permissions.PAGES with this table, so a wrong entry there
fails them: nothing here is computed from PAGES.
"""

from __future__ import annotations

ALL = "admin leader reception dispatcher supervisor platform mediator grid demo county_leader"
EXPECTED_PAGES = {
    "home": ALL,
    "intake": "admin reception dispatcher",
    "inbox": "admin leader county_leader reception dispatcher supervisor platform grid demo",
    "county_link": "admin reception dispatcher",
    "supervision": "admin leader county_leader dispatcher supervisor demo",
    "roster": "admin leader dispatcher grid demo",
    "grid_events": "admin leader dispatcher supervisor grid demo",
    "mediation": "admin leader county_leader mediator grid demo",
    "platform_desk": "admin platform",
    "platform_summary": "admin leader county_leader platform demo",
    "kpi": "admin leader county_leader dispatcher supervisor demo",
    "weekly": "admin leader county_leader dispatcher supervisor",
    "tasks": "admin leader county_leader dispatcher supervisor demo",
    "big_screen": "admin leader county_leader demo",
    "users": "admin",
    "settings": "admin",
    "audit": "admin",
    "account": "admin leader county_leader reception dispatcher supervisor platform mediator grid",
}


def expected_pages(role: str) -> list[str]:
    """The role's pages from the hand-written table, in the table's (= the sidebar's) order."""
    return [key for key, roles in EXPECTED_PAGES.items() if role in roles.split()]


def may_open(role: str, key: str) -> bool:
    return role in EXPECTED_PAGES[key].split()
