"""Township tenancy: which township's rows a session may read and write (issue #17).

A county runs one deployment for all its townships. Every township-level user belongs to one
township (``app_user.township_id``) and must never see another township's people or matters;
county-level users (and the system: migrations, the demo generator, the command line) see all.

The rule is applied in one place, where rows are read: a session whose bind carries the
execution option ``gov_township`` gets, on every ORM SELECT, UPDATE and DELETE it emits
(``Session.get``, joins, subqueries, counts, lazy loads alike), the criterion of ``DIRECT`` or
``PATHS`` for each entity it touches (SQLAlchemy's ``with_loader_criteria``). Pages, components and queries
never filter by township themselves: a record of another township is simply not there, so a URL
naming it gets the same "不存在或无权查看" as a missing one.

The console's engine handle (``components.runtime.engine``) carries the signed-in user's township;
``scoped(engine, township_id)`` gives the same handle anywhere else (tests, the command line).

What the rule cannot see: SQL written as text (``db/stats.py``'s triggers and rebuild, the
migrations) and Core statements on bare tables (``select(M.__table__)``: write
``select(*columns(M))``); those run for the system, never for a user. A statement that must see
every township says so itself: ``.execution_options(**ALL_TOWNSHIPS)``.
``tests/test_township_scope.py`` fails on a mapped table that is neither scoped here nor declared
the county's, and checks on both backends that every scoped table splits exactly into its
townships' rows.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Engine, and_, event, exists, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from db.models import (
    AuditLog,
    CommandoTeam,
    Department,
    DeskDraft,
    EnforcementReport,
    ExtensionRequest,
    ExternalProfile,
    Grid,
    GridEvent,
    GridShape,
    GridStaff,
    Handoff,
    Household,
    Inspection,
    MediationCase,
    MediationParty,
    MediationStep,
    Mediator,
    OrderAssist,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Platform,
    PlatformCase,
    PlatformCaseAssist,
    Resident,
    ResponsibilityZone,
    ServiceRequest,
    SpecialGroupVisit,
    Task,
    TaskMilestone,
    TaskProgress,
    TenHouseholdUnit,
    Township,
    TownshipCategoryClock,
    TownshipSetting,
    User,
    Village,
    VillageScreening,
    WorkLog,
    WorkOrder,
    WorkOrderEvent,
)
from db.models.grid_work import GridEventPhoto, GridEventStep
from db.models.platforms import AnalysisMeeting, FloatingResident, PlatformCaseEvent, VillageReportCheck
from db.models.stats import OrderStatsDay, OrderStatsMonth

OPTION = "gov_township"
# a statement that must see every township, said so on the statement itself (a username is unique
# across the county: its check must see the other townships' accounts); grep for ALL_TOWNSHIPS
ALL_TOWNSHIPS = {"gov_all_townships": True}

# entities holding their township themselves
DIRECT = (
    Village,
    Platform,
    WorkOrder,
    MediationCase,
    PlatformCase,
    Inspection,
    EnforcementReport,
    AnalysisMeeting,
    CommandoTeam,
    Mediator,
    AuditLog,
    OrderStatsDay,
    OrderStatsMonth,
    ExternalProfile,
    DeskDraft,
    TownshipSetting,
    TownshipCategoryClock,
    Task,
)

# entities reaching their township through their parents: (foreign key, parent) hops, the last
# parent holding ``township_id``
PATHS: dict[type, tuple[tuple[str, type], ...]] = {
    Grid: (("village_id", Village),),
    ResponsibilityZone: (("village_id", Village),),
    PartyMember: (("village_id", Village),),
    VillageScreening: (("village_id", Village),),
    VillageReportCheck: (("village_id", Village),),
    FloatingResident: (("village_id", Village),),
    ServiceRequest: (("village_id", Village),),
    Department: (("platform_id", Platform),),
    TenHouseholdUnit: (("grid_id", Grid), ("village_id", Village)),
    GridShape: (("grid_id", Grid), ("village_id", Village)),
    Household: (("grid_id", Grid), ("village_id", Village)),
    GridStaff: (("grid_id", Grid), ("village_id", Village)),
    GridEvent: (("grid_id", Grid), ("village_id", Village)),
    Resident: (("household_id", Household), ("grid_id", Grid), ("village_id", Village)),
    SpecialGroupVisit: (
        ("resident_id", Resident),
        ("household_id", Household),
        ("grid_id", Grid),
        ("village_id", Village),
    ),
    WorkOrderEvent: (("order_id", WorkOrder),),
    ExtensionRequest: (("order_id", WorkOrder),),
    OrderAssist: (("order_id", WorkOrder),),
    MediationParty: (("case_id", MediationCase),),
    MediationStep: (("case_id", MediationCase),),
    PlatformCaseEvent: (("case_id", PlatformCase),),
    PlatformCaseAssist: (("case_id", PlatformCase),),
    Handoff: (("case_id", PlatformCase),),
    GridEventStep: (("event_id", GridEvent), ("grid_id", Grid), ("village_id", Village)),
    GridEventPhoto: (("event_id", GridEvent), ("grid_id", Grid), ("village_id", Village)),
    WorkLog: (("staff_id", GridStaff), ("grid_id", Grid), ("village_id", Village)),
    PartyMemberHousehold: (("party_member_id", PartyMember), ("village_id", Village)),
    PartyScoreEntry: (("party_member_id", PartyMember), ("village_id", Village)),
    TaskMilestone: (("task_id", Task),),
    TaskProgress: (("task_id", Task),),
}

# not scoped, on purpose: the category catalogue, the holiday calendar, settings, counters and
# record links are the county's (a link is only followed to records that are themselves scoped);
# the service catalogue's items are shared, their requests are scoped.


_PATHS_BY_TABLE = {model.__tablename__: hops for model, hops in PATHS.items()}


def _exists_path(cls: Any, township_id: Any):
    """EXISTS over table aliases of ``cls``'s parents up to its township (aliases: no
    auto-correlation with the same table in the outer query, and the parent entity's own rule is
    not applied twice). ``cls`` is the entity or an alias of it, as the criteria's lambda gets it."""
    hops = _PATHS_BY_TABLE[cls.__tablename__]
    aliases = [model.__table__.alias(f"scope_{i}") for i, (_, model) in enumerate(hops)]
    conds = [aliases[0].c.id == getattr(cls, hops[0][0])]
    for i in range(1, len(hops)):
        conds.append(aliases[i].c.id == aliases[i - 1].c[hops[i][0]])
    conds.append(aliases[-1].c.township_id == township_id)
    return exists(select(aliases[0].c.id).where(and_(*conds)))


@functools.cache  # one set per township: building it cost 0.4 ms per statement
def _options(township_id: int) -> tuple:
    """The criteria. Lambdas, as SQLAlchemy wants them: each is given the entity or an alias of it
    (``include_aliases``: a self-join or a second join to the same table is limited as well), and
    ``township_id`` becomes a bound parameter (one compiled form per entity, whatever the township)."""
    opts = [with_loader_criteria(Township, lambda cls: cls.id == township_id, include_aliases=True)]
    for model in DIRECT:
        opts.append(with_loader_criteria(model, lambda cls: cls.township_id == township_id, include_aliases=True))
    # county accounts (no township) stay visible by name in a township's timelines
    opts.append(
        with_loader_criteria(
            User, lambda cls: or_(cls.township_id == township_id, cls.township_id.is_(None)), include_aliases=True
        )
    )
    for model in PATHS:
        opts.append(with_loader_criteria(model, lambda cls: _exists_path(cls, township_id), include_aliases=True))
    return tuple(opts)


def columns(model: type) -> list:
    """Every column of ``model`` as its mapped attribute, for ``select(*columns(M), ...)``:
    ``select(M.__table__, ...)`` is a Core statement on a bare table, which the rule cannot see."""
    return [getattr(model, c.key) for c in model.__table__.columns]


def township_of(session: Session) -> int | None:
    """The township the session is limited to (None: every township)."""
    bind = session.get_bind()
    return bind.get_execution_options().get(OPTION)


@event.listens_for(Session, "do_orm_execute")
def _limit_to_township(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria of the original query are carried to these
    if state.execution_options.get("gov_all_townships"):
        return
    township_id = township_of(state.session)
    if township_id is None:
        return
    state.statement = state.statement.options(*_options(township_id))


def scoped(engine: Engine, township_id: int | None) -> Engine:
    """``engine`` limited to one township's rows (None: unlimited). Shares the engine's pool."""
    if township_id is None:
        return engine
    return engine.execution_options(**{OPTION: int(township_id)})
