"""What people type into a search box reaches the database as a harmless pattern, on SQLite and
PostgreSQL: a NUL (PostgreSQL refuses it inside a query: the inbox search crashed on it), other
control characters, invisible characters and LIKE wildcards. Each search runs, returns what
it should, and never raises."""

from __future__ import annotations

import pytest

from db.engine import read_session
from db.queries import grid_events as ge_q
from db.queries import mediation as med_q
from db.queries import orders as orders_q
from db.queries import roster as roster_q
from db.rules.text import search_text
from db.services import orders
from tests.factories.orders import T0, build_world, intake

HOSTILE = ["\x00", "路灯\x00", "\x00RX-", "a\x01b\x7f", "\u200b", "%", "_", "\\", "' OR 1=1 --", "　"]


def test_search_text_drops_what_no_stored_text_holds():
    assert search_text("  路灯\x00不亮 ") == "路灯 不亮"
    assert search_text("\x00") is None and search_text("\u200b\ufeff") is None and search_text(None) is None
    assert search_text("RX-2026-000123") == "RX-2026-000123"
    assert search_text("字" * 80) == "字" * 50
    assert search_text("50%_off") == "50%_off"  # wildcards are escaped by the query, not dropped


@pytest.mark.parametrize("text", HOSTILE)
def test_every_search_box_takes_hostile_text(engine, text):
    w = build_world(engine)
    o = orders.register(engine, w.reception, intake(w, description="村口路灯不亮，晚上出行不便。"), now=T0)
    with read_session(engine) as s:
        f = orders_q.InboxFilter(text=text)
        rows = orders_q.inbox_page(s, f, w.dispatcher, T0)
        assert orders_q.inbox_count(s, f, w.dispatcher, T0) == len(rows)
        ge_q.event_page(s, ge_q.EventFilter(number=text), w.admin)
        med_q.ledger_page(s, med_q.LedgerFilter(text=text), w.admin, T0)
        roster_q.staff_page(s, roster_q.StaffFilter(text=text), 0, 20, phone_visible=True)
        roster_q.unit_chief_page(s, roster_q.UnitFilter(text=text), 0, 20)
        roster_q.party_page(s, roster_q.PartyFilter(text=text), 0, 20, phone_visible=True)
        roster_q.household_page(s, roster_q.HouseholdFilter(text=text), 0, 20, name_visible=True)
        # a NUL inside a real word still finds the order; wildcards match only themselves
        found = {r["number"] for r in orders_q.inbox_page(s, orders_q.InboxFilter(text="路灯\x00"), w.dispatcher, T0)}
    assert o["number"] in found
    # an empty search (nothing left after dropping) shows everything; "\x00RX-" is the prefix RX-
    assert (o["number"] in {r["number"] for r in rows}) == (text in ("路灯\x00", "\u200b", "　", "\x00", "\x00RX-"))
