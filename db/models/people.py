"""People on duty: login users, grid staff, party members, mediators, platforms and departments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow

# roles, in the order they appear in the admin UI; labels are what users read
ROLES = {
    "admin": "系统管理员",
    "leader": "领导",
    "reception": "接待员",
    "dispatcher": "转办督办员",  # a small township's merged 转办 and 督办 desk
    "supervisor": "督办员",  # the supervision part only, where the hotline team has one (seed 002)
    "platform": "平台工作人员",
    "mediator": "人民调解员",
    "grid": "网格员",
    "demo": "观摩演示",
    "county_leader": "县级领导",
}
# roles of the county, above the townships: their accounts belong to no township (db/scope.py);
# an administrator without a township is the county's administrator
COUNTY_ROLES = ("county_leader",)
PLATFORMS = {
    "zongzhi": "综治平台",
    "shichang": "市场监管平台",
    "zhifa": "综合执法平台",
    "bianmin": "便民服务平台",
}
STAFF_ROLES = {"chief": "网格长", "worker": "网格员"}
EMPLOYMENT = {"full": "专职", "part": "兼职"}
MEDIATOR_LEVELS = {"township": "乡镇调解员", "village": "村级调解员"}


class Platform(Base, Versioned):
    __tablename__ = "platform"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(30))
    __table_args__ = (UniqueConstraint("township_id", "code", name="uq_platform_township_code"),)


class Department(Base, Versioned):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base, Versioned):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # bumped by logout, password change and deactivation: sessions holding an older
    # epoch, and cookies issued before tokens_valid_after, are refused
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    tokens_valid_after: Mapped[float] = mapped_column(Float, default=0.0)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GridStaff(Base, Versioned):
    """Grid chiefs and grid workers."""

    __tablename__ = "grid_staff"
    # One person, one roster entry: the services check first and say so in Chinese; the index
    # stops two transactions that both passed the check (PostgreSQL) from both inserting.
    __table_args__ = (Index("uq_grid_staff_id_number", "id_number", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    staff_role: Mapped[str] = mapped_column(String(10))  # STAFF_ROLES
    employment: Mapped[str] = mapped_column(String(6), default="part")  # EMPLOYMENT
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ResponsibilityZone(Base, Versioned):
    """党员责任区"""

    __tablename__ = "responsibility_zone"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)


class CommandoTeam(Base, Versioned):
    """党员突击队"""

    __tablename__ = "commando_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    name: Mapped[str] = mapped_column(String(60))
    purpose: Mapped[str] = mapped_column(String(40))  # 防汛 / 抗旱 / 应急救灾 ...


class PartyMember(Base, Versioned):
    __tablename__ = "party_member"
    # One resident, one party-member record (checked first by the services; the index holds it
    # when two transactions pass the check at once). Members without a resident record: NULL.
    __table_args__ = (Index("uq_party_member_resident_id", "resident_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(20))
    joined_on: Mapped[date | None] = mapped_column(Date)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_zone.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("commando_team.id"), index=True)
    score: Mapped[int] = mapped_column(Integer, default=100)  # 百分制考评
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PartyMemberHousehold(Base):
    """党员联户: a party member is linked to households, 5-15 unless the township set its own range."""

    __tablename__ = "party_member_household"
    party_member_id: Mapped[int] = mapped_column(ForeignKey("party_member.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True, index=True)
    linked_on: Mapped[date | None] = mapped_column(Date)


class PartyScoreEntry(Base):
    """A change to a party member's 100-point record score, with its reason (append-only)."""

    __tablename__ = "party_score_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    party_member_id: Mapped[int] = mapped_column(ForeignKey("party_member.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Mediator(Base, Versioned):
    __tablename__ = "mediator"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))  # MEDIATOR_LEVELS
    employment: Mapped[str] = mapped_column(String(6), default="part")
    speciality: Mapped[str | None] = mapped_column(String(40))  # 乡贤 / 法律顾问 / ...
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
