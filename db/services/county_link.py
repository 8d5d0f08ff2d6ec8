"""The county's 12345 platform and petition office (issue #23): their exports imported as the
township's orders, and the replies written back in the county's layout.

Import (``preview`` then ``commit``), for a kind ("12345": orders transferred by the county's
hotline platform; "petition": the petition office's list, 信访件):

- the file is read by ``db.rules.county_sheet`` with the township's saved column mapping (the
  usual headers by default); every row is checked first and every problem is listed by row and
  column; nothing is written while there is one;
- the county's category and area wording is matched to the console's categories and villages:
  the township's remembered answers first, then the same name (a category path's last part, a
  village named inside the area text); what is still unmatched is asked on the review screen and
  remembered with the import;
- a ticket already imported (same township, kind and number) is updated (the county's deadline,
  its wording), never duplicated; a new one is registered like a call at the desk (channel
  12345转办 or 信访), received now (the township's clocks start when it receives it), with the
  county's number, receipt time and deadline; the order's deadline is the earlier of its own and
  the county's (``orders.county_cap``);
- all or nothing, in one transaction; audited (one entry per order, one for the import).

Replies (``export_replies``): every transferred order changed since its last reply (its version
differs from the version last exported), in the township's reply layout, then marked as replied
at that version (without changing the order's version), so nothing is sent twice or forgotten.
"""

from __future__ import annotations

import io
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.orm import Session

from db.engine import read_session, write_session
from db.errors import DomainError, ValidationError
from db.models import ExternalProfile, Grid, Household, Township, Village, WorkOrder
from db.models.orders import ORDER_STATUSES, SATISFACTION, WorkOrderEvent
from db.permissions import Actor, require
from db.queries.county import pending_replies
from db.queries.reference import leaf_categories
from db.rules import county_sheet as sheet
from db.rules.sla import deadline_text, to_local, warn_point
from db.services import audit
from db.services import orders as orders_svc
from db.services.base import Clock, now_or

ProgressFn = Callable[[float, str], None]
KIND_LABELS = {"12345": "12345转办工单", "petition": "信访件"}
CHANNEL_OF = {"12345": "12345", "petition": "petition"}
# the reply's fields (what the county platform expects back) and their default headers
REPLY_FIELDS = {
    "number": "工单编号",
    "status": "办理状态",
    "department": "承办单位",
    "result": "办理结果",
    "resolved_at": "办结时间",
    "callback_at": "回访时间",
    "satisfaction": "满意度",
    "console_no": "本系统编号",
}


# --------------------------------------------------------------------------- the township's profile


def _township(s: Session, actor: Actor) -> int:
    """The township the import is for: the actor's, or the only one a county account sees."""
    if actor.township_id:
        return actor.township_id
    towns = list(s.scalars(select(Township.id)))
    if len(towns) == 1:
        return towns[0]
    raise ValidationError("请以乡镇的账号导入：县级账号不属于某个乡镇。", field="file")


def _saved(s: Session, township_id: int, kind: str) -> ExternalProfile | None:
    return s.scalar(
        select(ExternalProfile).where(ExternalProfile.kind == kind, ExternalProfile.township_id == township_id)
    )


def profile(s: Session, actor: Actor, kind: str) -> dict[str, dict]:
    """The township's saved mapping for ``kind``: {"columns", "categories", "villages"}."""
    row = _saved(s, _township(s, actor), kind)
    return {
        "columns": dict(row.columns or {}) if row else {},
        "categories": dict(row.categories or {}) if row else {},
        "villages": dict(row.villages or {}) if row else {},
    }


def save_columns(engine: Engine, actor: Actor, kind: str, columns: dict[str, str]) -> None:
    """The township's headers for ``kind`` (import kinds: field -> the file's header; "reply":
    field -> the header written). Empty values fall back to the defaults."""
    require(actor, "order.dispatch" if kind == "reply" else "order.create")
    known = REPLY_FIELDS if kind == "reply" else sheet.KINDS.get(kind)
    if known is None:
        raise ValidationError("未知的导入类型。", field="kind")
    clean = {f: str(v).strip()[:40] for f, v in columns.items() if f in known and v and str(v).strip()}
    with write_session(engine) as s:
        row = _profile_row(s, actor, kind)
        before = dict(row.columns or {})
        row.columns = clean
        audit.record(
            s,
            actor,
            "county.columns",
            "external_profile",
            row.id,
            before={"columns": before},
            after={"kind": kind, "columns": clean},
        )


def _profile_row(s: Session, actor: Actor, kind: str) -> ExternalProfile:
    town = _township(s, actor)
    row = _saved(s, town, kind)
    if row is None:
        row = ExternalProfile(township_id=town, kind=kind, columns={}, categories={}, villages={})
        s.add(row)
        s.flush()
    return row


# --------------------------------------------------------------------------- matching


def _leaf_categories(s: Session) -> dict[str, int]:
    """The categories an order may take (the intake's list), by their compared name."""
    return {sheet.norm(c["name"]): c["id"] for c in leaf_categories(s)}


EMPTY = "（空）"  # how a row without the wording is listed on the review (and remembered)


def _category(
    text: str | None, known: dict[str, int], remembered: dict[str, int], chosen: dict[str, int]
) -> int | None:
    wording = text or EMPTY
    if wording in chosen:
        return chosen[wording]
    if wording in remembered:
        return remembered[wording]
    if not text:
        return None
    for part in [
        text,
        *reversed(text.replace("－", "-").replace("／", "/").replace(">", "/").replace("-", "/").split("/")),
    ]:
        cid = known.get(sheet.norm(part))
        if cid:
            return cid
    return None


def _named(text: str | None, villages: list[tuple[int, str]]) -> int | None:
    """The village whose name the text holds (the longest name, when one name holds another)."""
    inside = sorted(((len(name), vid) for vid, name in villages if text and name and name in text), reverse=True)
    if not inside or (len(inside) > 1 and inside[0][0] == inside[1][0]):
        return None  # none, or two of the same length ("东村西村交界"): the reviewer says which
    return inside[0][1]


def _village(
    text: str | None,
    description: str | None,
    villages: list[tuple[int, str]],
    remembered: dict[str, int],
    chosen: dict[str, int],
) -> int | None:
    """The area's answer chosen or remembered, else a village named in the area, else the one
    village named in the description (an area column holding only the township's name)."""
    wording = text or EMPTY
    if wording in chosen:
        return chosen[wording]
    if wording in remembered:
        return remembered[wording]
    found = _named(text, villages)
    if found is None and description:
        named = {vid for vid, name in villages if name and name in description}
        found = named.pop() if len(named) == 1 else None
    return found


@dataclass
class Preview:
    kind: str
    rows: int
    header_line: int
    columns: dict[str, str]
    headers: list[str]
    problems: list[tuple[int, str, str]]
    unmatched_categories: dict[str, int] = field(default_factory=dict)  # county wording -> rows
    unmatched_villages: dict[str, int] = field(default_factory=dict)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # imported all the same
    new: int = 0
    updates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unmatched_categories and not self.unmatched_villages


def _plan(
    s: Session, actor: Actor, kind: str, table: sheet.Table, categories: dict[str, int], villages: dict[str, int]
) -> tuple[Preview, list[dict]]:
    prof = profile(s, actor, kind)
    known = _leaf_categories(s)
    valid_categories = set(known.values())
    village_rows = [(vid, name) for vid, name in s.execute(select(Village.id, Village.name))]
    valid_villages = {vid for vid, _ in village_rows}
    chosen_c = {k: int(v) for k, v in categories.items() if v and int(v) in valid_categories}
    chosen_v = {k: int(v) for k, v in villages.items() if v and int(v) in valid_villages}
    remembered_c = {k: int(v) for k, v in prof["categories"].items() if int(v) in valid_categories}
    remembered_v = {k: int(v) for k, v in prof["villages"].items() if int(v) in valid_villages}
    numbers = [r.values["number"] for r in table.rows if r.values.get("number")]
    have = (
        dict(
            s.execute(
                select(WorkOrder.external_no, WorkOrder.id).where(
                    WorkOrder.external_source == kind, WorkOrder.external_no.in_(numbers)
                )
            ).all()
        )
        if numbers
        else {}
    )
    preview = Preview(
        kind,
        len(table.rows),
        table.header_line,
        table.columns,
        table.headers,
        list(table.problems),
        warnings=list(table.warnings),
    )
    preview_problems = preview.problems
    miss_c: Tally = Tally()
    miss_v: Tally = Tally()
    plan = []
    for r in table.rows:
        v = r.values
        cid = _category(v.get("category"), known, remembered_c, chosen_c)
        vid = _village(v.get("area"), v.get("description"), village_rows, remembered_v, chosen_v)
        if cid is None:
            miss_c[v.get("category") or EMPTY] += 1
        if vid is None:
            miss_v[v.get("area") or EMPTY] += 1
        plan.append({**v, "line": r.line, "category_id": cid, "village_id": vid, "order_id": have.get(v.get("number"))})
        if not have.get(v.get("number")) and not any(p[0] == r.line for p in table.problems):
            try:  # what the desk would refuse (a description too short or too long…), refused here first
                orders_svc.validate_intake(_intake(kind, {**v, "category_id": cid or 1, "village_id": vid or 1}))
            except ValidationError as e:
                preview_problems.append((r.line, FIELD_LABELS.get(e.field or "", "内容"), e.message))
    preview.unmatched_categories = dict(miss_c)
    preview.unmatched_villages = dict(miss_v)
    preview.updates = sum(1 for p in plan if p["order_id"])
    preview.new = len(plan) - preview.updates
    return preview, plan


def preview(
    engine: Engine,
    actor: Actor,
    raw: bytes,
    filename: str,
    kind: str,
    categories: dict[str, int] | None = None,
    villages: dict[str, int] | None = None,
    columns: dict[str, str] | None = None,
) -> Preview:
    """Read and check the file without writing: its problems by row and column, the wording still
    to be matched, how many tickets are new and how many are updates."""
    require(actor, "order.create")
    if kind not in sheet.KINDS:
        raise ValidationError("未知的导入类型。", field="kind")
    with read_session(engine) as s:
        mapping = columns if columns is not None else profile(s, actor, kind)["columns"]
        table = sheet.read(raw, filename, kind, mapping)
        return _plan(s, actor, kind, table, categories or {}, villages or {})[0]


# --------------------------------------------------------------------------- commit


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def commit(
    engine: Engine,
    actor: Actor,
    raw: bytes,
    filename: str,
    kind: str,
    categories: dict[str, int] | None = None,
    villages: dict[str, int] | None = None,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import the file (see the module): all or nothing; refused with the first problem when the
    preview still has one or wording is unmatched."""
    require(actor, "order.create")
    now = now_or(now)
    say = progress or (lambda _f, _t: None)
    with write_session(engine) as s:
        prof_row = _profile_row(s, actor, kind)
        table = sheet.read(raw, filename, kind, dict(prof_row.columns or {}))
        pre, plan = _plan(s, actor, kind, table, categories or {}, villages or {})
        if pre.problems:
            line, column, message = pre.problems[0]
            raise ValidationError(
                f"文件有 {len(pre.problems)} 处问题，未导入任何数据（第{line}行“{column}”：{message}）。", field="file"
            )
        if pre.unmatched_categories or pre.unmatched_villages:
            raise ValidationError("还有县平台的类别或区域未对应到本系统，请先在核对页面逐项选择。", field="file")
        created = updated = unchanged = 0
        for i, p in enumerate(plan, start=1):
            try:
                if p["order_id"]:
                    changed = _update(s, actor, p, now)
                    updated += changed
                    unchanged += not changed
                else:
                    _create(s, actor, kind, p, now)
                    created += 1
            except DomainError as e:
                raise ValidationError(f"第{p['line']}行：{e.message} 未导入任何数据。", field="file") from None
            if i % 20 == 0 or i == len(plan):
                say(i / len(plan), f"已处理 {i}/{len(plan)} 行")
        # what the reviewer chose is remembered for the next file
        prof_row.categories = {**(prof_row.categories or {}), **{k: int(v) for k, v in (categories or {}).items() if v}}
        prof_row.villages = {**(prof_row.villages or {}), **{k: int(v) for k, v in (villages or {}).items() if v}}
        audit.record(
            s,
            actor,
            "county.import",
            "work_order",
            None,
            after={"kind": kind, "rows": len(plan), "created": created, "updated": updated, "unchanged": unchanged},
        )
    return ImportResult(created, updated, unchanged)


def _household(s: Session, phone: str | None, village_id: int) -> int | None:
    """The caller's household when exactly one household of the village has that phone (the
    order then sits in its grid, on the map and in 重合度 as the household's matter)."""
    if not phone:
        return None
    found = list(
        s.scalars(
            select(Household.id)
            .join(Grid, Grid.id == Household.grid_id)
            .where(Household.phone == phone, Grid.village_id == village_id)
            .limit(2)
        )
    )
    return found[0] if len(found) == 1 else None


FIELD_LABELS = {
    "description": "诉求内容",
    "caller_name": "来电人",
    "caller_phone": "联系电话",
    "address": "所属区域",
    "title": "诉求内容",
}


def _intake(kind: str, p: dict, household_id: int | None = None) -> orders_svc.Intake:
    return orders_svc.Intake(
        channel=CHANNEL_OF[kind],
        description=p["description"] or "",
        category_id=p["category_id"],
        village_id=p["village_id"],
        household_id=household_id,
        caller_name=(p.get("caller_name") or None) and p["caller_name"][:30],
        caller_phone=p.get("caller_phone"),
        address=(p.get("area") or None) and p["area"][:200],
        urgency=p.get("urgency") or "normal",
        external=True,
    )


def _create(s: Session, actor: Actor, kind: str, p: dict, now: datetime) -> None:
    intake = _intake(kind, p, _household(s, p.get("caller_phone"), p["village_id"]))
    out = orders_svc.register_in(s, actor, intake, now)
    order = s.get(WorkOrder, out["id"])
    assert order is not None  # registered just above
    order.external_source, order.external_no = kind, p["number"]
    order.external_due_at, order.external_received_at = p.get("due_at"), p.get("received_at")
    s.flush()
    unit = f"，县平台承办单位：{p['unit']}" if p.get("unit") else ""
    unit += f"，县平台所列电话“{p['phone_text'][:40]}”无法识别" if p.get("phone_text") else ""
    due = f"，县平台办理时限 {deadline_text(p['due_at'])}" if p.get("due_at") else ""
    s.add(
        WorkOrderEvent(
            order_id=order.id,
            at=now,
            actor_id=actor.user_id or None,
            action="county_update",
            from_status=order.status,
            to_status=order.status,
            note=f"由{KIND_LABELS[kind]}导入：县平台编号 {p['number']}{due}{unit}。",
            data={"external_no": p["number"]},
        )
    )


def _update(s: Session, actor: Actor, p: dict, now: datetime) -> bool:
    """A ticket imported again: the county's deadline and urgency; True when something changed."""
    order = s.get(WorkOrder, p["order_id"])
    assert order is not None  # the order the plan matched the ticket to
    changes: dict[str, Any] = {}
    if p.get("due_at") != order.external_due_at:
        changes["external_due_at"] = p.get("due_at")
    if p.get("urgency") and p["urgency"] != order.urgency:  # only when the file says
        changes["urgency"] = p["urgency"]
    if not changes:
        return False
    notes = []
    if "external_due_at" in changes:
        new = changes["external_due_at"]
        notes.append(f"县平台办理时限改为 {deadline_text(new)}" if new else "县平台取消办理时限")
        if order.dispatched_at is not None and order.due_workdays:
            own, provisional = Clock(s).deadline(order.dispatched_at, order.due_workdays)
            due, provisional, _note = orders_svc.county_cap(new, own, provisional)
            if due != order.due_at:
                changes.update(due_at=due, due_provisional=provisional, warn_at=warn_point(order.dispatched_at, due))
    if "urgency" in changes:
        notes.append("紧急程度改为" + {"normal": "一般", "urgent": "紧急", "critical": "特急"}[changes["urgency"]])
    orders_svc.save_in(
        s,
        actor,
        order,
        order.version,
        "county_update",
        order.status,
        changes,
        now,
        note="县平台重新导入：" + "；".join(notes) + "。",
    )
    return True


# --------------------------------------------------------------------------- replies


def _reply_value(key: str, r: dict) -> Any:
    if key == "number":
        return r["external_no"]
    if key == "console_no":
        return r["number"]
    if key == "status":
        return ORDER_STATUSES.get(r["status"], r["status"])
    if key == "department":
        return r["department"] or r["platform"] or ""
    if key == "result":
        return r["result"] or ""
    if key == "satisfaction":
        return SATISFACTION.get(r["satisfaction"], "") if r["satisfaction"] else ""
    ts = r[key]
    return to_local(ts).replace(tzinfo=None) if ts else None


@dataclass(frozen=True)
class Replies:
    content: bytes  # the .xlsx in the township's reply layout
    orders: tuple[tuple[int, int], ...]  # (order id, version) of each reply in it

    @property
    def rows(self) -> int:
        return len(self.orders)


def export_replies(engine: Engine, actor: Actor) -> Replies:
    """The replies due to the county as .xlsx (the township's reply layout). Nothing is marked:
    ``mark_replied`` does that once the file has been taken (downloaded)."""
    require(actor, "order.dispatch")
    # deferred: openpyxl (~0.15 s to import) serves only this export; the module otherwise runs without it
    from openpyxl import Workbook

    with read_session(engine) as s:
        layout = {**REPLY_FIELDS, **profile(s, actor, "reply")["columns"]}
        rows = pending_replies(s)
    if not rows:
        return Replies(b"", ())
    wb = Workbook()
    ws = wb.active
    ws.title = "办理情况回复"
    ws.append(list(layout.values()))
    for r in rows:
        ws.append([_reply_value(k, r) for k in layout])
        for c in ws[ws.max_row]:
            if isinstance(c.value, str):
                c.data_type = "s"  # text, never a formula
            elif isinstance(c.value, datetime):
                c.number_format = "yyyy-mm-dd hh:mm"
    buf = io.BytesIO()
    wb.save(buf)
    return Replies(buf.getvalue(), tuple((r["id"], r["version"]) for r in rows))


def mark_replied(engine: Engine, actor: Actor, replies: Replies) -> int:
    """The orders of a reply file taken by the user, marked as replied at the version the file
    holds (an order changed since stays due); the order's own version and change time are left as
    they are. Audited. Returns how many were marked."""
    require(actor, "order.dispatch")
    marked = 0
    with write_session(engine) as s:
        for oid, version in replies.orders:
            marked += (
                cast(
                    "CursorResult[Any]",
                    s.execute(
                        update(WorkOrder)
                        .where(WorkOrder.id == oid, WorkOrder.version == version)
                        .values(reply_exported_version=version, updated_at=WorkOrder.updated_at)
                        .execution_options(synchronize_session=False)
                    ),
                ).rowcount
                or 0
            )
        audit.record(
            s,
            actor,
            "county.reply_export",
            "work_order",
            None,
            after={"rows": marked, "orders": [oid for oid, _v in replies.orders][:200]},
        )
    return marked
