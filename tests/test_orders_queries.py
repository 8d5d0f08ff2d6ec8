"""Work-order reads on SQLite and PostgreSQL, against hand-built data whose answers are known.

``NOW`` is Wednesday 12 March 2025, 12:00 Beijing time. The open orders and where the inbox
must put them (red, then yellow, then the rest; by nearest deadline within a band):

    B  dispatched   due 11 Mar 00:00 (overdue 36 h)   p1   supervised        red
    J  dispatched   due 12 Mar 00:00 (overdue 12 h)   p2                     red
    A  received     contact due 1 h ago               -                      red
    C  in_progress  due in 1 h, warn_at passed        p1   supervised        yellow
    E  contacted    contact due 10 days ago, no due   -                      green
    F  received     contact due in 20 h               -                      green
    D  in_progress  due in 3 days, warn_at tomorrow   p2   unsatisfied once  green
then the closed ones, newest first: I (resolved), H (cancelled, duplicate of B), G (archived late).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from db import scope
from db.engine import read_session, write_session
from db.errors import PermissionDenied
from db.models import (
    Category,
    Department,
    ExtensionRequest,
    Grid,
    GridEvent,
    Household,
    MediationCase,
    MediationParty,
    Platform,
    RecordLink,
    Resident,
    Township,
    User,
    Village,
    WorkOrder,
    WorkOrderEvent,
)
from db.models.orders import OPEN_STATUSES
from db.permissions import Actor
from db.queries import orders as q
from db.queries.orders import InboxFilter
from db.rules.sla import local_to_utc
from db.services.calendar import seed_from_package

NOW = local_to_utc(datetime(2025, 3, 12, 12, 0))
H = timedelta(hours=1)
D = timedelta(days=1)
PHONE = "13812345678"
OPEN = InboxFilter(statuses=OPEN_STATUSES)


@dataclass
class Data:
    engine: object
    ids: dict[str, int] = field(default_factory=dict)  # order letter -> id
    ref: dict[str, int] = field(default_factory=dict)  # reference rows
    actors: dict[str, Actor] = field(default_factory=dict)

    def letters(self, rows: list[dict]) -> list[str]:
        back = {v: k for k, v in self.ids.items()}
        return [back[r["id"]] for r in rows]


def build(engine) -> Data:
    data = Data(engine)
    with write_session(engine) as s:
        seed_from_package(s, [2025])
        town = Township(code="T1", name="青龙镇", county="示范县")
        s.add(town)
        s.flush()
        v1 = Village(township_id=town.id, code="V1", name="东湖村")
        v2 = Village(township_id=town.id, code="V2", name="西山社区")
        s.add_all([v1, v2])
        s.flush()
        g1 = Grid(village_id=v1.id, code="G1", name="东湖一网格")
        g2 = Grid(village_id=v2.id, code="G2", name="西山一网格")
        p1 = Platform(township_id=town.id, code="zongzhi", name="综治平台")
        p2 = Platform(township_id=town.id, code="zhifa", name="综合执法平台")
        top = Category(code="C1", name="矛盾纠纷")
        other = Category(code="C2", name="环境卫生")
        s.add_all([g1, g2, p1, p2, top, other])
        s.flush()
        child = Category(code="C1-1", name="邻里纠纷", parent_id=top.id)
        hh = Household(grid_id=g1.id, address="东湖村1组12号", head_name="张三", phone=PHONE)
        hh2 = Household(grid_id=g2.id, address="西山社区3栋", head_name="李四")
        d1 = Department(platform_id=p1.id, name="综治办")
        d2 = Department(platform_id=p2.id, name="执法中队")
        users = {
            role: User(
                username=role,
                display_name=name,
                password_hash="x",
                role=role,
                platform_id=p1.id if role == "platform" else None,
            )
            for role, name in [
                ("reception", "王接待"),
                ("platform", "钱综治"),
                ("leader", "周书记"),
                ("dispatcher", "赵转办"),
            ]
        }
        s.add_all([child, hh, hh2, d1, d2, *users.values()])
        s.flush()
        res = Resident(household_id=hh.id, name="张三", gender="男")
        s.add(res)
        s.flush()
        data.actors = {
            r: Actor(u.id, u.username, r, u.display_name, platform_id=u.platform_id) for r, u in users.items()
        }
        data.actors["demo"] = Actor(0, "guest", "demo")
        data.actors["mediator"] = Actor(0, "med", "mediator")
        data.actors["platform2"] = Actor(0, "plat2", "platform", platform_id=p2.id)
        data.ref = dict(
            town=town.id,
            v1=v1.id,
            v2=v2.id,
            g1=g1.id,
            g2=g2.id,
            p1=p1.id,
            p2=p2.id,
            top=top.id,
            child=child.id,
            other=other.id,
            hh=hh.id,
            hh2=hh2.id,
            d1=d1.id,
            d2=d2.id,
            resident=res.id,
        )
        rec, plat, lead = users["reception"].id, users["platform"].id, users["leader"].id

        def order(letter: str, received: datetime, status: str, **kw) -> None:
            n = len(data.ids) + 1
            base = dict(
                number=f"RX-2025-{n:06d}",
                township_id=town.id,
                channel="hotline",
                caller_name="张三",
                caller_phone=None,
                village_id=v1.id,
                grid_id=g1.id,
                category_id=child.id,
                title=f"工单{letter}",
                description=f"描述{letter}",
                status=status,
                received_at=received,
                contact_due_at=received + 24 * H,
                updated_at=received,
            )
            base.update(kw)
            o = WorkOrder(**base)
            s.add(o)
            s.flush()
            data.ids[letter] = o.id

        def dispatched(days_ago: float, due: datetime, warn: datetime | None = None) -> dict:
            at = NOW - days_ago * D
            return dict(dispatched_at=at, due_at=due, warn_at=warn or at + (due - at) * 0.8)

        order(
            "B",
            NOW - 6 * D,
            "dispatched",
            platform_id=p1.id,
            department_id=d1.id,
            supervised=True,
            supervision_level="red",
            supervisor_user_id=lead,
            address="东湖村1组12号",
            household_id=hh.id,
            caller_phone=PHONE,
            **dispatched(5, local_to_utc(datetime(2025, 3, 11))),
        )
        order(
            "J",
            NOW - 5 * D,
            "dispatched",
            platform_id=p2.id,
            department_id=d2.id,
            village_id=v2.id,
            grid_id=g2.id,
            channel="12345",
            **dispatched(4, local_to_utc(datetime(2025, 3, 12))),
        )
        order("A", NOW - 25 * H, "received", created_by=rec, caller_phone=PHONE, description="晚上装修噪音扰民100%严重")
        order(
            "C",
            NOW - 3 * D,
            "in_progress",
            platform_id=p1.id,
            department_id=d1.id,
            assignee_id=plat,
            supervised=True,
            supervision_level="yellow",
            supervisor_user_id=lead,
            title="路灯不亮",
            **dispatched(2, NOW + H, NOW - 5 * H),
        )
        order(
            "E",
            NOW - 11 * D,
            "contacted",
            contacted_at=NOW - 11 * D + H,
            category_id=other.id,
            channel="walk_in",
            address="西山社区3栋",
            village_id=v2.id,
            grid_id=g2.id,
            household_id=hh2.id,
        )
        order(
            "F",
            NOW - 4 * H,
            "received",
            created_by=rec,
            caller_phone=PHONE,
            channel="online",
            address="东湖村1组12号",
            household_id=hh.id,
        )
        order(
            "D",
            NOW - 4 * D,
            "in_progress",
            platform_id=p2.id,
            department_id=d2.id,
            satisfaction="unsatisfied",
            redispatch_count=1,
            village_id=v2.id,
            grid_id=g2.id,
            **dispatched(1, NOW + 3 * D, NOW + D),
        )
        # closed
        order(
            "G",
            NOW - 20 * D,
            "archived",
            platform_id=p1.id,
            department_id=d1.id,
            satisfaction="satisfied",
            resolved_at=NOW - 10 * D,
            callback_at=NOW - 9 * D,
            **dispatched(19, NOW - 12 * D),
        )
        order("H", NOW - 2 * D, "cancelled", cancelled_reason="重复诉求", household_id=hh.id, address="东湖村1组12号")
        order(
            "I",
            NOW - 1 * D,
            "resolved",
            platform_id=p1.id,
            department_id=d1.id,
            resolved_at=NOW - 2 * H,
            **dispatched(0.9, NOW + 4 * D),
        )
        # an old order of the same household, outside the 30-day duplicate window
        order("OLD", NOW - 40 * D, "archived", household_id=hh.id, address="东湖村1组12号", satisfaction="satisfied")
        s.flush()
        ids = data.ids
        s.execute(WorkOrder.__table__.update().where(WorkOrder.id == ids["H"]).values(duplicate_of_id=ids["B"]))

        # timeline of B, an extension request on C
        s.add_all(
            [
                WorkOrderEvent(
                    order_id=ids["B"],
                    at=NOW - 6 * D,
                    actor_id=None,
                    action="receive",
                    to_status="received",
                    note="受理",
                ),
                WorkOrderEvent(
                    order_id=ids["B"],
                    at=NOW - 5 * D,
                    actor_id=users["dispatcher"].id,
                    action="dispatch",
                    from_status="contacted",
                    to_status="dispatched",
                ),
                ExtensionRequest(
                    order_id=ids["C"],
                    requested_by=plat,
                    requested_at=NOW - D,
                    workdays=3,
                    reason="等待鉴定",
                    status="pending",
                ),
                ExtensionRequest(
                    order_id=ids["D"],
                    requested_by=plat,
                    requested_at=NOW - 2 * D,
                    workdays=2,
                    reason="材料不全",
                    status="refused",
                    decided_by=users["dispatcher"].id,
                    decided_at=NOW - D,
                ),
            ]
        )
        # 一事一档: a grid event at the household, a mediation case from order B, a case with
        # a party phoning from PHONE, a case with a party living in the household
        ev = GridEvent(
            number="SJ-2025-000001",
            grid_id=g1.id,
            household_id=hh.id,
            event_type="dispute",
            description="邻里噪音纠纷",
            reported_at=NOW - 7 * D,
        )
        ev2 = GridEvent(
            number="SJ-2025-000002",
            grid_id=g2.id,
            address="西山社区3栋",
            event_type="environment",
            description="垃圾堆放",
            reported_at=NOW - 3 * D,
        )
        m1 = MediationCase(
            number="TJ-2025-000001",
            township_id=town.id,
            village_id=v1.id,
            dispute_type="neighbour",
            title="装修噪音纠纷",
            summary="…",
            source="order",
            source_order_id=ids["B"],
            reported_at=NOW - 4 * D,
        )
        m2 = MediationCase(
            number="TJ-2025-000002",
            township_id=town.id,
            village_id=v1.id,
            dispute_type="land_boundary",
            title="地界纠纷",
            summary="…",
            source="walk_in",
            reported_at=NOW - 30 * D,
        )
        m3 = MediationCase(
            number="TJ-2025-000003",
            township_id=town.id,
            village_id=v1.id,
            dispute_type="family",
            title="赡养纠纷",
            summary="…",
            source="walk_in",
            reported_at=NOW - 50 * D,
        )
        m4 = MediationCase(
            number="TJ-2025-000004",
            township_id=town.id,
            village_id=v2.id,
            dispute_type="other",
            title="无关纠纷",
            summary="…",
            source="walk_in",
            reported_at=NOW - 5 * D,
        )
        s.add_all([ev, ev2, m1, m2, m3, m4])
        s.flush()
        s.add_all(
            [
                MediationParty(case_id=m2.id, name="张三", phone=PHONE),
                MediationParty(case_id=m3.id, name="张三", resident_id=res.id),
                MediationParty(case_id=m4.id, name="王五", phone="13900000000"),
                RecordLink(from_type="work_order", from_id=ids["B"], to_type="grid_event", to_id=ev.id, kind="source"),
                RecordLink(
                    from_type="mediation_case", from_id=m1.id, to_type="work_order", to_id=ids["B"], kind="source"
                ),
                RecordLink(
                    from_type="work_order", from_id=ids["H"], to_type="work_order", to_id=ids["B"], kind="duplicate"
                ),
            ]
        )
        data.ref.update(ev=ev.id, ev2=ev2.id, m1=m1.id, m2=m2.id, m3=m3.id)
    return data


@pytest.fixture
def d(engine) -> Data:
    return build(engine)


def page(d: Data, f: InboxFilter = OPEN, actor: str = "dispatcher", offset=0, limit=50):
    with read_session(d.engine) as s:
        return q.inbox_page(s, f, d.actors[actor], NOW, offset, limit)


def count(d: Data, f: InboxFilter = OPEN, actor: str = "dispatcher") -> int:
    with read_session(d.engine) as s:
        return q.inbox_count(s, f, d.actors[actor], NOW)


def letters(d: Data, f: InboxFilter = OPEN, actor: str = "dispatcher") -> list[str]:
    rows = page(d, f, actor)
    assert count(d, f, actor) == len(rows)
    return d.letters(rows)


# --------------------------------------------------------------------------- inbox


def test_inbox_sorted_by_risk(d):
    rows = page(d)
    assert d.letters(rows) == ["B", "J", "A", "C", "E", "F", "D"]
    assert [r["light"] for r in rows] == ["red"] * 3 + ["yellow"] + ["green"] * 3
    b = rows[0]
    assert (b["category"], b["village"], b["platform"], b["department"]) == ("邻里纠纷", "东湖村", "综治平台", "综治办")
    assert b["supervised"] is True and b["version"] == 1 and b["caller_phone"] == PHONE
    assert rows[2]["platform"] is None  # not dispatched yet
    expected_keys = {
        "id",
        "number",
        "received_at",
        "channel",
        "category",
        "village",
        "title",
        "status",
        "platform",
        "department",
        "contact_due_at",
        "due_at",
        "warn_at",
        "light",
        "caller_name",
        "caller_phone",
        "supervised",
        "redispatch_count",
        "satisfaction",
        "version",
    }
    assert expected_keys <= set(b)
    # every status: the closed orders come last, newest first; a late resolution shows red
    everything = page(d, InboxFilter())
    assert d.letters(everything) == ["B", "J", "A", "C", "E", "F", "D", "I", "H", "G", "OLD"]
    lights = {k: r["light"] for k, r in zip(d.letters(everything), everything, strict=False)}
    assert (lights["G"], lights["I"], lights["H"]) == ("red", "green", "green")


def test_pagination_and_count_agree(d):
    full = page(d, InboxFilter())
    assert count(d, InboxFilter()) == len(full) == 11
    pages = [page(d, InboxFilter(), offset=o, limit=3) for o in range(0, 12, 3)]
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert [r["id"] for p in pages for r in p] == [r["id"] for r in full]
    assert page(d, InboxFilter(), offset=50) == []
    with read_session(d.engine) as s:
        export = q.inbox_export(s, InboxFilter(), d.actors["dispatcher"], NOW, limit=5)
    assert [r["id"] for r in export] == [r["id"] for r in full[:5]]


@pytest.mark.parametrize(
    "name, flt, expected",
    [
        ("channels", InboxFilter(channels=("12345", "walk_in")), ["J", "E"]),
        ("statuses", InboxFilter(statuses=("received",)), ["A", "F"]),
        # 超期未办结 and 超时未首次联系 are two counts (db.queries.order_counts), two filters
        ("overdue", InboxFilter(overdue=True), ["B", "J"]),
        ("contact overdue", InboxFilter(contact_overdue=True), ["A"]),
        ("supervised", InboxFilter(statuses=OPEN_STATUSES, supervised=True), ["B", "C"]),
        ("unsatisfied", InboxFilter(unsatisfied=True), ["D"]),
        ("text number prefix", InboxFilter(text="rx-2025-00000"), ["B", "J", "A", "C", "E", "F", "D", "G", "H"]),
        ("text exact number", InboxFilter(text="RX-2025-000003"), ["A"]),
        ("text phone any format", InboxFilter(text="+86 138-1234-5678"), ["B", "A", "F"]),
        ("text title", InboxFilter(text="路灯"), ["C"]),
        ("text description", InboxFilter(text="装修噪音"), ["A"]),
        ("text address", InboxFilter(text="西山社区"), ["E"]),
        ("text percent is literal", InboxFilter(text="100%"), ["A"]),
        ("text underscore is literal", InboxFilter(text="_"), []),
        (
            "received range (local dates)",
            InboxFilter(received_from=date(2025, 3, 7), received_to=date(2025, 3, 9)),
            ["C", "D", "J"],
        ),
    ],
)
def test_inbox_filters(d, name, flt, expected):
    assert sorted(letters(d, flt)) == sorted(expected)
    if name in ("overdue", "supervised"):
        assert letters(d, flt) == expected  # risk order kept


def test_inbox_filters_by_reference(d):
    r = d.ref
    assert letters(d, InboxFilter(statuses=OPEN_STATUSES, category_ids=(r["top"],))) == ["B", "J", "A", "C", "F", "D"]
    assert letters(d, InboxFilter(statuses=OPEN_STATUSES, category_ids=(r["other"],))) == ["E"]
    assert letters(d, InboxFilter(statuses=OPEN_STATUSES, platform_ids=(r["p2"],))) == ["J", "D"]
    assert letters(d, InboxFilter(statuses=OPEN_STATUSES, village_ids=(r["v2"],))) == ["J", "E", "D"]
    # received_from is a local date: F (received 08:00 local today) is in, A (yesterday 11:00) not
    assert letters(d, InboxFilter(received_from=date(2025, 3, 12))) == ["F"]
    assert letters(d, InboxFilter(received_to=date(2025, 3, 11), received_from=date(2025, 3, 11))) == ["A", "I"]


def test_inbox_mine(d):
    assert letters(d, InboxFilter(mine=True), "reception") == ["A", "F"]
    assert letters(d, InboxFilter(mine=True), "leader") == ["B", "C"]
    assert letters(d, InboxFilter(statuses=OPEN_STATUSES, mine=True), "platform") == ["B", "C"]


def test_platform_scoping(d):
    assert letters(d, OPEN, "platform") == ["B", "C"]
    assert letters(d, InboxFilter(), "platform") == ["B", "C", "I", "G"]
    assert letters(d, InboxFilter(platform_ids=(d.ref["p2"],)), "platform") == []
    assert letters(d, OPEN, "platform2") == ["J", "D"]
    nowhere = Actor(99, "lost", "platform", platform_id=None)
    with read_session(d.engine) as s:
        assert q.inbox_count(s, OPEN, nowhere, NOW) == 0
        assert q.inbox_page(s, OPEN, nowhere, NOW) == []
    assert len(letters(d, OPEN, "demo")) == 7
    with pytest.raises(PermissionDenied):
        count(d, OPEN, "mediator")


# --------------------------------------------------------------------------- one order


def test_order_detail_timeline_extensions_links(d):
    ids, _ref = d.ids, d.ref
    with read_session(d.engine) as s:
        b = q.order_detail(s, ids["B"])
        h = q.order_detail(s, ids["H"])
        assert q.order_detail(s, 999_999) is None
        tl = q.timeline(s, ids["B"])
        ext_all = q.extension_requests(s)
        ext_pending = q.extension_requests(s, status="pending")
        ext_c = q.extension_requests(s, order_id=ids["C"])
        links = q.linked_records(s, ids["B"])
        links_h = q.linked_records(s, ids["H"])
    assert (
        b["number"],
        b["category"],
        b["village"],
        b["grid"],
        b["platform"],
        b["department"],
        b["supervisor"],
        b["township"],
        b["household_address"],
    ) == (
        "RX-2025-000001",
        "邻里纠纷",
        "东湖村",
        "东湖一网格",
        "综治平台",
        "综治办",
        "周书记",
        "青龙镇",
        "东湖村1组12号",
    )
    assert b["creator"] is None and b["duplicate_of_number"] is None
    assert {"due_at", "warn_at", "version", "urge_count", "description", "caller_phone"} <= set(b)
    assert h["duplicate_of_number"] == "RX-2025-000001" and h["cancelled_reason"] == "重复诉求"
    assert [(e["action"], e["actor"]) for e in tl] == [("receive", "系统"), ("dispatch", "赵转办")]
    assert [e["number"] for e in ext_all] == ["RX-2025-000004", "RX-2025-000007"]
    assert [(e["number"], e["requested_by"], e["workdays"]) for e in ext_pending] == [("RX-2025-000004", "钱综治", 3)]
    assert ext_all[1]["decided_by"] == "赵转办" and ext_c == ext_pending
    got = {(r["type"], r["number"], r["kind"], r["direction"]) for r in links}
    assert got == {
        ("grid_event", "SJ-2025-000001", "source", "out"),
        ("mediation_case", "TJ-2025-000001", "source", "in"),
        ("work_order", "RX-2025-000009", "duplicate", "in"),
    }  # link + column: listed once
    assert {(r["number"], r["kind"], r["direction"]) for r in links_h} == {("RX-2025-000001", "duplicate", "out")}


def test_caller_history(d):
    _ids, ref = d.ids, d.ref
    with read_session(d.engine) as s:
        by_phone = q.caller_history(s, phone="138 1234 5678")
        by_household = q.caller_history(s, household_id=ref["hh"])
        by_address = q.caller_history(s, address="西山社区3栋")
        nothing = q.caller_history(s)
        limited = q.caller_history(s, phone=PHONE, household_id=ref["hh"], limit=2)
    assert d.letters(by_phone["orders"]) == ["F", "A", "B"]  # newest first
    assert {r["number"] for r in by_phone["disputes"]} == {"TJ-2025-000001", "TJ-2025-000002"}
    assert by_phone["events"] == []  # grid events are found by household or address
    assert d.letters(by_household["orders"]) == ["F", "H", "B", "OLD"]
    assert [r["number"] for r in by_household["disputes"]] == ["TJ-2025-000001", "TJ-2025-000003"]
    assert [r["number"] for r in by_household["events"]] == ["SJ-2025-000001"]
    assert d.letters(by_address["orders"]) == ["E"]
    assert [r["number"] for r in by_address["events"]] == ["SJ-2025-000002"]
    assert nothing == {"orders": [], "disputes": [], "events": []}
    assert len(limited["orders"]) == 2


def test_duplicate_candidates(d):
    ref = d.ref
    with read_session(d.engine) as s:
        by_household = q.duplicate_candidates(s, ref["child"], household_id=ref["hh"], now=NOW)
        by_grid = q.duplicate_candidates(s, ref["child"], grid_id=ref["g1"], address="东湖村1组12号", now=NOW)
        by_village = q.duplicate_candidates(s, ref["child"], village_id=ref["v1"], address=" 东湖村1组12号 ", now=NOW)
        other_category = q.duplicate_candidates(s, ref["other"], household_id=ref["hh"], now=NOW)
        wider = q.duplicate_candidates(s, ref["child"], household_id=ref["hh"], now=NOW, days=60)
        nowhere = q.duplicate_candidates(s, ref["child"], village_id=ref["v1"], now=NOW)
    # H (cancelled) and OLD (40 days ago) are left out
    assert d.letters(by_household) == ["F", "B"]
    assert d.letters(by_grid) == ["F", "B"] and d.letters(by_village) == ["F", "B"]
    assert other_category == [] and nowhere == []
    assert d.letters(wider) == ["F", "B", "OLD"]


def test_supervision_list(d):
    with read_session(d.engine) as s:
        rows = q.supervision_list(s, NOW, limit=10)
        n = q.supervision_count(s, NOW)
        second = q.supervision_list(s, NOW, limit=1, offset=1)
    assert d.letters(rows) == ["B", "J", "C"] and n == 3
    assert d.letters(second) == ["J"]
    b, j, c = rows
    assert (b["overdue_hours"], b["overdue_workdays"]) == (36, 2)  # due end of Mon 10 Mar
    assert (j["overdue_hours"], j["overdue_workdays"]) == (12, 1)
    assert (c["overdue"], c["overdue_hours"], c["overdue_workdays"]) == (False, 0, 0)
    assert (b["platform"], b["department"], b["supervisor"]) == ("综治平台", "综治办", "周书记")
    assert j["supervisor"] is None and j["platform"] == "综合执法平台"


# --------------------------------------------------------------------------- index use


def explain(s, stmt) -> str:
    conn = s.connection()
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    if dialect.name == "sqlite":
        params = tuple(
            v.isoformat(" ") if isinstance(v, datetime) else v
            for v in (compiled.params[k] for k in compiled.positiontup)
        )
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
        return "\n".join(str(r[-1]) for r in rows)
    # a handful of rows would always be scanned: ask whether an index CAN serve the query
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    return "\n".join(str(r[0]) for r in rows)


@pytest.mark.parametrize("actor", ["dispatcher", "platform"])
def test_default_inbox_and_count_use_indexes(d, actor):
    who = d.actors[actor]
    with read_session(d.engine) as s:
        plans = {
            "page": explain(s, q.inbox_ids_select(s, OPEN, who, NOW).limit(50)),
            "rows": explain(s, q.inbox_select(s, OPEN, who, NOW).limit(50)),
            "count": explain(s, q.inbox_count_select(s, OPEN, who, NOW)),
            "supervision": explain(
                s, q.inbox_select(s, InboxFilter(statuses=OPEN_STATUSES, supervised=True), who, NOW)
            ),
        }
    for name, plan in plans.items():
        assert "ix_work_order_" in plan, f"{name} ({actor}) does not use an index:\n{plan}"
        if d.engine.dialect.name == "sqlite":
            assert "SCAN work_order" not in plan, f"{name} ({actor}) scans work_order:\n{plan}"
        else:
            assert "Seq Scan on work_order" not in plan, f"{name} ({actor}):\n{plan}"


def test_phone_search_only_for_roles_that_see_phones(engine):
    from db.services import orders as svc
    from tests.factories.orders import MOBILE, build_world, intake

    w = build_world(engine)
    svc.register(engine, w.reception, intake(w))
    now = datetime(2030, 1, 1)
    f = q.InboxFilter(text=MOBILE)
    with read_session(engine) as s:
        assert q.inbox_count(s, f, w.dispatcher, now) == 1
        # the demo observer sees 138****5678 and must not be able to confirm the full number
        assert q.inbox_count(s, f, w.demo, now) == 0
        assert q.inbox_count(s, f, w.leader, now) == 0


def test_closed_orders_are_listed_newest_first(engine):
    from db.services import orders as svc
    from tests.factories.orders import build_world, intake

    w = build_world(engine)
    ids = []
    for _ in range(3):
        res = svc.register(engine, w.reception, intake(w, tier="instant", answer="已当场答复政策。"))
        ids.append(res["id"])
    with read_session(engine) as s:
        rows = q.inbox_page(s, q.InboxFilter(statuses=("archived",)), w.dispatcher, datetime(2030, 1, 1), 0, 10)
    assert [r["id"] for r in rows] == list(reversed(ids))


def test_filter_pending_extension_requests(engine):
    from db.services import orders as svc
    from tests.factories.orders import T0, build_world, intake

    w = build_world(engine)
    a = svc.register(engine, w.reception, intake(w, contacted=True), now=T0)
    b = svc.register(engine, w.reception, intake(w, contacted=True), now=T0)
    for res in (a, b):
        svc.dispatch(engine, w.dispatcher, res["id"], res["version"], w.platform_id, w.dept, now=T0)
    svc.request_extension(engine, w.platform, a["id"], a["version"] + 1, 3, "需协调施工队", now=T0)
    with read_session(engine) as s:
        rows = q.inbox_page(s, q.InboxFilter(extension_pending=True), w.dispatcher, T0, 0, 10)
    assert [r["id"] for r in rows] == [a["id"]]


def test_a_whole_order_number_finds_the_order_in_any_status(d):
    """Issue #20: the default filter shows open orders; a closed order searched by its number
    was "0 件" with no hint. The number sets the other filters aside and says which; the
    platform officer's scope is not a filter and stays."""
    with read_session(d.engine) as s:
        g_number, g_platform = s.execute(
            select(WorkOrder.number, WorkOrder.platform_id).where(WorkOrder.id == d.ids["G"])
        ).one()
    typed = InboxFilter(statuses=OPEN_STATUSES, overdue=True, channels=("hotline",), text=f" {g_number.lower()} ")
    assert letters(d, typed) == []  # as the filter stands, G (archived) is hidden
    wide, aside = q.for_record_number(typed)
    assert letters(d, wide) == ["G"]
    assert aside == ["状态", "渠道", "只看"]
    # a number prefix or any other text keeps the filter
    assert q.for_record_number(InboxFilter(statuses=OPEN_STATUSES, text="RX-2025-0000")) == (
        InboxFilter(statuses=OPEN_STATUSES, text="RX-2025-0000"),
        [],
    )
    # a platform officer finds it by number only if it is their platform's
    for officer in ("platform", "platform2"):
        mine = d.actors[officer].platform_id == g_platform
        assert letters(d, wide, actor=officer) == (["G"] if mine else []), officer


def test_an_order_id_by_its_number(d):
    """按编号打开 on the inbox: the number as typed (spaces trimmed) finds its order; a number
    that names no order finds nothing; another township's order is not there for a township's
    reader (db/scope.py), as for any read."""
    with read_session(d.engine) as s:
        number, township = s.execute(
            select(WorkOrder.number, WorkOrder.township_id).where(WorkOrder.id == d.ids["G"])
        ).one()
        assert q.id_by_number(s, f"  {number} ") == d.ids["G"]
        assert q.id_by_number(s, number + "9") is None
    with read_session(scope.scoped(d.engine, township + 1000)) as s:
        assert q.id_by_number(s, number) is None
