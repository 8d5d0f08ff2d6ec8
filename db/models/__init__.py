"""All models, importable from one place (and registered on Base.metadata for Alembic)."""

from db.models.base import Base, Versioned, utcnow
from db.models.org import Township, Village, Grid, GridShape, TenHouseholdUnit, Household, Resident
from db.models.people import (
    Platform,
    Department,
    User,
    GridStaff,
    ResponsibilityZone,
    CommandoTeam,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Mediator,
)
from db.models.orders import Category, DeskDraft, OrderAssist, WorkOrder, WorkOrderEvent, ExtensionRequest, RecordLink
from db.models.grid_work import GridEvent, WorkLog
from db.models.mediation import (
    MediationCase,
    MediationParty,
    MediationStep,
    VillageScreening,
    SpecialGroupVisit,
)
from db.models.platforms import (
    PlatformCase,
    PlatformCaseAssist,
    Handoff,
    Inspection,
    EnforcementReport,
    ServiceItem,
    ServiceRequest,
)
from db.models.system import HolidayYear, CalendarDay, AuditLog, Counter, AppSetting, ExternalProfile
from db.models.stats import OrderStatsDay, OrderStatsMonth
from db.models.township_settings import TownshipCategoryClock, TownshipSetting
from db.models.tasks import Task, TaskMilestone, TaskProgress

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
