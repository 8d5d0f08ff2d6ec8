"""The generated demo records attributed to the demo township's accounts (issue #22: every record
agrees with its own timeline). The generator writes before any account exists, so its timelines
named nobody (系统) while a detail read "签收人：—" beside a 签收 step, or "督办（未指定督办领导）"
beside a 红色督办 step. Once the accounts exist, each step of the generated timelines is given to
the account whose role takes it (the reception clerk registers, contacts and calls back; the
dispatcher dispatches and urges; the platform's officer signs for and resolves; the leader
supervises), and each order's 签收人, 督办领导 and 登记人 are read from its own timeline.

Once per database (AppSetting ``demo_attributed``); only steps that name nobody are changed, only
in the townships that have accounts (a county generated for a benchmark is not scanned); every
step the console itself records names its actor.
"""

from __future__ import annotations

from sqlalchemy import Engine, and_, exists, func, or_, select, update

from db.engine import read_session, write_session
from db.models import AppSetting, MediationCase, User, WorkOrder
from db.models.grid_work import GridEvent, GridEventStep
from db.models.mediation import MediationStep
from db.models.orders import OrderAssist, WorkOrderEvent
from db.models.org import Grid, Village
from db.models.platforms import PlatformCase, PlatformCaseEvent

MARK = "demo_attributed"
ORDER_ROLES = {
    "reception": ("receive", "answer", "contact", "callback"),
    "dispatcher": ("dispatch", "urge", "cancel"),
    "leader": ("supervise", "decide_extension"),
    "platform": ("accept", "resolve", "bounce", "request_extension"),
}
ASSIST_ACTIONS = ("assist_accept", "assist_report")  # a 吹哨办's assisting parts (db/services/order_assists.py)
EVENT_ROLES = {"dispatcher": ("verify", "archive"), "leader": ("evaluate",)}
# the order's column read from its timeline: (column, the step that sets it)
FROM_TIMELINE = (
    (WorkOrder.assignee_id, "accept"),
    (WorkOrder.supervisor_user_id, "supervise"),
    (WorkOrder.created_by, "receive"),
)


def _account(role: str, township) -> object:
    return (
        select(func.min(User.id))
        .where(User.role == role, User.active.is_(True), User.township_id == township)
        .scalar_subquery()
    )


def attribute(engine: Engine) -> int:
    """Give the generated steps of the demo township to its accounts; returns the rows changed."""
    with read_session(engine) as s:
        if s.get(AppSetting, MARK) is not None:
            return 0
        towns = list(s.scalars(select(User.township_id).where(User.township_id.is_not(None)).distinct()))
    if not towns:  # no demo accounts yet
        return 0
    changed = 0
    E, W = WorkOrderEvent, WorkOrder
    with write_session(engine) as s:
        mine = select(W.id).where(W.township_id.in_(towns))
        for role, actions in ORDER_ROLES.items():
            if role == "platform":  # the platform's officer, or for a 就地办 the village's grid worker
                who = (
                    select(func.min(User.id))
                    .where(
                        User.active.is_(True),
                        W.id == E.order_id,
                        or_(
                            and_(User.role == "platform", User.platform_id == W.platform_id),
                            and_(
                                User.role == "grid",
                                W.handler_village_id.is_not(None),
                                User.village_id == W.handler_village_id,
                            ),
                        ),
                    )
                    .scalar_subquery()
                )
            else:
                who = (
                    select(func.min(User.id))
                    .where(
                        User.role == role, User.active.is_(True), User.township_id == W.township_id, W.id == E.order_id
                    )
                    .scalar_subquery()
                )
            changed += (
                s.execute(
                    update(E)
                    .where(E.actor_id.is_(None), E.action.in_(actions), E.order_id.in_(mine))
                    .values(actor_id=who)
                ).rowcount
                or 0
            )
        for column, action in FROM_TIMELINE:
            step = (
                select(E.actor_id)
                .where(E.order_id == W.id, E.action == action, E.actor_id.is_not(None))
                .order_by(E.at.desc(), E.id.desc())
                .limit(1)
                .scalar_subquery()
            )
            has = exists().where(E.order_id == W.id, E.action == action, E.actor_id.is_not(None))
            changed += (
                s.execute(
                    update(W).where(column.is_(None), W.township_id.in_(towns), has).values({column.key: step})
                ).rowcount
                or 0
            )
        # an assisting department's steps of a 吹哨办: by the officer of the part's platform
        officers = dict(
            s.execute(
                select(User.platform_id, func.min(User.id))
                .where(User.role == "platform", User.active.is_(True), User.platform_id.is_not(None))
                .group_by(User.platform_id)
            ).all()
        )
        parts = dict(s.execute(select(OrderAssist.id, OrderAssist.platform_id)).all())
        for eid, data in s.execute(
            select(E.id, E.data).where(E.actor_id.is_(None), E.action.in_(ASSIST_ACTIONS), E.order_id.in_(mine))
        ).all():
            who = officers.get(parts.get((data or {}).get("assist_id")))
            if who is not None:
                changed += s.execute(update(E).where(E.id == eid).values(actor_id=who)).rowcount or 0
        # platform cases: each step by the acting platform's officer
        P, PE = PlatformCase, PlatformCaseEvent
        officer = (
            select(func.min(User.id))
            .where(User.role == "platform", User.active.is_(True), User.platform_id == PE.platform_id)
            .scalar_subquery()
        )
        changed += (
            s.execute(
                update(PE)
                .where(
                    PE.actor_id.is_(None),
                    PE.platform_id.is_not(None),
                    PE.case_id.in_(select(P.id).where(P.township_id.in_(towns))),
                )
                .values(actor_id=officer)
            ).rowcount
            or 0
        )
        # mediation steps: the township's mediator
        for town in towns:
            changed += (
                s.execute(
                    update(MediationStep)
                    .where(
                        MediationStep.recorded_by.is_(None),
                        MediationStep.case_id.in_(select(MediationCase.id).where(MediationCase.township_id == town)),
                    )
                    .values(recorded_by=_account("mediator", town))
                ).rowcount
                or 0
            )
            # grid events: verified and archived by the dispatcher, evaluated by the leader
            events = (
                select(GridEvent.id)
                .join(Grid, Grid.id == GridEvent.grid_id)
                .join(Village, and_(Village.id == Grid.village_id, Village.township_id == town))
            )
            for role, actions in EVENT_ROLES.items():
                changed += (
                    s.execute(
                        update(GridEventStep)
                        .where(
                            GridEventStep.actor_id.is_(None),
                            GridEventStep.action.in_(actions),
                            GridEventStep.event_id.in_(events),
                        )
                        .values(actor_id=_account(role, town))
                    ).rowcount
                    or 0
                )
        s.add(AppSetting(key=MARK, value=str(changed)))
    return changed
