"""Grid-roster edits: grid staff, ten-household chiefs, party members (with their linked
households) and the 100-point record score.

Every public function owns one write transaction and takes the acting user: permission
(``require``), validation with field-tagged Chinese messages, the version the user loaded
(``UPDATE ... WHERE id = :id AND version = :loaded``, row count checked), the change and its
audit record, all in the same transaction. ``now`` (naive UTC) may be passed by tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import ConflictError, NotFound, ValidationError
from db.models import (
    CommandoTeam,
    Grid,
    GridStaff,
    Household,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Resident,
    ResponsibilityZone,
    TenHouseholdUnit,
    Village,
)
from db.models.people import EMPLOYMENT, STAFF_ROLES
from db.permissions import Actor, require
from db.queries.township_settings import link_range
from db.rules.phone import normalize_phone
from db.rules.roster import check_score_change, clean_name, normalize_id_number
from db.rules.sla import to_local
from db.services import audit
from db.services.base import CONFLICT_MESSAGE, now_or, violates_unique
from db.services.base import cas as _cas

# a typing slip guard, and the most a township's range may allow; the township's range (5-15 unless
# it set its own) is the rule, flagged as a coverage gap
LINKS_HARD_MAX = 30
STAFF_AUDIT = ["grid_id", "name", "phone", "id_number", "staff_role", "employment", "active"]


def clean_phone(raw: Any, label: str = "联系电话", required: bool = False) -> str | None:
    try:
        phone = normalize_phone(None if raw is None else str(raw))
    except ValidationError as exc:
        raise ValidationError(exc.message.replace("电话号码", label), field="phone") from None
    if phone is None and required:
        raise ValidationError(f"请填写{label}。", field="phone")
    return phone


# --------------------------------------------------------------------------- grid staff


@dataclass(kw_only=True)
class StaffInput:
    grid_id: int | None
    name: str
    phone: str | None
    id_number: str | None
    staff_role: str
    employment: str
    active: bool = True


def validate_staff(s: Session, i: StaffInput, staff_id: int | None = None) -> dict[str, Any]:
    """The cleaned columns of a grid staff record, or a ValidationError (field-tagged)."""
    if i.staff_role not in STAFF_ROLES:
        raise ValidationError("职务须为网格长或网格员。", field="staff_role")
    if i.employment not in EMPLOYMENT:
        raise ValidationError("请选择专职或兼职。", field="employment")
    if not i.grid_id or s.get(Grid, i.grid_id) is None:
        raise ValidationError("请选择所属网格。", field="grid_id")
    out = {
        "grid_id": i.grid_id,
        "name": clean_name(i.name, "姓名"),
        "phone": clean_phone(i.phone, required=True),
        "id_number": normalize_id_number(i.id_number, required=True),
        "staff_role": i.staff_role,
        "employment": i.employment,
        "active": bool(i.active),
    }
    other = s.execute(
        select(GridStaff.id, GridStaff.name, Grid.name.label("grid"))
        .join(Grid, Grid.id == GridStaff.grid_id)
        .where(GridStaff.id_number == out["id_number"], GridStaff.id != (staff_id or 0))
    ).first()
    if other is not None:
        raise ValidationError(f"该身份证号已登记为“{other.grid}”的网格人员，同一人只能登记一次。", field="id_number")
    return out


def save_staff(
    engine: Engine,
    actor: Actor,
    i: StaffInput,
    staff_id: int | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Create (``staff_id`` None) or update a grid chief / grid worker.

    ``validate_staff`` refuses an ID number already on the roster; a concurrent save of the
    same ID number that committed after that check is refused by the unique index, with the
    same kind of message."""
    try:
        return _save_staff(engine, actor, i, staff_id, version, now)
    except IntegrityError as exc:
        if violates_unique(exc, "uq_grid_staff_id_number", "grid_staff", "id_number"):
            raise ValidationError(
                "该身份证号刚刚已被他人登记为网格人员，同一人只能登记一次。请刷新后查看。", field="id_number"
            ) from exc
        raise


def _save_staff(
    engine: Engine, actor: Actor, i: StaffInput, staff_id: int | None, version: int | None, now: datetime | None
) -> dict:
    require(actor, "roster.edit")
    now = now_or(now)
    with write_session(engine) as s:
        values = validate_staff(s, i, staff_id)
        if staff_id is None:
            row = GridStaff(**values, updated_at=now)
            s.add(row)
            s.flush()
            audit.record(s, actor, "roster.staff_create", "grid_staff", row.id, after=values)
            return {"id": row.id, "version": row.version}
        current = s.get(GridStaff, staff_id)
        if current is None:
            raise NotFound("该网格人员不存在或已被删除。")
        if version is None:
            raise ValidationError("缺少记录版本，请刷新后重新编辑。")
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        before = {k: getattr(current, k) for k in changed}
        new_version = _cas(s, GridStaff, staff_id, version, changed, now)
        audit.record(s, actor, "roster.staff_update", "grid_staff", staff_id, before=before, after=changed)
        return {"id": staff_id, "version": new_version}


# --------------------------------------------------------------------------- ten-household chiefs


def set_unit_chief(
    engine: Engine, actor: Actor, unit_id: int, version: int, resident_id: int | None, now: datetime | None = None
) -> dict:
    """Appoint (or, with None, clear) the chief of a ten-household unit: a resident of one of
    the unit's households."""
    require(actor, "roster.edit")
    now = now_or(now)
    with write_session(engine) as s:
        unit = s.get(TenHouseholdUnit, unit_id)
        if unit is None:
            raise NotFound("该十户单元不存在或已被删除。")
        if resident_id is not None:
            home_unit = s.scalar(
                select(Household.unit_id)
                .join(Resident, Resident.household_id == Household.id)
                .where(Resident.id == resident_id)
            )
            if home_unit != unit_id:
                raise ValidationError("十户长须为本十户单元内的居民。", field="chief_resident_id")
        before = {"chief_resident_id": unit.chief_resident_id}
        new_version = _cas(s, TenHouseholdUnit, unit_id, version, {"chief_resident_id": resident_id}, now)
        audit.record(
            s,
            actor,
            "roster.unit_chief",
            "ten_household_unit",
            unit_id,
            before=before,
            after={"chief_resident_id": resident_id},
        )
        return {"id": unit_id, "version": new_version}


# --------------------------------------------------------------------------- party members


@dataclass(kw_only=True)
class PartyInput:
    name: str
    phone: str | None
    grid_id: int | None
    zone_id: int | None
    team_id: int | None
    joined_on: date | None
    active: bool = True


def validate_party(s: Session, village_id: int, i: PartyInput, now: datetime | None = None) -> dict[str, Any]:
    """The cleaned columns of a party member of ``village_id``. The joining date may be at most
    today's *local* (Beijing) date: between 00:00 and 08:00 the UTC date is still yesterday."""
    village = s.get(Village, village_id)
    if village is None:
        raise ValidationError("党员所属村（社区）不存在。", field="village_id")
    out: dict[str, Any] = {"name": clean_name(i.name, "姓名"), "phone": clean_phone(i.phone), "active": bool(i.active)}
    if i.grid_id is not None and s.scalar(select(Grid.village_id).where(Grid.id == i.grid_id)) != village_id:
        raise ValidationError("所属网格须在党员所在村（社区）内。", field="grid_id")
    if (
        i.zone_id is not None
        and s.scalar(select(ResponsibilityZone.village_id).where(ResponsibilityZone.id == i.zone_id)) != village_id
    ):
        raise ValidationError("责任区须为党员所在村（社区）的责任区。", field="zone_id")
    if i.team_id is not None:
        team = s.get(CommandoTeam, i.team_id)
        if team is None or team.township_id != village.township_id or team.village_id not in (None, village_id):
            raise ValidationError("突击队须为本乡镇或本村（社区）的突击队。", field="team_id")
    if i.joined_on is not None:
        today = to_local(now_or(now)).date()
        if not isinstance(i.joined_on, date) or i.joined_on > today or i.joined_on.year < 1921:
            raise ValidationError("入党日期不正确。", field="joined_on")
    out.update(grid_id=i.grid_id, zone_id=i.zone_id, team_id=i.team_id, joined_on=i.joined_on)
    return out


def update_party_member(
    engine: Engine, actor: Actor, member_id: int, version: int, i: PartyInput, now: datetime | None = None
) -> dict:
    require(actor, "roster.edit")
    now = now_or(now)
    with write_session(engine) as s:
        member = s.get(PartyMember, member_id)
        if member is None:
            raise NotFound("该党员不存在或已被删除。")
        values = validate_party(s, member.village_id, i, now)
        changed = {k: v for k, v in values.items() if getattr(member, k) != v}
        before = {k: getattr(member, k) for k in changed}
        new_version = _cas(s, PartyMember, member_id, version, changed, now)
        audit.record(s, actor, "roster.party_update", "party_member", member_id, before=before, after=changed)
        return {"id": member_id, "version": new_version}


def create_party_member(
    engine: Engine, actor: Actor, id_number: str, i: PartyInput, now: datetime | None = None
) -> dict:
    """Register a resident (found by ID number) as a party member of their village.

    A resident already registered is refused; one registered by a concurrent transaction after
    that check is refused by the unique index, with the same kind of message."""
    try:
        return _create_party_member(engine, actor, id_number, i, now)
    except IntegrityError as exc:
        if violates_unique(exc, "uq_party_member_resident_id", "party_member", "resident_id"):
            raise ValidationError("该居民刚刚已被他人登记为党员。请刷新后查看。", field="id_number") from exc
        raise


def _create_party_member(engine: Engine, actor: Actor, id_number: str, i: PartyInput, now: datetime | None) -> dict:
    require(actor, "roster.edit")
    now = now_or(now)
    ident = normalize_id_number(id_number, required=True)
    with write_session(engine) as s:
        res = s.execute(
            select(Resident.id, Resident.name, Grid.village_id, Grid.id.label("grid_id"))
            .join(Household, Household.id == Resident.household_id)
            .join(Grid, Grid.id == Household.grid_id)
            .where(Resident.id_number == ident)
        ).first()
        if res is None:
            raise ValidationError("系统中没有该身份证号的居民，请先在人口信息中登记。", field="id_number")
        if s.scalar(select(PartyMember.id).where(PartyMember.resident_id == res.id)) is not None:
            raise ValidationError("该居民已登记为党员。", field="id_number")
        values = validate_party(s, res.village_id, i, now)
        if values["grid_id"] is None:
            values["grid_id"] = res.grid_id
        member = PartyMember(resident_id=res.id, village_id=res.village_id, score=100, updated_at=now, **values)
        s.add(member)
        s.execute(update(Resident).where(Resident.id == res.id).values(is_party_member=True))
        s.flush()
        audit.record(
            s, actor, "roster.party_create", "party_member", member.id, after={**values, "resident_id": res.id}
        )
        return {"id": member.id, "version": member.version}


def set_party_links(
    engine: Engine,
    actor: Actor,
    member_id: int,
    version: int,
    household_ids: Iterable[int],
    now: datetime | None = None,
) -> dict:
    """Replace the households a party member is linked to (党员联户). Households must be in the
    member's village; the township's range (5-15 unless it set its own) is the rule (outside it the
    member shows as a coverage gap)."""
    require(actor, "roster.edit")
    now = now_or(now)
    wanted = sorted({int(h) for h in household_ids})
    with write_session(engine) as s:
        member = s.get(PartyMember, member_id)
        if member is None:
            raise NotFound("该党员不存在或已被删除。")
        if len(wanted) > LINKS_HARD_MAX:
            village = s.get(Village, member.village_id)
            rule = link_range(s, village.township_id if village else None)
            raise ValidationError(
                f"联系户数不能超过{LINKS_HARD_MAX}户（本乡镇规定为{rule.low}—{rule.high}户）。", field="household_ids"
            )
        if wanted:
            found = s.execute(
                select(Household.id, Grid.village_id)
                .join(Grid, Grid.id == Household.grid_id)
                .where(Household.id.in_(wanted))
            ).all()
            if len(found) != len(wanted):
                raise ValidationError("所选的户中有已不存在的户，请刷新后重选。", field="household_ids")
            if any(v != member.village_id for _, v in found):
                raise ValidationError("联系户须在党员所在村（社区）内。", field="household_ids")
        before = sorted(
            s.scalars(
                select(PartyMemberHousehold.household_id).where(PartyMemberHousehold.party_member_id == member_id)
            )
        )
        new_version = _cas(s, PartyMember, member_id, version, {}, now)
        added = [h for h in wanted if h not in before]
        removed = [h for h in before if h not in wanted]
        if removed:
            s.execute(
                delete(PartyMemberHousehold).where(
                    PartyMemberHousehold.party_member_id == member_id, PartyMemberHousehold.household_id.in_(removed)
                )
            )
        if added:
            today = to_local(now).date()
            s.execute(
                insert(PartyMemberHousehold),
                [{"party_member_id": member_id, "household_id": h, "linked_on": today} for h in added],
            )
        audit.record(
            s,
            actor,
            "roster.party_links",
            "party_member",
            member_id,
            before={"household_ids": before},
            after={"household_ids": wanted},
        )
        return {"id": member_id, "version": new_version, "added": len(added), "removed": len(removed)}


def add_score_entry(
    engine: Engine, actor: Actor, member_id: int, version: int, delta: Any, reason: Any, now: datetime | None = None
) -> dict:
    """An addition or deduction of the 100-point record score: the append-only entry and the
    member's new score in one transaction."""
    require(actor, "party.score")
    now = now_or(now)
    with write_session(engine) as s:
        member = s.get(PartyMember, member_id)
        if member is None:
            raise NotFound("该党员不存在或已被删除。")
        if member.version != version:
            raise ConflictError(CONFLICT_MESSAGE.format(loaded=version, current=member.version))
        d, text = check_score_change(member.score, delta, reason)
        score = member.score + d
        new_version = _cas(s, PartyMember, member_id, version, {"score": score}, now)
        entry = PartyScoreEntry(
            party_member_id=member_id, delta=d, reason=text, recorded_at=now, recorded_by=actor.user_id or None
        )
        s.add(entry)
        s.flush()
        audit.record(
            s,
            actor,
            "party.score",
            "party_member",
            member_id,
            before={"score": score - d},
            after={"score": score, "delta": d, "reason": text, "entry_id": entry.id},
        )
        return {"id": member_id, "version": new_version, "score": score}
