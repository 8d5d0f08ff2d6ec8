"""All models, importable from one place (and registered on Base.metadata for Alembic)."""

from db.models.base import Base, Versioned, utcnow
from db.models.grid_work import GridEvent, WorkLog
from db.models.mediation import (
    MediationCase,
    MediationParty,
    MediationStep,
    SpecialGroupVisit,
    VillageScreening,
)
from db.models.orders import Category, DeskDraft, ExtensionRequest, OrderAssist, RecordLink, WorkOrder, WorkOrderEvent
from db.models.org import Grid, GridShape, Household, Resident, TenHouseholdUnit, Township, Village
from db.models.people import (
    CommandoTeam,
    Department,
    GridStaff,
    Mediator,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Platform,
    ResponsibilityZone,
    User,
)
from db.models.platforms import (
    EnforcementReport,
    Handoff,
    Inspection,
    PlatformCase,
    PlatformCaseAssist,
    ServiceItem,
    ServiceRequest,
)
from db.models.stats import OrderStatsDay, OrderStatsMonth
from db.models.system import AppSetting, AuditLog, CalendarDay, Counter, ExternalProfile, HolidayYear
from db.models.tasks import Task, TaskMilestone, TaskProgress
from db.models.township_settings import TownshipCategoryClock, TownshipSetting

__all__ = [
    "Base",
    "Versioned",
    "utcnow",
    "Township",
    "Village",
    "Grid",
    "GridShape",
    "TenHouseholdUnit",
    "Household",
    "Resident",
    "Platform",
    "Department",
    "User",
    "GridStaff",
    "ResponsibilityZone",
    "CommandoTeam",
    "PartyMember",
    "PartyMemberHousehold",
    "PartyScoreEntry",
    "Mediator",
    "Category",
    "DeskDraft",
    "OrderAssist",
    "WorkOrder",
    "WorkOrderEvent",
    "ExtensionRequest",
    "RecordLink",
    "GridEvent",
    "WorkLog",
    "MediationCase",
    "MediationParty",
    "MediationStep",
    "VillageScreening",
    "SpecialGroupVisit",
    "PlatformCase",
    "PlatformCaseAssist",
    "Handoff",
    "Inspection",
    "EnforcementReport",
    "ServiceItem",
    "ServiceRequest",
    "HolidayYear",
    "CalendarDay",
    "AuditLog",
    "Counter",
    "AppSetting",
    "ExternalProfile",
    "OrderStatsDay",
    "OrderStatsMonth",
    "TownshipSetting",
    "TownshipCategoryClock",
    "Task",
    "TaskMilestone",
    "TaskProgress",
]
