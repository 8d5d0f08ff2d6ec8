"""Reads of the walk-in receipt and of the public progress page (issue #20 item 7).

Both are read for a person outside the console: the receipt is handed to the caller but may be
lost, and the page is open to whoever holds the link. So both are presented for
``PUBLIC_READER``, a reader that may see no kind of personal data (it has no entry in
``db.permissions.PII_FIELDS_BY_ROLE``), through the read layer's one presentation step
(``db/queries/privacy.py``), and the order's own address is cut to its village or street
wherever it was typed into the free text.

- ``progress(s, order_id)``: the page's facts of ONE order, read by id for the system (the
  route has no user and so no township): the number, category, village, times, status and
  deadline, the public steps of its timeline (what happened and which department, never who, and
  never a note: the notes are staff's free text), the result (scrubbed), and whether it may be
  rated now. Nothing about the caller is selected at all.
- ``receipt(s, order_id)``: what the desk prints for the caller: the same facts plus the
  caller's name and phone masked (张*兰, 138****5678) and the description scrubbed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Category, Department, Household, Platform, Township, Village, WorkOrder, WorkOrderEvent
from db.models.orders import CHANNELS, SATISFACTION
from db.queries import privacy
from db.queries.orders import order_names
from db.rules.masking import mask_address
from db.rules.public_link import expiry
from db.rules.sla import deadline_text

W, E = WorkOrder, WorkOrderEvent
# no entry in PII_FIELDS_BY_ROLE: every kind of personal data is masked, every free text scrubbed
PUBLIC_READER = "public"
PUBLIC_SOURCE = "public"  # a callback event's data["source"] when the resident rated on the page
RATEABLE = "resolved"  # 已办结, not yet called back: the step the desk's 回访 takes

RECEIPT_ENTITY = privacy.Entity(
    fields={"caller_name": "name", "caller_phone": "phone"}, text=("description",), names=order_names
)
RESULT_ENTITY = privacy.Entity(text=("result",), names=order_names)


def _addresses(s: Session, order_id: int) -> list[str]:
    """The addresses known for the order (its own, its household's), longest first."""
    row = s.execute(
        select(W.address, Household.address)
        .outerjoin(Household, Household.id == W.household_id)
        .where(W.id == order_id)
    ).first()
    return sorted({a.strip() for a in (row or ()) if a and a.strip()}, key=len, reverse=True)


def _cut_addresses(text: str | None, addresses: list[str]) -> str | None:
    """Free text with the order's own addresses cut as ``mask_address`` cuts them (东湖村1组12号 ->
    东湖村1组…): scrubbing masks names and numbers, not an exact address typed into a sentence."""
    if not text:
        return text
    for address in addresses:
        masked = mask_address(address)
        if masked != address:
            text = text.replace(address, masked)
    return text


def _facts(s: Session, order_id: int, *extra) -> dict | None:
    row = (
        s.execute(
            select(
                W.id,
                W.number,
                W.status,
                W.channel,
                W.received_at,
                W.contact_due_at,
                W.contacted_at,
                W.dispatched_at,
                W.due_at,
                W.due_provisional,
                W.resolved_at,
                W.result,
                W.callback_at,
                W.satisfaction,
                W.version,
                Category.name.label("category"),
                Village.name.label("village"),
                Township.name.label("township"),
                *extra,
            )
            .select_from(W)
            .outerjoin(Category, Category.id == W.category_id)
            .outerjoin(Village, Village.id == W.village_id)
            .outerjoin(Township, Township.id == W.township_id)
            .where(W.id == order_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    out = dict(row)
    out["channel_label"] = CHANNELS.get(out["channel"], out["channel"])
    out["link_expires"] = expiry(out["received_at"])
    return out


def _departments(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = s.execute(
        select(Department.id, Platform.name, Department.name)
        .join(Platform, Platform.id == Department.platform_id)
        .where(Department.id.in_(sorted(ids)))
    )
    return {i: f"{p}{d}" for i, p, d in rows}


def _step(action: str, data: dict, dept: Mapping[Any, str]) -> str | None:
    """One timeline row as the resident reads it, or None for a step that is internal. ``dept``
    is looked up with the step's department_id, whatever its JSON holds."""
    where = dept.get(data.get("department_id"), "承办部门")
    days = data.get("workdays")
    if action == "receive":
        return "受理登记"
    if action == "answer":
        return "当场答复，已办结"
    if action == "contact":
        return "工作人员已与您联系"
    if action == "dispatch":
        return f"派至{where}办理" + (f"，限{days}个工作日办结" if days else "")
    if action == "accept":
        return "承办部门已签收，正在办理"
    if action == "bounce":
        return "承办部门退回，重新派单中"
    if action == "resolve":
        return "办理完毕"
    if action == "callback":
        said = SATISFACTION.get(data.get("satisfaction", ""), "")
        who = "您在线评价" if data.get("source") == PUBLIC_SOURCE else "回访评价"
        if data.get("redispatch"):
            return f"{who}：{said}，已重新交办{where}办理" + (f"，限{days}个工作日办结" if days else "")
        return f"{who}：{said}"
    if action == "decide_extension" and data.get("approved"):
        return "办理时限已延长"
    if action == "recount_deadline":
        return "办理时限按节假日安排重新计算"
    if action == "cancel":
        return "已撤销"
    if action == "supervise":
        return "列入督办"
    return None  # request_extension, urge, a refused extension, imports: internal


def steps(s: Session, order_id: int) -> list[dict]:
    """The public timeline: ``{"at", "text"}`` oldest first; no actor, no note."""
    rows = s.execute(select(E.at, E.action, E.data).where(E.order_id == order_id).order_by(E.at, E.id)).all()
    dept = _departments(
        s, {d["department_id"] for *_, d in rows if isinstance(d, dict) and isinstance(d.get("department_id"), int)}
    )
    out = []
    for at, action, data in rows:
        text = _step(action, data if isinstance(data, dict) else {}, dept)
        if text:
            out.append({"at": at, "text": text})
    return out


def rated_publicly(s: Session, order_id: int) -> bool:
    """Whether the resident already rated this order on its page (one rating per order): a
    callback step written from the page (its data says so; an order has a handful of steps)."""
    for data in s.scalars(select(E.data).where(E.order_id == order_id, E.action == "callback")):
        if isinstance(data, dict) and data.get("source") == PUBLIC_SOURCE:
            return True
    return False


def progress(s: Session, order_id: int) -> dict | None:
    """The public page's facts of one order (see the module's docstring), or None."""
    out = _facts(s, order_id)
    if out is None:
        return None
    out = privacy.present_one(s, PUBLIC_READER, out, RESULT_ENTITY)
    out["result"] = _cut_addresses(out["result"], _addresses(s, order_id))
    out["steps"] = steps(s, order_id)
    out["rated"] = rated_publicly(s, order_id)
    out["may_rate"] = out["status"] == RATEABLE and not out["rated"]
    out["deadline"] = deadline_text(out["due_at"], out["due_provisional"]) if out["due_at"] else None
    return out


def receipt(s: Session, order_id: int) -> dict | None:
    """The receipt's facts of one order, the caller masked and the description scrubbed."""
    out = _facts(s, order_id, W.caller_name, W.caller_phone, W.description)
    if out is None:
        return None
    out = privacy.present_one(s, PUBLIC_READER, out, RECEIPT_ENTITY)
    out["description"] = _cut_addresses(out["description"], _addresses(s, order_id))
    out["deadline"] = deadline_text(out["due_at"], out["due_provisional"]) if out["due_at"] else None
    out["contact_deadline"] = deadline_text(out["contact_due_at"]) if out["contact_due_at"] else None
    return out


__all__ = ["PUBLIC_READER", "PUBLIC_SOURCE", "RATEABLE", "progress", "rated_publicly", "receipt", "steps"]
