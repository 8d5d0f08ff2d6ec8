"""Overlap analysis (重合度): the matters that reached the township through more than one channel,
and the hotline and petition matters no grid report saw first (the "sentinel" failures), as seed
001 describes them: grid reports compared with hotline orders and petitions, per week and per
village. Definitions (also in docs/kpi.md, "Overlap"):

- **Records.** Work orders of the channels 网格 (``grid``), 热线 (``hotline``, ``12345``, ``online``)
  and 信访 (``petition``), cancelled ones left out (walk-ins are not one of the three), and grid
  events (the grid channel, whatever their type). Read over the period and the ``LOOKBACK_DAYS``
  before it.
- **Topic.** An order's topic is its top-level category (the code of the root of its category
  tree). A grid event has no category: its type stands for the top-level categories of
  ``EVENT_TYPE_TOPICS`` (``other``: those no other type claims, and any top-level category outside
  the standard catalogue). Two records have the same topic when they share one.
- **Links.** Two records are the same matter when they have the same topic and share a household
  or a phone (an order's caller phone, except a grid order's, which is the grid worker's; an
  event's household's phone), the two within ``KEY_WINDOW_DAYS`` of each other; or the
  same topic and the same address (NFKC, whitespace removed) within ``ADDRESS_WINDOW_DAYS``; or
  when a record link joins a grid event and an order (an event referred to an order, 一事一档),
  whatever their topics. Matching is transitive: a matter is a connected group of records
  (union-find; a window joins neighbours in time, so a chain of reports a week apart is one matter).
- **The period's matters** are those with a record in the period; their channels are the channels
  of their records in the period (the Venn, seven combinations). A matter is counted in the week
  and the village of its first record in the period (the week in Beijing time; the village of an
  event is its grid's).
- **Sentinel.** A matter whose first hotline or petition record (over the period and the
  look-back) falls in the period has *reached the desk* in the period; it is a *sentinel failure*
  when no grid record (grid order or grid event) of the matter came before that first record. Per
  week and village it counts where that first hotline or petition record is (a grid report of the
  week before would otherwise move every success out of the latest week).

Computed in Python over the rows of the period and the look-back (one query per kind of record);
``analyse`` is the one pass, ``summary`` and ``matters`` read it. Callers cache (the KPI page's
``components.kpi.reads``). The matters carry the ids of their records for the drill-down
(``matter_records_for``, through the read layer's privacy step); ids, phones and addresses are
never displayed.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter

from sqlalchemy import Float, Row, cast, extract, func, null, select
from sqlalchemy.orm import Session, aliased

from db import scope
from db.models import Category, Grid, GridEvent, GridStaff, Household, RecordLink, Township, Village, WorkOrder
from db.models.grid_work import EVENT_STATUSES, EVENT_TYPES
from db.models.orders import CHANNELS, ORDER_STATUSES
from db.queries import grid_events as events_q
from db.queries import kpi as kpi_q
from db.queries import privacy
from db.rules.sla import local_midnight, to_local

W, E = WorkOrder, GridEvent
LOOKBACK_DAYS = 30
KEY_WINDOW_DAYS = 30
ADDRESS_WINDOW_DAYS = 14
CHANNEL_GROUPS = {"grid": ("grid",), "hotline": ("hotline", "12345", "online"), "petition": ("petition",)}
GROUP_LABELS = {"grid": "网格上报", "hotline": "热线/12345/线上", "petition": "信访"}
COMBOS = {  # (grid, hotline, petition) -> label
    (1, 0, 0): "仅网格",
    (0, 1, 0): "仅热线",
    (0, 0, 1): "仅信访",
    (1, 1, 0): "网格+热线",
    (1, 0, 1): "网格+信访",
    (0, 1, 1): "热线+信访",
    (1, 1, 1): "三个渠道",
}
# a grid event's type -> the top-level categories (codes of the standard catalogue) it can be
EVENT_TYPE_TOPICS: dict[str, tuple[str, ...]] = {
    "safety": ("WFJS", "ZAFZ"),  # 违法建设, 治安防范
    "environment": ("HJWS",),  # 环境卫生
    "dispute": ("LLJF", "TDJF"),  # 邻里纠纷, 土地纠纷
    "infrastructure": ("SDQN", "DLJT"),  # 水电气暖, 道路交通
    "livelihood": ("ZCZX", "SHBZ", "LDBZ"),  # 政策咨询, 社会保障, 劳动就业
    "special_group": ("SHBZ",),  # 社会保障
    "other": ("SCJG",),  # 市场监管, and every top-level category not named here
}
ALL_CHANNELS = tuple(c for g in CHANNEL_GROUPS.values() for c in g)
_BIT = {"grid": 1, "hotline": 2, "petition": 4}
_CHANNEL_BIT = {c: _BIT[g] for g, cs in CHANNEL_GROUPS.items() for c in cs}
_CALL = _BIT["hotline"] | _BIT["petition"]
MAX_DRILL = 200
_PHONE_MARKS = str.maketrans("", "", " -()+.")
EPOCH = datetime(1970, 1, 1)


# --------------------------------------------------------------------------- keys, topics, weeks


def _address(raw: str) -> str:
    """NFKC, every whitespace removed ("" when nothing is left)."""
    return "".join(unicodedata.normalize("NFKC", raw).split())


def _phone(raw: str) -> str:
    """Digits only (a fixed line keeps its area code), +86 / 0086 dropped; "" for fewer than 7
    digits (not a phone)."""
    if raw.isdigit() and raw.isascii() and 7 <= len(raw) <= 12:
        return raw  # the canonical form the console stores
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    digits = text.translate(_PHONE_MARKS)
    if not (digits.isascii() and digits.isdigit()):
        digits = "".join(ch for ch in digits if ch.isascii() and ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 7 else ""


def _topics(s: Session) -> tuple[dict[int, tuple[str, str, str]], dict[str, tuple[str, ...]]]:
    """{category id: (leaf name, top-level code, top-level name)} and {event type: top-level codes}."""
    rows = {r.id: r for r in s.execute(select(Category.id, Category.parent_id, Category.code, Category.name))}
    out: dict[int, tuple[str, str, str]] = {}
    for cid, r in rows.items():
        top, hops = r, 0
        while top.parent_id is not None and top.parent_id in rows and hops < 10:
            top, hops = rows[top.parent_id], hops + 1
        out[cid] = (r.name, top.code, top.name)
    claimed = {c for t, codes in EVENT_TYPE_TOPICS.items() if t != "other" for c in codes}
    unclaimed = {v[1] for v in out.values()} - claimed
    by_type = dict(EVENT_TYPE_TOPICS)
    by_type["other"] = tuple(sorted(set(EVENT_TYPE_TOPICS["other"]) | unclaimed))
    return out, by_type


def _weeks(since: datetime, until: datetime) -> list[tuple[date, date]]:
    first = to_local(since).date()
    last = to_local(until - timedelta(microseconds=1)).date()
    out, start = [], first
    while start <= last:
        end = min(last, start + timedelta(days=6 - start.weekday()))
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


@dataclass
class Analysis:
    """One pass over the records of the period and the look-back (``analyse``): the records in
    time order, the matter (root record) of each, and the facts of the period's matters keyed by
    their root. Times are seconds since the epoch (naive UTC)."""

    since: float
    until: float
    records: list[Row]  # (t, channel or None for an event, id, household, an order's caller phone, an
    #                        event's household's phone, address, category id or event type, village id), in time order
    roots: list[int]
    bits: dict[int, int]  # root -> channels in the period: 1 grid, 2 hotline, 4 petition
    first: dict[int, int]  # root -> its first record in the period
    events_in: dict[int, int]  # root -> its grid events in the period
    first_grid: dict[int, float]  # root -> its first grid record (period and look-back)
    first_call: dict[int, int]  # root -> its first hotline or petition record (period and look-back)
    first_order: dict[int, int]  # root -> its first order
    first_event: dict[int, int]  # root -> its first event
    categories: dict[int, tuple[str, str, str]]  # category id -> (leaf name, top-level code, top-level name)
    weeks: list[tuple[date, date]]  # the period's ISO weeks, cut to the period (local dates)
    week_bounds: list[float]  # the starts of the weeks after the first
    villages: dict[int, tuple[str, str]]  # id -> (village, township)

    def sentinel(self, root: int) -> bool | None:
        """None: the matter did not reach the hotline or petition desk in the period; True: it did
        and no grid record came before (a sentinel failure)."""
        i = self.first_call.get(root)
        if i is None or self.records[i][0] < self.since:
            return None
        grid = self.first_grid.get(root)
        return grid is None or grid >= self.records[i][0]

    def week(self, i: int) -> int:
        """The index in ``weeks`` of the record ``i`` of the period."""
        return bisect_right(self.week_bounds, self.records[i][0])

    def labels(self, root: int) -> tuple[str, str]:
        """(category, topic): the leaf and the top-level category of the matter's first order, else
        the type of its first event."""
        o = self.first_order.get(root)
        if o is not None:
            cat = self.categories.get(self.records[o][7])
            return (cat[0], cat[2]) if cat else ("", "")
        etype = self.records[self.first_event[root]][7]
        label = EVENT_TYPES.get(etype, etype)
        return label, f"{label}（网格事件）"


def _epoch(column):
    return cast(extract("epoch", column), Float)


def _seconds(at: datetime) -> float:
    return (at - EPOCH).total_seconds()


def _at(seconds: float | None) -> datetime | None:
    return None if seconds is None else EPOCH + timedelta(seconds=seconds)


# --------------------------------------------------------------------------- the one pass


def analyse(s: Session, since: datetime, until: datetime) -> Analysis:
    """Every matter with a record in ``[since, until)`` (naive UTC), matched over the period and
    the look-back (module docstring). Plain Python over two reads, in time order."""
    start = since - timedelta(days=LOOKBACK_DAYS)
    categories, type_topics = _topics(s)
    hh = aliased(Household)
    orders = s.execute(
        select(
            _epoch(W.received_at),
            W.channel,
            W.id,
            W.household_id,
            W.caller_phone,
            null(),
            W.address,
            W.category_id,
            W.village_id,
        )
        .where(W.received_at >= start, W.received_at < until, W.status != "cancelled", W.channel.in_(ALL_CHANNELS))
        .order_by(W.received_at, W.id)
    ).all()
    events = s.execute(
        select(
            _epoch(E.reported_at),
            null(),
            E.id,
            E.household_id,
            null(),
            hh.phone,
            E.address,
            E.event_type,
            Grid.village_id,
        )
        .select_from(E)
        .join(Grid, Grid.id == E.grid_id)
        .outerjoin(hh, hh.id == E.household_id)
        .where(*_event_window(s, start, until))
        .order_by(E.reported_at, E.id)
    ).all()
    records = [*orders, *events]
    records.sort(key=itemgetter(0))  # two sorted runs: a merge
    n = len(records)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    tops = {cid: (c[1],) for cid, c in categories.items()}
    unknown = ("",)
    topics_all = {tp for v in (*tops.values(), *type_topics.values(), unknown) for tp in v}
    key_window, addr_window = KEY_WINDOW_DAYS * 86400.0, ADDRESS_WINDOW_DAYS * 86400.0
    # per topic: household id or phone -> the latest record seen; address -> the latest record seen
    people: dict[str, dict] = {tp: {} for tp in topics_all}
    places: dict[str, dict] = {tp: {} for tp in topics_all}
    phones: dict[str, str] = {}
    addresses: dict[str, str] = {}
    times = [r[0] for r in records]

    def join(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the root is the earliest record

    # the hot loop (a county's month and look-back: about a hundred thousand records): kept flat
    for i, (t, channel, _id, household, caller, own_phone, address, topic_of, _v) in enumerate(records):
        if channel is None:  # a grid event: its household's phone
            topics = type_topics.get(topic_of, unknown)
            raw = own_phone
        else:  # an order: its caller's phone, unless a grid order's (the grid worker's)
            topics = tops.get(topic_of, unknown)
            raw = None if channel == "grid" else caller
        number = None
        if raw is not None:
            number = phones.get(raw)
            if number is None:
                number = phones[raw] = _phone(raw)
        place = None
        if address is not None:
            place = addresses.get(address)
            if place is None:
                place = addresses[address] = _address(address)
        for tp in topics:
            table = people[tp]
            if household is not None:
                prev = table.get(household)
                table[household] = i
                if prev is not None and t - times[prev] <= key_window:
                    join(i, prev)
            if number:
                prev = table.get(number)
                table[number] = i
                if prev is not None and t - times[prev] <= key_window:
                    join(i, prev)
            if place:
                table = places[tp]
                prev = table.get(place)
                table[place] = i
                if prev is not None and t - times[prev] <= addr_window:
                    join(i, prev)
    links = _links(s, start, until)
    if links:
        wanted = (
            {i for f, a, t, b in links for kind, i in ((f, a), (t, b)) if kind == "work_order"},
            {i for f, a, t, b in links for kind, i in ((f, a), (t, b)) if kind == "grid_event"},
        )
        index: tuple[dict[int, int], dict[int, int]] = ({}, {})
        for i, rec in enumerate(records):
            kind = 0 if rec[1] is not None else 1
            if rec[2] in wanted[kind]:
                index[kind][rec[2]] = i
        for from_type, from_id, to_type, to_id in links:
            a = index[from_type != "work_order"].get(from_id)
            b = index[to_type != "work_order"].get(to_id)
            if a is not None and b is not None:
                join(a, b)
    roots = [i if parent[i] == i else find(i) for i in range(n)]

    # the period's matters (records in time order): their channels, first record and events in the
    # period, then their first grid and hotline/petition records, orders and events over both
    since_s, until_s = _seconds(since), _seconds(until)
    p0 = bisect_left(times, since_s)
    bits: dict[int, int] = {}
    first: dict[int, int] = {}
    events_in: dict[int, int] = {}
    first_grid: dict[int, float] = {}
    first_call: dict[int, int] = {}
    first_order: dict[int, int] = {}
    first_event: dict[int, int] = {}
    for i in range(p0, n):
        r = roots[i]
        channel = records[i][1]
        bit = 1 if channel is None else _CHANNEL_BIT[channel]
        old = bits.get(r)
        if old is None:
            bits[r] = bit
            first[r] = i
        elif old | bit != old:
            bits[r] = old | bit
        if channel is None:
            events_in[r] = events_in.get(r, 0) + 1
            if r not in first_event:
                first_event[r] = i
        elif r not in first_order:
            first_order[r] = i
        if bit == 1:
            if r not in first_grid:
                first_grid[r] = times[i]
        elif r not in first_call:
            first_call[r] = i
    for i in range(p0 - 1, -1, -1):  # the look-back, latest first: the earliest is written last
        r = roots[i]
        if r in bits:
            channel = records[i][1]
            if channel is None:
                first_event[r] = i
            else:
                first_order[r] = i
            if channel is None or channel == "grid":
                first_grid[r] = times[i]
            else:
                first_call[r] = i
    weeks = _weeks(since, until)
    village_ids = {records[i][8] for i in first.values()}
    villages = {
        v.id: (v.name, v.township)
        for v in s.execute(
            select(Village.id, Village.name, Township.name.label("township")).join(
                Township, Township.id == Village.township_id
            )
        )
        if v.id in village_ids
    }
    return Analysis(
        since_s,
        until_s,
        records,
        roots,
        bits,
        first,
        events_in,
        first_grid,
        first_call,
        first_order,
        first_event,
        categories,
        weeks,
        [_seconds(local_midnight(w[0])) for w in weeks[1:]],
        villages,
    )


def _event_window(s: Session, start: datetime, until: datetime) -> list:
    """The grid events reported in ``[start, until)``, written so that SQLite (without statistics
    of its own) reads an index range: a township's through its grids' (grid, reported_at) ranges,
    the county's through the (status, reported_at) ranges of every status."""
    window = [E.reported_at >= start, E.reported_at < until]
    if scope.township_of(s) is not None:
        return [E.grid_id.in_(select(Grid.id)), *window]  # the township's grids (the scope)
    return [E.status.in_(list(EVENT_STATUSES)), *window]


def _links(s: Session, start: datetime, until: datetime) -> list:
    """Record links between a grid event of the window and an order, read from either end (the
    order is matched when it was read too). The other end's type goes through coalesce, so that
    SQLite probes the links of the window's events instead of reading every link of an order."""
    L = RecordLink
    events = select(E.id).where(*_event_window(s, start, until))
    out: list[Row[str, int, str, int]] = []
    for near, far in (("from", "to"), ("to", "from")):
        q = select(L.from_type, L.from_id, L.to_type, L.to_id).where(
            getattr(L, f"{near}_type") == "grid_event",
            getattr(L, f"{near}_id").in_(events),
            func.coalesce(getattr(L, f"{far}_type"), "") == "work_order",
        )
        out += s.execute(q).all()
    return out


# --------------------------------------------------------------------------- figures


def _combo(bits: int) -> tuple[int, int, int]:
    return (bits & 1, (bits >> 1) & 1, (bits >> 2) & 1)


class _Tally:
    __slots__ = ("matters", "multi", "reached", "failures")

    def __init__(self) -> None:
        self.matters = self.multi = self.reached = self.failures = 0

    def matter(self, multi: bool) -> None:
        self.matters += 1
        self.multi += multi

    def reach(self, failure: bool) -> None:
        self.reached += 1
        self.failures += failure

    def row(self) -> dict:
        n, reached = self.matters, self.reached
        return {
            "matters": n,
            "multi": self.multi,
            "multi_share": self.multi / n if n else None,
            "reached": reached,
            "sentinel_failures": self.failures,
            "sentinel_share": self.failures / reached if reached else None,
        }


def figures(a: Analysis) -> dict:
    """The Venn, the shares, and the same per week, per village and per topic (each with its n):
    ``{"combos": [{"combo", "label", "matters"}], "matters", "multi", "multi_share", "reached",
    "sentinel_failures", "sentinel_share", "events", "events_matched", "by_week", "by_village",
    "by_category"}``. ``reached``: the matters whose first hotline or petition record is in the
    period (the n of the sentinel share); ``events_matched``: the period's grid events in a
    matter that has a hotline or petition record in the period (of ``events``)."""
    total = _Tally()
    by_combo: dict[int, int] = {}
    weeks = [_Tally() for _ in a.weeks]
    villages: dict[int | None, _Tally] = {}
    topics: dict[str, _Tally] = {}
    events = matched = 0
    for root, bits in a.bits.items():
        multi = bits not in (1, 2, 4)
        by_combo[bits] = by_combo.get(bits, 0) + 1
        label = a.labels(root)[1] or "未分类"
        topic = topics.get(label) or topics.setdefault(label, _Tally())
        # the matter in the week and village of its first record in the period; its sentinel in
        # those of its first hotline/petition record (a call whose grid report came the week
        # before counts as held in the week of the call)
        first = a.first[root]
        vid = a.records[first][8]
        for tally in (total, weeks[a.week(first)], villages.get(vid) or villages.setdefault(vid, _Tally()), topic):
            tally.matter(multi)
        sentinel = a.sentinel(root)
        if sentinel is not None:
            call = a.first_call[root]
            vid = a.records[call][8]
            for tally in (total, weeks[a.week(call)], villages.get(vid) or villages.setdefault(vid, _Tally()), topic):
                tally.reach(sentinel)
        ev = a.events_in.get(root, 0)
        events += ev
        if bits & 1 and bits & _CALL:
            matched += ev
    out = total.row()
    out["combos"] = [
        {"combo": c, "label": label, "matters": by_combo.get(c[0] | c[1] << 1 | c[2] << 2, 0)}
        for c, label in COMBOS.items()
    ]
    out["events"], out["events_matched"] = events, matched
    out["by_week"] = [
        {"week": f"{w[0].isocalendar()[0]}-W{w[0].isocalendar()[1]:02d}", "start": w[0], "end": w[1], **tally.row()}
        for w, tally in zip(a.weeks, weeks, strict=True)
    ]
    rows = []
    for vid, tally in villages.items():
        name, township = a.villages.get(vid, ("未定位", "")) if vid is not None else ("未定位", "")
        rows.append({"village_id": vid, "village": name, "township": township, **tally.row()})
    out["by_village"] = sorted(rows, key=lambda r: (-r["multi"], -r["matters"], r["township"], r["village"]))
    cats = [{"category": topic, **tally.row()} for topic, tally in topics.items()]
    out["by_category"] = sorted(cats, key=lambda r: (-r["multi"], -r["matters"], r["category"]))
    return out


def summary(s: Session, since: datetime, until: datetime, *, first_page: int = 0) -> dict:
    """``figures`` of the period ``[since, until)``; with ``first_page``, also the first page of the
    sentinel failures (``"sentinel_list"``: ``matter_rows``), read from the same pass."""
    a = analyse(s, since, until)
    out = figures(a)
    if first_page:
        out["sentinel_list"] = matter_rows(a, sentinel_only=True, limit=first_page)
    return out


def matter_rows(
    a: Analysis,
    *,
    combo: tuple[int, int, int] | None = None,
    sentinel_only: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    """The matters of one channel combination (or the sentinel failures): (count, one page), the
    latest first (by their first record in the period). A row carries its category, village,
    channels, counts and first dates, and ``order_ids`` / ``event_ids`` / ``key`` for the
    drill-down: never display those."""
    want = None if combo is None else combo[0] | combo[1] << 1 | combo[2] << 2
    chosen = [
        r for r, bits in a.bits.items() if (want is None or bits == want) and (not sentinel_only or a.sentinel(r))
    ]
    chosen.sort(key=lambda r: (a.first[r], r), reverse=True)  # records are in time order
    page = chosen[max(0, offset) : max(0, offset) + max(1, limit)]
    members: dict[int, tuple[list[int], list[int]]] = {r: ([], []) for r in page}
    if page:
        for i, r in enumerate(a.roots):
            m = members.get(r)
            if m is not None:
                rec = a.records[i]
                m[1 if rec[1] is None else 0].append(rec[2])
    rows = []
    for r in page:
        category, _topic = a.labels(r)
        vid = a.records[a.first[r]][8]
        c = _combo(a.bits[r])
        orders, events = members[r]
        root = a.records[r]
        rows.append(
            {
                "key": f"{'e' if root[1] is None else 'o'}{root[2]}",
                "category": category,
                "village": a.villages.get(vid, ("", ""))[0] if vid is not None else "",
                "combo": c,
                "channels": "、".join(GROUP_LABELS[g] for g, f in zip(CHANNEL_GROUPS, c, strict=True) if f),
                "orders": len(orders),
                "events": len(events),
                "first_at": _at(a.records[a.first[r]][0]),
                "first_grid": _at(a.first_grid.get(r)),
                "first_call": _at(a.records[a.first_call[r]][0]) if r in a.first_call else None,
                "sentinel": a.sentinel(r),
                "order_ids": tuple(orders[-MAX_DRILL:]),
                "event_ids": tuple(events[-MAX_DRILL:]),
            }
        )
    return len(chosen), rows


def matters(
    s: Session,
    since: datetime,
    until: datetime,
    *,
    combo: tuple[int, int, int] | None = None,
    sentinel_only: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    """``matter_rows`` of the period ``[since, until)``."""
    return matter_rows(analyse(s, since, until), combo=combo, sentinel_only=sentinel_only, offset=offset, limit=limit)


# --------------------------------------------------------------------------- one matter's records


def matter_records(s: Session, order_ids, event_ids, limit: int = 50) -> tuple[list[dict], list[dict]]:
    """The orders and the events of one matter, each oldest first (raw rows: the caller presents them)."""
    order_ids = [int(i) for i in list(order_ids)[:MAX_DRILL]]
    event_ids = [int(i) for i in list(event_ids)[:MAX_DRILL]]
    orders = (
        [
            dict(r)
            for r in s.execute(
                select(W.id, W.number, W.received_at, W.channel, W.title, W.status)
                .where(W.id.in_(order_ids))
                .order_by(W.received_at, W.id)
                .limit(limit)
            ).mappings()
        ]
        if order_ids
        else []
    )
    reporter = aliased(GridStaff)
    events = (
        [
            dict(r)
            for r in s.execute(
                select(
                    E.id,
                    E.number,
                    E.reported_at,
                    E.event_type,
                    E.status,
                    E.description,
                    Household.head_name.label("household_head"),
                    reporter.name.label("reporter"),
                )
                .select_from(E)
                .outerjoin(Household, Household.id == E.household_id)
                .outerjoin(reporter, reporter.id == E.reporter_staff_id)
                .where(E.id.in_(event_ids))
                .order_by(E.reported_at, E.id)
                .limit(limit)
            ).mappings()
        ]
        if event_ids
        else []
    )
    return orders, events


def matter_records_for(s: Session, role: str, order_ids, event_ids, limit: int = 50) -> list[dict]:
    """One matter's orders and events as ``role`` may see them, oldest first: ``{"kind", "number",
    "at", "source", "text", "status"}`` (an order's title, an event's description, scrubbed through
    the read layer's privacy step; no phone, address or person's name column)."""
    orders, events = matter_records(s, order_ids, event_ids, limit)
    shown_orders = privacy.present(s, role, orders, kpi_q.DRILL_ROW)
    shown_events = privacy.present(s, role, events, events_q.EVENT_ROW)
    out = [
        {
            "kind": "工单",
            "number": o["number"],
            "at": o["received_at"],
            "source": CHANNELS.get(o["channel"], o["channel"]),
            "text": o["title"],
            "status": ORDER_STATUSES.get(o["status"], o["status"]),
        }
        for o in shown_orders
    ]
    out += [
        {
            "kind": "网格事件",
            "number": e["number"],
            "at": e["reported_at"],
            "source": f"网格事件·{EVENT_TYPES.get(e['event_type'], e['event_type'])}",
            "text": _short(e["description"]),
            "status": EVENT_STATUSES.get(e["status"], e["status"]),
        }
        for e in shown_events
    ]
    out.sort(key=lambda r: (r["at"], r["number"]))
    return out[:limit]


def _short(text: str | None, n: int = 60) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


__all__ = [
    "ADDRESS_WINDOW_DAYS",
    "CHANNEL_GROUPS",
    "COMBOS",
    "EVENT_TYPE_TOPICS",
    "GROUP_LABELS",
    "KEY_WINDOW_DAYS",
    "LOOKBACK_DAYS",
    "Analysis",
    "analyse",
    "figures",
    "matter_records",
    "matter_records_for",
    "matter_rows",
    "matters",
    "summary",
]
