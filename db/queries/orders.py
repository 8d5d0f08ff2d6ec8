"""Work-order reads: the inbox sorted by SLA risk, the order's file, caller history (一事一档),
duplicate candidates and the supervision list.

Every function takes a Session, never commits, filters, sorts, counts and paginates in SQL,
and returns plain dicts. Times are naive UTC; local dates in filters are Asia/Shanghai.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from db import scope
from db.errors import ValidationError
from db.models import (
    Category,
    Department,
    ExtensionRequest,
    Grid,
    GridEvent,
    Household,
    MediationCase,
    MediationParty,
    OrderAssist,
    Platform,
    Resident,
    Township,
    User,
    Village,
    WorkOrder,
    WorkOrderEvent,
)
from db.models.orders import OPEN_STATUSES
from db.permissions import Actor, require, sees_staff, sees_unmasked
from db.queries import links as links_q
from db.queries import order_counts, privacy
from db.queries.calendar import load_calendar
from db.rules.kpi_defs import CLOSED_DONE
from db.rules.masking import mask_name, scrub_for, scrub_rows
from db.rules.phone import looks_like_phone, normalize_phone
from db.rules.sla import CalendarYearMissing, light, local_midnight, workdays_between
from db.rules.text import likeness, search_text

W = WorkOrder
BAND_LIGHT = {0: "red", 1: "yellow", 2: "green"}
EXPORT_LIMIT = 20000


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows. Empty tuples mean "any"; dates are local and inclusive."""

    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()  # a parent category includes its children
    platform_ids: tuple[int, ...] = ()
    village_ids: tuple[int, ...] = ()
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool = False  # the "now" counts of db.queries.order_counts, as on the home cards
    contact_overdue: bool = False
    supervised: bool = False
    unsatisfied: bool = False
    mine: bool = False
    extension_pending: bool = False  # an extension request awaits a decision
    text: str | None = None


ORDER_NUMBER = re.compile(r"RX-\d{4}-\d{6}")

# what a record-number search sets aside, as the page names it
_SET_ASIDE = (
    ("statuses", "状态"),
    ("channels", "渠道"),
    ("category_ids", "类别"),
    ("platform_ids", "承办平台"),
    ("village_ids", "村（社区）"),
    ("received_from", "受理日期"),
    ("received_to", "受理日期"),
    ("overdue", "只看"),
    ("contact_overdue", "只看"),
    ("supervised", "只看"),
    ("unsatisfied", "只看"),
    ("mine", "只看"),
    ("extension_pending", "只看"),
)


def id_by_number(s: Session, number: str) -> int | None:
    """The id of the order numbered ``number`` in the reader's township, or None (whether the
    reader may open it is ``may_read``'s answer)."""
    return s.scalar(select(W.id).where(W.number == number.strip()))


def for_record_number(f: InboxFilter) -> tuple[InboxFilter, list[str]]:
    """A whole order number typed into the search box finds that order whatever the other
    filters say (a closed order searched by its number answered "0 件" under the default
    "open orders" filter, with no hint): the filter with only the number kept, and the names of
    the filters set aside, for the page to say so. The role's scope is not a filter: it stays
    (``inbox_conditions``). Any other text leaves the filter as it is."""
    text = (f.text or "").strip().upper()
    if not ORDER_NUMBER.fullmatch(text):
        return f, []
    aside = list(dict.fromkeys(label for name, label in _SET_ASIDE if getattr(f, name)))
    return InboxFilter(text=text), aside


# --------------------------------------------------------------------------- risk


def _open():
    return W.status.in_(OPEN_STATUSES)


def red_condition(now: datetime):
    """Overdue: an open order past its handling deadline, or not contacted in time."""
    return and_(_open(), or_(W.due_at < now, and_(W.status == "received", W.contact_due_at < now)))


def yellow_condition(now: datetime):
    """80 % of the handling clock used (``warn_at`` is stored with the deadline)."""
    return and_(_open(), W.warn_at <= now)


def risk_band(now: datetime):
    """0 red, 1 yellow, 2 other open orders, 3 closed (resolved, archived, cancelled)."""
    return case((red_condition(now), 0), (yellow_condition(now), 1), (_open(), 2), else_=3)


def _deadline():
    """The nearest deadline of an open order: handling, else first contact."""
    return case((_open(), func.coalesce(W.due_at, W.contact_due_at)), else_=None)


def row_light(row: dict[str, Any], now: datetime) -> str:
    """The traffic light of an inbox row: open orders by their band; a closed order by
    whether it was resolved within its deadline."""
    band = row.get("band")
    if band in BAND_LIGHT:
        return BAND_LIGHT[band]
    if row["status"] in CLOSED_DONE and row.get("due_at") is not None:
        start = row.get("dispatched_at") or row["received_at"]
        return light(start, row["due_at"], now, done_utc=row.get("resolved_at") or now)
    return "green"


# --------------------------------------------------------------------------- inbox


def expand_categories(s: Session, ids: tuple[int, ...]) -> list[int]:
    """The categories and all their descendants (the category table is small)."""
    wanted = set(ids)
    children: dict[int, list[int]] = {}
    for cid, parent in s.execute(select(Category.id, Category.parent_id)):
        if parent is not None:
            children.setdefault(parent, []).append(cid)
    stack = list(wanted)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in wanted:
                wanted.add(child)
                stack.append(child)
    return sorted(wanted)


def _text_condition(t: str, phone_visible: bool):
    """Number prefix (the console's or the county platform's), caller phone (only for roles that
    see phones unmasked: otherwise a masked ``138****5678`` could be completed by trial searches),
    title, description, address. ``t`` is already cleaned (``search_text``)."""
    # the console's number, or the county platform's (12345 / 信访件编号) as typed from its list
    ors = [W.number.startswith(t.upper(), autoescape=True), W.external_no.startswith(t.upper(), autoescape=True)]
    if phone_visible and looks_like_phone(t):
        try:
            phone = normalize_phone(t)
        except ValidationError:
            phone = None
        ors.append(W.caller_phone == (phone or t))
    ors += [
        W.title.icontains(t, autoescape=True),
        W.description.icontains(t, autoescape=True),
        W.address.icontains(t, autoescape=True),
    ]
    return or_(*ors)


def reach(actor: Actor):
    """The orders a platform officer or a grid worker may read (None: every order of the township):
    an officer, the orders of the officer's platform and those it assists on (吹哨办); a grid
    worker, the 就地办 orders dispatched to the worker's village."""
    if actor.role == "platform":
        if not actor.platform_id:
            return false()
        assists = (
            select(OrderAssist.id)
            .where(
                OrderAssist.order_id == W.id,
                OrderAssist.platform_id == actor.platform_id,
                OrderAssist.status != "withdrawn",
            )
            .exists()
        )
        return or_(W.platform_id == actor.platform_id, assists)
    if actor.role == "grid":
        return W.handler_village_id == actor.village_id if actor.village_id else false()
    return None


def may_read(s: Session, actor: Actor, order_id: int) -> bool:
    """Whether ``actor`` may open the order (its township is checked by db/scope.py)."""
    cond = reach(actor)
    stmt = select(W.id).where(W.id == order_id)
    return s.scalar(stmt if cond is None else stmt.where(cond)) is not None


def inbox_conditions(s: Session, f: InboxFilter, actor: Actor, now: datetime) -> list:
    """The WHERE clause of the inbox (on work_order columns; a platform officer's assisted orders
    through an EXISTS on order_assist)."""
    conds: list = []
    if (cond := reach(actor)) is not None:  # always scoped to the officer's platform, the worker's village
        conds.append(cond)
    if f.statuses:
        conds.append(W.status.in_(f.statuses))
    if f.channels:
        conds.append(W.channel.in_(f.channels))
    if f.category_ids:
        conds.append(W.category_id.in_(expand_categories(s, tuple(f.category_ids))))
    if f.platform_ids:
        conds.append(W.platform_id.in_(f.platform_ids))
    if f.village_ids:
        conds.append(W.village_id.in_(f.village_ids))
    if f.received_from:
        conds.append(W.received_at >= local_midnight(f.received_from))
    if f.received_to:
        conds.append(W.received_at < local_midnight(f.received_to + timedelta(days=1)))
    if f.overdue:
        conds.append(order_counts.where("overdue", now))
    if f.contact_overdue:
        conds.append(order_counts.where("contact_overdue", now))
    if f.supervised:
        conds.append(order_counts.where("supervised", now))
    if f.unsatisfied:
        conds.append(W.satisfaction == "unsatisfied")
    if f.mine and actor.role not in ("platform", "grid"):
        uid = actor.user_id
        conds.append(or_(W.created_by == uid, W.assignee_id == uid, W.supervisor_user_id == uid))
    if f.extension_pending:
        conds.append(
            select(ExtensionRequest.id)
            .where(ExtensionRequest.order_id == W.id, ExtensionRequest.status == "pending")
            .exists()
        )
    if text := search_text(f.text):
        conds.append(_text_condition(text, sees_unmasked(actor.role, "phone")))
    return conds


def _inbox_columns(now: datetime) -> Select:
    """The inbox's columns, joined to the names they show (not filtered, not sorted)."""
    band = risk_band(now)
    return (
        select(
            W.id,
            W.number,
            W.received_at,
            W.channel,
            Category.name.label("category"),
            Village.name.label("village"),
            W.title,
            W.status,
            Platform.name.label("platform"),
            Department.name.label("department"),
            W.contact_due_at,
            W.due_at,
            W.warn_at,
            W.due_provisional,
            W.dispatched_at,
            W.resolved_at,
            W.caller_name,
            W.caller_phone,
            W.supervised,
            W.supervision_level,
            W.redispatch_count,
            W.satisfaction,
            W.urgency,
            W.tier,
            W.version,
            W.external_no,
            W.external_source,
            W.external_due_at,
            W.handler_village_id,
            band.label("band"),
        )
        .select_from(W)
        # outer joins keep work_order the driving table (and its status index the access path)
        .outerjoin(Category, Category.id == W.category_id)
        .outerjoin(Village, Village.id == W.village_id)
        .outerjoin(Platform, Platform.id == W.platform_id)
        .outerjoin(Department, Department.id == W.department_id)
    )


def inbox_select(s: Session, f: InboxFilter, actor: Actor, now: datetime) -> Select:
    """The inbox rows, sorted by risk band, nearest deadline, newest (not yet paginated)."""
    return _inbox_columns(now).where(*inbox_conditions(s, f, actor, now)).order_by(*_inbox_order(f, risk_band(now)))


def inbox_ids_select(s: Session, f: InboxFilter, actor: Actor, now: datetime) -> Select:
    """The inbox's order ids, in the inbox's order: filtered and sorted on ``work_order`` alone
    (every condition and sort key is one of its columns). ``inbox_page`` takes one page of them
    and makes the joins for the names for that page's rows only, not for every open order before
    the limit (the first page at a million orders cost 5.8-9.2x its cost at 10,000)."""
    return select(W.id).where(*inbox_conditions(s, f, actor, now)).order_by(*_inbox_order(f, risk_band(now)))


def _inbox_order(f: InboxFilter, band) -> list:
    """Risk first when open orders are asked for; a list of closed orders only (archives, up to
    90 % of a county's million orders) is sorted newest first, which the received_at index serves
    without sorting the whole table."""
    if f.statuses and not set(f.statuses) & set(OPEN_STATUSES):
        return [W.received_at.desc(), W.id.desc()]
    return [band, _deadline().asc().nulls_last(), W.received_at.desc(), W.id.desc()]


def inbox_count_select(s: Session, f: InboxFilter, actor: Actor, now: datetime) -> Select:
    return select(func.count()).select_from(W).where(*inbox_conditions(s, f, actor, now))


def _rows(s: Session, stmt: Select, now: datetime) -> list[dict]:
    out = []
    for r in s.execute(stmt).mappings():
        row = dict(r)
        row["light"] = row_light(row, now)
        out.append(row)
    return out


def order_names(s: Session, order_ids: list[int]) -> dict[int, list[str]]:
    """The people's names known for each order, to scrub its free text with: the caller, and the
    household's head and members."""
    ids = sorted({i for i in order_ids if i is not None})
    out: dict[int, set[str]] = {i: set() for i in ids}
    for chunk in (ids[k : k + 500] for k in range(0, len(ids), 500)):
        for oid, caller, head in s.execute(
            select(W.id, W.caller_name, Household.head_name)
            .outerjoin(Household, Household.id == W.household_id)
            .where(W.id.in_(chunk))
        ):
            out[oid] |= {n for n in (caller, head) if n}
        for oid, name in s.execute(
            select(W.id, Resident.name).join(Resident, Resident.household_id == W.household_id).where(W.id.in_(chunk))
        ):
            if name:
                out[oid].add(name)
    return {i: sorted(n) for i, n in out.items()}


# the privacy specification of an order row (db/queries/privacy.py): its caller's structured
# data, its address, and the free text a clerk typed, scrubbed with the names known for the order
ORDER_PII = {
    "caller_name": "name",
    "caller_phone": "phone",
    "caller_id_number": "id_number",
    "address": "address",
    "household_address": "address",
}
ORDER_ROW = privacy.Entity(fields=ORDER_PII, text=("title",), names=order_names)
ORDER_DETAIL = privacy.Entity(
    fields=ORDER_PII, text=("title", "description", "result", "cancelled_reason"), names=order_names
)


def scrubbed(s: Session, role: str, rows: list[dict], fields: tuple[str, ...], key: str = "id") -> list[dict]:
    """``rows`` with the free-text ``fields`` as ``role`` may see them (db.rules.masking.scrub_for,
    with every name known for the row's order): a clerk typed "张桂兰反映…" into a description,
    and the leader and demo accounts read the name in the inbox's titles, the order's description
    and its timeline while the caller column beside it was masked."""
    return scrub_rows(role, rows, fields, lambda ids: order_names(s, ids), key)


def inbox_count(s: Session, f: InboxFilter, actor: Actor, now: datetime) -> int:
    require(actor, "order.view")
    return s.scalar(inbox_count_select(s, f, actor, now)) or 0


def inbox_page(s: Session, f: InboxFilter, actor: Actor, now: datetime, offset: int = 0, limit: int = 50) -> list[dict]:
    require(actor, "order.view")
    ids = list(
        s.scalars(inbox_ids_select(s, f, actor, now).offset(max(0, int(offset))).limit(max(1, min(int(limit), 500))))
    )
    if not ids:
        return []
    by_id = {r["id"]: r for r in _rows(s, _inbox_columns(now).where(W.id.in_(ids)), now)}
    return privacy.present(s, actor.role, [by_id[i] for i in ids if i in by_id], ORDER_ROW)


def inbox_export(s: Session, f: InboxFilter, actor: Actor, now: datetime, limit: int = EXPORT_LIMIT) -> list[dict]:
    require(actor, "order.export")
    return privacy.present(
        s, actor.role, _rows(s, inbox_select(s, f, actor, now).limit(max(1, int(limit))), now), ORDER_ROW
    )


# --------------------------------------------------------------------------- one order


def order_detail(s: Session, order_id: int, role: str | None = None) -> dict | None:
    """Every column of the order plus the names it refers to; with ``role``, as that role may see
    it (the caller's data and the address masked, the free text scrubbed: ``ORDER_DETAIL``);
    without, as stored (for services)."""
    creator, supervisor, assignee = aliased(User), aliased(User), aliased(User)
    original, handler = aliased(WorkOrder), aliased(Village)
    stmt = (
        select(
            *scope.columns(W),
            Category.name.label("category"),
            Township.name.label("township"),
            Village.name.label("village"),
            Grid.name.label("grid"),
            handler.name.label("handler_village"),
            Household.address.label("household_address"),
            Platform.name.label("platform"),
            Department.name.label("department"),
            creator.display_name.label("creator"),
            assignee.display_name.label("assignee"),
            supervisor.display_name.label("supervisor"),
            original.number.label("duplicate_of_number"),
        )
        .select_from(W)
        .outerjoin(Category, Category.id == W.category_id)
        .outerjoin(Township, Township.id == W.township_id)
        .outerjoin(Village, Village.id == W.village_id)
        .outerjoin(Grid, Grid.id == W.grid_id)
        .outerjoin(handler, handler.id == W.handler_village_id)
        .outerjoin(Household, Household.id == W.household_id)
        .outerjoin(Platform, Platform.id == W.platform_id)
        .outerjoin(Department, Department.id == W.department_id)
        .outerjoin(creator, creator.id == W.created_by)
        .outerjoin(assignee, assignee.id == W.assignee_id)
        .outerjoin(supervisor, supervisor.id == W.supervisor_user_id)
        .outerjoin(original, original.id == W.duplicate_of_id)
        .where(W.id == order_id)
    )
    row = s.execute(stmt).mappings().first()
    if row is None:
        return None
    out = dict(row)
    return privacy.present_one(s, role, out, ORDER_DETAIL) if role is not None else out


def timeline(s: Session, order_id: int, role: str | None = None) -> list[dict]:
    """The order's steps, oldest first; with ``role``, as that role may see them (the notes
    scrubbed, the acting staff's names masked for the observer; 系统 stays)."""
    E = WorkOrderEvent
    rows = (
        s.execute(
            select(
                E.id,
                E.at,
                E.actor_id,
                func.coalesce(User.display_name, "系统").label("actor"),
                E.action,
                E.from_status,
                E.to_status,
                E.note,
                E.data,
            )
            .outerjoin(User, User.id == E.actor_id)
            .where(E.order_id == order_id)
            .order_by(E.at, E.id)
        )
        .mappings()
        .all()
    )
    out = [dict(r) for r in rows]
    if role is not None and out:
        known = order_names(s, [order_id]).get(order_id, [])
        staff = sees_staff(role)  # the console's own staff: masked for the delegation's observer
        out = [
            {
                **r,
                "note": scrub_for(role, r["note"], known) if r["note"] else r["note"],
                "actor": r["actor"] if staff or r["actor_id"] is None else mask_name(r["actor"]),
            }
            for r in out
        ]
    return out


ORDER_ASSIST = privacy.Entity(
    text=("report",),
    names=lambda s, ids: order_names(s, ids),
    key="order_id",
    staff={"accepted_by": "name", "reported_by": "name"},
)


def assists(s: Session, order_id: int, role: str | None = None) -> list[dict]:
    """The assisting departments of a 吹哨办 order, in the order they were called, with their
    reports; with ``role``, as that role may see them (the reports scrubbed like the timeline's
    notes, the officers' names masked for the observer: ``ORDER_ASSIST``)."""
    A, accepter, reporter = OrderAssist, aliased(User), aliased(User)
    rows = [
        dict(r)
        for r in s.execute(
            select(
                A.id,
                A.order_id,
                A.platform_id,
                Platform.name.label("platform"),
                A.department_id,
                Department.name.label("department"),
                A.status,
                A.assigned_at,
                A.accepted_at,
                accepter.display_name.label("accepted_by"),
                A.reported_at,
                reporter.display_name.label("reported_by"),
                A.report,
                A.version,
            )
            .join(Platform, Platform.id == A.platform_id)
            .join(Department, Department.id == A.department_id)
            .outerjoin(accepter, accepter.id == A.accepted_by)
            .outerjoin(reporter, reporter.id == A.reported_by)
            .where(A.order_id == order_id)
            .order_by(A.id)
        ).mappings()
    ]
    return privacy.present(s, role, rows, ORDER_ASSIST) if role is not None and rows else rows


def extension_requests(
    s: Session, order_id: int | None = None, status: str | None = None, limit: int = 200
) -> list[dict]:
    X = ExtensionRequest
    requester, decider = aliased(User), aliased(User)
    stmt = (
        select(
            X.id,
            X.order_id,
            W.number,
            W.title,
            W.status.label("order_status"),
            W.due_at,
            W.platform_id,
            Platform.name.label("platform"),
            Department.name.label("department"),
            X.requested_at,
            requester.display_name.label("requested_by"),
            X.workdays,
            X.reason,
            X.status,
            X.decided_at,
            decider.display_name.label("decided_by"),
            X.new_due_at,
            X.version,
        )
        .join(W, W.id == X.order_id)
        .outerjoin(Platform, Platform.id == W.platform_id)
        .outerjoin(Department, Department.id == W.department_id)
        .outerjoin(requester, requester.id == X.requested_by)
        .outerjoin(decider, decider.id == X.decided_by)
        .order_by(X.requested_at.desc(), X.id.desc())
        .limit(limit)
    )
    if order_id is not None:
        stmt = stmt.where(X.order_id == order_id)
    if status is not None:
        stmt = stmt.where(X.status == status)
    return [dict(r) for r in s.execute(stmt).mappings()]


def linked_records(s: Session, order_id: int) -> list[dict]:
    """Records linked to the order from either end of ``record_link``, plus its duplicates
    (orders with ``duplicate_of_id`` = this one) and the order it duplicates."""
    extra: list[dict] = []
    for oid, at in s.execute(select(W.id, W.received_at).where(W.duplicate_of_id == order_id)).all():
        extra.append({"type": "work_order", "id": oid, "kind": "duplicate", "direction": "in", "linked_at": at})
    original = s.scalar(select(W.duplicate_of_id).where(W.id == order_id))
    if original is not None:
        extra.append({"type": "work_order", "id": original, "kind": "duplicate", "direction": "out", "linked_at": None})
    return links_q.linked(s, "work_order", order_id, extra)


# --------------------------------------------------------------------------- 一事一档


def _phone_key(phone: str | None) -> str | None:
    if not phone or not phone.strip():
        return None
    try:
        return normalize_phone(phone)
    except ValidationError:
        return phone.strip()


HISTORY_DISPUTE = privacy.Entity(text=("title",))
HISTORY_EVENT = privacy.Entity(fields={"address": "address"}, text=("description",))


def caller_history(
    s: Session,
    phone: str | None = None,
    household_id: int | None = None,
    address: str | None = None,
    limit: int = 20,
    role: str | None = None,
) -> dict[str, list[dict]]:
    """Everything on file for this caller, household or address, newest first:
    ``orders``, ``disputes`` (a party with this phone or from this household, or a case
    that came from one of these orders) and ``events`` (grid events at the household or
    address); with ``role``, as that role may see them."""
    phone = _phone_key(phone)
    address = (address or "").strip() or None
    empty: dict[str, list[dict]] = {"orders": [], "disputes": [], "events": []}
    if phone is None and household_id is None and address is None:
        return empty
    order_match = []
    if phone:
        order_match.append(W.caller_phone == phone)
    if household_id is not None:
        order_match.append(W.household_id == household_id)
    if address:
        order_match.append(W.address == address)
    orders = (
        s.execute(
            select(
                W.id,
                W.number,
                W.received_at,
                W.channel,
                W.status,
                W.title,
                Category.name.label("category"),
                W.caller_name,
                W.caller_phone,
                W.household_id,
                W.address,
                W.satisfaction,
                W.due_at,
                W.resolved_at,
            )
            .outerjoin(Category, Category.id == W.category_id)
            .where(or_(*order_match))
            .order_by(W.received_at.desc(), W.id.desc())
            .limit(limit)
        )
        .mappings()
        .all()
    )

    M, P = MediationCase, MediationParty
    case_match = [M.source_order_id.in_(select(W.id).where(or_(*order_match)))]
    party_match = []
    if phone:
        party_match.append(P.phone == phone)
    if household_id is not None:
        party_match.append(P.resident_id.in_(select(Resident.id).where(Resident.household_id == household_id)))
    if party_match:
        case_match.append(M.id.in_(select(P.case_id).where(or_(*party_match))))
    disputes = (
        s.execute(
            select(
                M.id,
                M.number,
                M.reported_at,
                M.dispute_type,
                M.title,
                M.status,
                M.risk_colour,
                M.level,
                M.source_order_id,
                Village.name.label("village"),
            )
            .outerjoin(Village, Village.id == M.village_id)
            .where(or_(*case_match))
            .order_by(M.reported_at.desc(), M.id.desc())
            .limit(limit)
        )
        .mappings()
        .all()
    )

    events: Sequence[RowMapping] = []
    event_match = []
    if household_id is not None:
        event_match.append(GridEvent.household_id == household_id)
    if address:
        event_match.append(GridEvent.address == address)
    if event_match:
        events = (
            s.execute(
                select(
                    GridEvent.id,
                    GridEvent.number,
                    GridEvent.reported_at,
                    GridEvent.event_type,
                    GridEvent.description,
                    GridEvent.status,
                    GridEvent.address,
                    Grid.name.label("grid"),
                )
                .outerjoin(Grid, Grid.id == GridEvent.grid_id)
                .where(or_(*event_match))
                .order_by(GridEvent.reported_at.desc(), GridEvent.id.desc())
                .limit(limit)
            )
            .mappings()
            .all()
        )
    out = {
        "orders": [dict(r) for r in orders],
        "disputes": [dict(r) for r in disputes],
        "events": [dict(r) for r in events],
    }
    if role is not None:
        out = {
            "orders": privacy.present(s, role, out["orders"], ORDER_ROW),
            "disputes": privacy.present(s, role, out["disputes"], HISTORY_DISPUTE),
            "events": privacy.present(s, role, out["events"], HISTORY_EVENT),
        }
    return out


SIMILAR_WORDING = 0.3  # likeness (db.rules.text) from which two complaints of one category and place read as one matter
PHONE_DAYS = 30


def duplicate_candidates(
    s: Session,
    category_id: int | None,
    *,
    village_id: int | None = None,
    grid_id: int | None = None,
    household_id: int | None = None,
    address: str | None = None,
    description: str | None = None,
    phone: str | None = None,
    now: datetime,
    days: int = 30,
    limit: int = 20,
) -> list[dict]:
    """Earlier orders a clerk would expect to be told about before saving this one (not
    cancelled, received in the last ``days`` days), each with its ``reasons``:

    - 同一来电号码: the same phone within ``PHONE_DAYS`` days, any matter;
    - 同一住户: the same category for the same household;
    - 同一地址: the same category at the same address in the grid (or village);
    - 描述相近: the same category in the same grid (or village, when no grid is chosen) worded
      alike (``likeness`` at least ``SIMILAR_WORDING``), with or without an address: a second
      call about the same street lamp two minutes later, without an address, was not flagged.

    Strongest first (more reasons, then likeness, then newest). ``likeness`` is on each row."""
    address = (address or "").strip() or None
    try:
        phone = normalize_phone(phone) if phone and phone.strip() else None
    except ValidationError:
        phone = None
    since = now - timedelta(days=days)
    ors = []
    if phone:
        ors.append(and_(W.caller_phone == phone, W.received_at >= now - timedelta(days=PHONE_DAYS)))
    if household_id is not None and category_id is not None:
        ors.append(and_(W.household_id == household_id, W.category_id == category_id))
    if category_id is not None and grid_id is not None:
        ors.append(and_(W.category_id == category_id, W.grid_id == grid_id))
    elif category_id is not None and village_id is not None:
        ors.append(and_(W.category_id == category_id, W.village_id == village_id))
    if not ors:
        return []
    rows = (
        s.execute(
            select(
                W.id,
                W.number,
                W.received_at,
                W.status,
                W.title,
                W.description,
                W.caller_name,
                W.caller_phone,
                W.address,
                W.household_id,
                W.category_id,
                W.version,
            )
            .where(W.received_at >= since, W.received_at <= now, W.status != "cancelled", or_(*ors))
            .order_by(W.received_at.desc(), W.id.desc())
            .limit(200)
        )
        .mappings()
        .all()
    )
    out = []
    for r in rows:
        row = dict(r)
        same_matter = category_id is not None and row["category_id"] == category_id
        row["likeness"] = likeness(description, row["description"]) if description else 0.0
        reasons = []
        if phone and row["caller_phone"] == phone:
            reasons.append("同一来电号码")
        if same_matter and household_id is not None and row["household_id"] == household_id:
            reasons.append("同一住户")
        if same_matter and address and row["address"] == address:
            reasons.append("同一地址")
        if same_matter and row["likeness"] >= SIMILAR_WORDING:
            reasons.append("描述相近")
        if reasons:
            row["reasons"] = reasons
            out.append(row)
    out.sort(key=lambda r: (-len(r["reasons"]), -r["likeness"], -r["received_at"].timestamp(), -r["id"]))
    for row in out:
        row.pop("description")
    return out[:limit]


# --------------------------------------------------------------------------- supervision


def _supervision_where(now: datetime):
    return order_counts.where("overdue_or_supervised", now)


def supervision_count(s: Session, now: datetime) -> int:
    return s.scalar(select(func.count()).select_from(W).where(_supervision_where(now))) or 0


def supervision_list(
    s: Session, now: datetime, limit: int = 50, offset: int = 0, role: str | None = None
) -> list[dict]:
    """Open orders that are overdue or supervised: the most overdue first, then supervised
    orders by deadline. Each row carries how long it is overdue, in hours and working days
    (``overdue_workdays`` is None when a year's holiday schedule is missing)."""
    boss = aliased(User)
    overdue = W.due_at < now
    rows = (
        s.execute(
            select(
                W.id,
                W.number,
                W.received_at,
                W.title,
                W.status,
                Category.name.label("category"),
                Village.name.label("village"),
                Platform.name.label("platform"),
                Department.name.label("department"),
                W.dispatched_at,
                W.due_at,
                W.warn_at,
                W.due_provisional,
                W.supervised,
                W.supervision_level,
                boss.display_name.label("supervisor"),
                W.urge_count,
                W.extension_count,
                W.redispatch_count,
                W.handler_village_id,
                W.version,
            )
            .select_from(W)
            .outerjoin(Category, Category.id == W.category_id)
            .outerjoin(Village, Village.id == W.village_id)
            .outerjoin(Platform, Platform.id == W.platform_id)
            .outerjoin(Department, Department.id == W.department_id)
            .outerjoin(boss, boss.id == W.supervisor_user_id)
            .where(_supervision_where(now))
            .order_by(case((overdue, 0), else_=1), W.due_at.asc().nulls_last(), W.id)
            .offset(max(0, int(offset)))
            .limit(max(1, int(limit)))
        )
        .mappings()
        .all()
    )
    cal = load_calendar(s) if rows else None
    out = []
    for r in rows:
        row = dict(r)
        due = row["due_at"]
        row["overdue"] = due is not None and due < now
        row["overdue_hours"] = int((now - due).total_seconds() // 3600) if row["overdue"] else 0
        row["overdue_workdays"] = 0
        if row["overdue"]:
            assert cal is not None  # loaded whenever there are rows
            try:
                # the clock ends at 24:00 of its last day: count the working days since then
                row["overdue_workdays"] = workdays_between(due - timedelta(microseconds=1), now, cal)
            except CalendarYearMissing:
                row["overdue_workdays"] = None
        out.append(row)
    return scrubbed(s, role, out, ("title",)) if role is not None else out


__all__ = [
    "InboxFilter",
    "assists",
    "for_record_number",
    "may_read",
    "reach",
    "caller_history",
    "duplicate_candidates",
    "expand_categories",
    "extension_requests",
    "inbox_count",
    "inbox_count_select",
    "inbox_export",
    "inbox_page",
    "inbox_ids_select",
    "inbox_select",
    "linked_records",
    "order_detail",
    "red_condition",
    "risk_band",
    "row_light",
    "supervision_count",
    "supervision_list",
    "timeline",
    "yellow_condition",
]
