"""Login accounts: creation and editing by admins, password changes, login bookkeeping
(failures, lock-out, last login) and server-side revocation of sessions and cookies.

Revocation: ``session_epoch`` is bumped, and ``tokens_valid_after`` set to now, on logout,
password change and deactivation. A running session whose epoch is older is logged out on
its next run; a login cookie issued before ``tokens_valid_after`` is refused.
"""

from __future__ import annotations

import functools
import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, func, select, update
from sqlalchemy.orm import Session

from db.config import LOCKOUT_MINUTES, LOCKOUT_THRESHOLD
from db.engine import read_session, write_session
from db.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from db.models import Grid, GridStaff, Mediator, Platform, Township, User, Village
from db.models.base import utcnow
from db.models.people import COUNTY_ROLES, ROLES
from db.permissions import SYSTEM, Actor, require
from db.rules.roster import clean_name
from db.scope import ALL_TOWNSHIPS
from db.security import check_password_policy, hash_password, verify_password
from db.services import audit
from db.services.base import CONFLICT_MESSAGE, get_or_404

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.]{2,29}$")
USER_FIELDS = ["username", "display_name", "role", "platform_id", "village_id", "phone", "active"]


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name,
        platform_id=user.platform_id,
        village_id=user.village_id,
        township_id=user.township_id,
    )


def _validate_profile(
    session: Session, display_name: str, role: str, platform_id: int | None, village_id: int | None
) -> str:
    display_name = clean_name(display_name, "姓名", "display_name", max_len=40)
    if role not in ROLES:
        raise ValidationError("角色无效。", field="role")
    if role == "platform":
        if platform_id is None or session.get(Platform, platform_id) is None:
            raise ValidationError("平台工作人员须指定所属平台。", field="platform_id")
    elif platform_id is not None:
        raise ValidationError("只有平台工作人员才能指定所属平台。", field="platform_id")
    if village_id is not None and session.get(Village, village_id) is None:
        raise ValidationError("所选村（社区）不存在。", field="village_id")
    return display_name


def _revoke(s: Session, user_id: int) -> None:
    """Revoke every session and cookie of the user: bump the epoch in SQL (atomic under
    concurrent writers) and refuse cookies issued before now."""
    s.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_epoch=User.session_epoch + 1, tokens_valid_after=time.time())
    )


def _update_user_row(s: Session, user_id: int, expected_version: int, changes: dict, revoke: bool) -> None:
    """Compare-and-set of the edited columns only (login bookkeeping written meanwhile by
    logins and logouts is left alone); optionally revoking the user's sessions in the same
    statement."""
    values = dict(changes, version=User.version + 1, updated_at=utcnow())
    if revoke:
        values.update(session_epoch=User.session_epoch + 1, tokens_valid_after=time.time())
    res = cast(
        "CursorResult[Any]",
        s.execute(update(User).where(User.id == user_id, User.version == expected_version).values(**values)),
    )
    if res.rowcount != 1:
        current = s.scalar(select(User.version).where(User.id == user_id))
        raise ConflictError(CONFLICT_MESSAGE.format(loaded=expected_version, current=current))


def _township_for(
    s: Session,
    actor: Actor,
    role: str,
    township_id: int | None,
    platform_id: int | None,
    village_id: int | None,
    county: bool = False,
) -> int | None:
    """The new account's township: a township administrator's own; for a county administrator
    the one chosen, or the platform's or village's; none for a county role or the first
    administrator, the county's (db/scope.py)."""
    if role in COUNTY_ROLES or county:
        if actor.township_id is not None:
            raise PermissionDenied("县级账号只能由县级管理员创建。")
        return None
    if actor.township_id is not None:
        return actor.township_id
    for model, ident in ((Platform, platform_id), (Village, village_id)):
        if ident is not None:
            # mypy infers Session.get of either model as Base: the row is one of them
            found = cast("Platform | Village | None", s.get(model, ident))
            assert found is not None  # _validate_profile checked that it exists
            return found.township_id
    if township_id is not None and s.get(Township, township_id) is not None:
        return township_id
    towns = list(s.scalars(select(Township.id).limit(2)))
    if len(towns) <= 1:  # the only township (or none yet: the account joins it on upgrade)
        return towns[0] if towns else None
    raise ValidationError("请选择该账号所属的乡镇。", field="township_id")


def _managed(s: Session, actor: Actor, user_id: int) -> User:
    """A user the actor administers: any for a county administrator; a township administrator's
    own township's only (county accounts are visible to townships by name, never editable)."""
    user = get_or_404(s, User, user_id, "用户")
    if actor.township_id is not None and user.township_id != actor.township_id:
        raise NotFound("用户不存在或已被删除。")
    return user


# the roster records an account of these roles is the person of (grid events, mediation scope and
# the grid worker's home read ``user_id`` on them): role -> (key prefix, model, label)
PERSON_ROLES: dict[str, tuple[str, type[GridStaff] | type[Mediator], str]] = {
    "grid": ("staff", GridStaff, "网格员"),
    "mediator": ("mediator", Mediator, "调解员"),
}


KEEP = object()  # update_user: the account stays the person it is


def person_key(kind: str, ident: int) -> str:
    """``staff:12`` / ``mediator:3``: a roster record an account can be the person of."""
    return f"{kind}:{ident}"


def _link_person(s: Session, user_id: int, role: str, person: str | None) -> dict:
    """Make the account ``user_id`` the person of a roster record (a grid worker's GridStaff, a
    mediator's Mediator), or of none (``person`` None: the account's links are dropped). Returns
    what the audit record says."""
    for _, model, _ in PERSON_ROLES.values():  # an account is one person, of its own role
        s.execute(update(model).where(model.user_id == user_id).values(user_id=None, version=model.version + 1))
    if not person:
        return {"person": None}
    kind, _, ident = person.partition(":")
    spec = PERSON_ROLES.get(role)
    if spec is None or spec[0] != kind or not ident.isdigit():
        labels = "、".join(f"{ROLES[r]}账号对应{label}" for r, (_, _, label) in PERSON_ROLES.items())
        raise ValidationError(f"只有{labels}。", field="person")
    # mypy infers Session.get of either model as Base: the row is one of them
    record = cast("GridStaff | Mediator | None", s.get(spec[1], int(ident)))
    if record is None:
        raise ValidationError(f"所选{spec[2]}不存在。", field="person")
    if record.user_id is not None:
        other = s.get(User, record.user_id)
        if other is not None and other.active:
            raise ValidationError(
                f"{spec[2]}{record.name}已对应账号“{other.username}”，请先在该账号中取消对应。", field="person"
            )
    record.user_id, record.version = user_id, record.version + 1
    return {"person": f"{spec[2]}{record.name}"}


def create_user(
    engine: Engine,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    platform_id: int | None = None,
    village_id: int | None = None,
    phone: str | None = None,
    township_id: int | None = None,
    county: bool = False,
    person: str | None = None,
) -> int:
    """A new account. ``township_id``: the township it belongs to, for a county administrator
    creating it in a county of several townships; ``county``: an administrator of the county;
    ``person``: the roster record (``person_key``) a grid worker's or mediator's account is."""
    require(actor, "user.manage")
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError("用户名须为3至30位小写字母、数字、下划线或点，并以字母开头。", field="username")
    check_password_policy(password)
    with write_session(engine) as s:
        name = _validate_profile(s, display_name, role, platform_id, village_id)
        # unique across the county: the other townships' accounts count too
        if s.scalar(select(User.id).where(User.username == username).execution_options(**ALL_TOWNSHIPS)) is not None:
            raise ValidationError(f"用户名“{username}”已被使用。", field="username")
        town = _township_for(s, actor, role, township_id, platform_id, village_id, county)
        user = User(
            username=username,
            display_name=name,
            role=role,
            platform_id=platform_id,
            township_id=town,
            village_id=village_id,
            phone=phone,
            password_hash=hash_password(password),
            password_changed_at=utcnow(),
        )
        s.add(user)
        s.flush()
        linked = _link_person(s, user.id, role, person) if person else {}
        audit.record(
            s, actor, "user.create", "app_user", user.id, after={**audit.snapshot(user, USER_FIELDS), **linked}
        )
        return user.id


def update_user(
    engine: Engine,
    actor: Actor,
    user_id: int,
    expected_version: int,
    *,
    display_name: str,
    role: str,
    platform_id: int | None,
    village_id: int | None,
    active: bool,
    phone: str | None = None,
    person: Any = KEEP,
) -> None:
    """Edit a user's profile. Deactivating the account or changing its role, platform or village
    revokes the user's open sessions and cookies at once (they carry the old permissions)."""
    require(actor, "user.manage")
    with write_session(engine) as s:
        user = _managed(s, actor, user_id)
        if user.version != expected_version:
            raise ConflictError(CONFLICT_MESSAGE.format(loaded=expected_version, current=user.version))
        name = _validate_profile(s, display_name, role, platform_id, village_id)
        if user.id == actor.user_id and (not active or role != "admin"):
            raise ValidationError("不能停用自己的账号或取消自己的管理员角色。")
        before = audit.snapshot(user, USER_FIELDS)
        changes = dict(
            display_name=name, role=role, platform_id=platform_id, village_id=village_id, active=active, phone=phone
        )
        revoke = (user.active and not active) or (role, platform_id, village_id) != (
            user.role,
            user.platform_id,
            user.village_id,
        )
        _update_user_row(s, user.id, expected_version, changes, revoke)
        was = linked_person(s, user.id)
        if person is KEEP:
            person = was
        if role not in PERSON_ROLES and person == was:
            person = None  # a role without a roster person: the account's link goes with the old role
        linked = _link_person(s, user.id, role, person) if person != was else {}
        audit.record(
            s,
            actor,
            "user.update",
            "app_user",
            user.id,
            before={**before, "person": was} if linked else before,
            after={**before, **changes, **linked, "sessions_revoked": revoke},
        )


def reset_password(engine: Engine, actor: Actor, user_id: int, expected_version: int, new_password: str) -> None:
    """An admin sets a new password; the user's sessions and cookies are revoked."""
    require(actor, "user.manage")
    check_password_policy(new_password)
    with write_session(engine) as s:
        _managed(s, actor, user_id)
        _update_user_row(
            s,
            user_id,
            expected_version,
            dict(
                password_hash=hash_password(new_password),
                password_changed_at=utcnow(),
                failed_attempts=0,
                locked_until=None,
            ),
            revoke=True,
        )
        audit.record(s, actor, "user.reset_password", "app_user", user_id)


def change_own_password(engine: Engine, actor: Actor, old_password: str, new_password: str, repeat: str) -> int:
    """The user changes their own password. Returns the new session epoch, which the
    current session keeps; every other session and cookie of the user is revoked."""
    require(actor, "account.change_password")
    if new_password != repeat:
        raise ValidationError("两次输入的新密码不一致。", field="repeat")
    if new_password == old_password:
        raise ValidationError("新密码不能与原密码相同。", field="password")
    check_password_policy(new_password)
    with write_session(engine) as s:
        user = get_or_404(s, User, actor.user_id, "用户")
        if not verify_password(old_password, user.password_hash):
            raise ValidationError("原密码不正确。", field="old_password")
        s.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                password_hash=hash_password(new_password),
                password_changed_at=utcnow(),
                version=User.version + 1,
                updated_at=utcnow(),
            )
        )
        _revoke(s, user.id)
        audit.record(s, actor, "user.change_password", "app_user", user.id)
        epoch = s.scalar(select(User.session_epoch).where(User.id == user.id))
        assert epoch is not None  # the user's row, updated above
        return epoch


# --- login bookkeeping -------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What streamlit-authenticator wants: the active users, without their password hashes (the
    password is checked by ``try_password``, never by the library)."""

    config: dict


LOCKED_HASH = "!checked-by-try_password"  # not a bcrypt hash: the library never checks it


def load_credentials(engine: Engine) -> Credentials:
    """Active users as the authenticator's credentials dict (names and roles only)."""
    users: dict[str, dict] = {}
    with read_session(engine) as s:
        for u in s.scalars(select(User).where(User.active.is_(True))):
            users[u.username] = {
                "email": f"{u.username}@local",
                "first_name": u.display_name,
                "last_name": "",
                "password": LOCKED_HASH,
                "roles": [u.role],
                "failed_login_attempts": 0,
                "logged_in": False,
            }
    return Credentials(config={"usernames": users})


@functools.cache
def _nobody_hash() -> str:
    """A hash of no one's password, at the accounts' cost: an attempt that checks nothing
    (unknown user, locked account) still spends one bcrypt check, so the answer's timing does
    not tell which it was."""
    return hash_password("no such account")


def _audit_refused(s: Session, user: User) -> None:
    """A login refused for a reason of the account's (locked or deactivated)."""
    audit.record(
        s,
        actor_of(user),
        "login.refused",
        "app_user",
        user.id,
        after={"locked_until": user.locked_until.isoformat() if user.locked_until else None, "active": user.active},
    )


def try_password(engine: Engine, username: str, password: str, now: datetime | None = None) -> bool:
    """One attempt of the login form, counted in the database before the password is checked.

    1. In one write, an expired lock is lifted and the attempt is reserved: ``failed_attempts``
       goes up by one, but only for an active account that is not locked and has fewer than
       LOCKOUT_THRESHOLD attempts counted (attempts still being checked count). An attempt that
       finds no such account checks nothing: at most LOCKOUT_THRESHOLD passwords are ever
       checked for an account, however many attempts arrive at once.
    2. The password is checked (bcrypt, outside any transaction).
    3. A right password clears the count, but only if the account was not locked meanwhile by
       attempts made beside it: a success never lifts a lock. A wrong one locks the account
       once the count reaches the threshold.
    Each of these writes has its audit record (login.attempt, then login / login.failed, or
    login.refused). The caller shows the same message for every refusal (unknown user, wrong
    password, locked)."""
    now = now or utcnow()
    if not username or len(username) > 40 or any(ord(c) < 32 or ord(c) == 127 for c in username):
        # no account has such a name; a NUL would not even reach PostgreSQL (text cannot hold it)
        verify_password(password, _nobody_hash())
        return False
    with write_session(engine) as s:
        s.execute(
            update(User)
            .where(User.username == username, User.locked_until <= now)
            .values(failed_attempts=0, locked_until=None)
        )
        reserved = s.execute(
            update(User)
            .where(
                User.username == username,
                User.active.is_(True),
                User.locked_until.is_(None),
                User.failed_attempts < LOCKOUT_THRESHOLD,
            )
            .values(failed_attempts=User.failed_attempts + 1)
            .returning(User.id, User.username, User.role, User.failed_attempts)
        ).first()
        if reserved is not None:
            audit.record(
                s,
                Actor(reserved.id, reserved.username, reserved.role),
                "login.attempt",
                "app_user",
                reserved.id,
                after={"failed_attempts": reserved.failed_attempts},
            )
            hashed = s.scalar(select(User.password_hash).where(User.id == reserved.id))
        else:
            user = s.scalar(select(User).where(User.username == username))
            if user is not None:
                _audit_refused(s, user)
    if reserved is None:
        verify_password(password, _nobody_hash())
        return False
    assert hashed is not None  # the reserved user's row
    right = verify_password(password, hashed)
    with write_session(engine) as s:
        if right:
            cleared = cast(
                "CursorResult[Any]",
                s.execute(
                    update(User)
                    .where(User.id == reserved.id, User.locked_until.is_(None))
                    .values(failed_attempts=0, last_login_at=now)
                ),
            ).rowcount
            if cleared:
                audit.record(
                    s,
                    Actor(reserved.id, reserved.username, reserved.role),
                    "login",
                    "app_user",
                    reserved.id,
                    after={"via": "form"},
                )
                return True
            user = s.get(User, reserved.id)
            assert user is not None  # the reserved user's row
            _audit_refused(s, user)
            return False
        s.execute(
            update(User)
            .where(User.id == reserved.id, User.locked_until.is_(None), User.failed_attempts >= LOCKOUT_THRESHOLD)
            .values(locked_until=now + timedelta(minutes=LOCKOUT_MINUTES))
        )
        user = s.get(User, reserved.id)
        assert user is not None  # the reserved user's row
        audit.record(
            s,
            actor_of(user),
            "login.failed",
            "app_user",
            user.id,
            after={"failed_attempts": user.failed_attempts, "locked": user.locked_until is not None},
        )
    return False


def unlock(engine: Engine, username: str, by: Actor = SYSTEM) -> bool:
    """Lift a lock-out (the server operator's ``python -m db.cli unlock USERNAME``, for the day
    every administrator is locked out). True if the account was locked."""
    with write_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise ValidationError(f"账号 {username} 不存在。", field="username")
        was_locked = user.locked_until is not None
        before = {
            "failed_attempts": user.failed_attempts,
            "locked_until": user.locked_until.isoformat() if user.locked_until else None,
        }
        user.failed_attempts, user.locked_until = 0, None
        audit.record(
            s, by, "user.unlock", "app_user", user.id, before=before, after={"failed_attempts": 0, "locked_until": None}
        )
        return was_locked


def lock_remaining_minutes(engine: Engine, username: str, now: datetime | None = None) -> int:
    now = now or utcnow()
    with read_session(engine) as s:
        until = s.scalar(select(User.locked_until).where(User.username == username))
    if until is None or until <= now:
        return 0
    return max(1, math.ceil((until - now).total_seconds() / 60))


def record_cookie_login(engine: Engine, username: str) -> Actor | None:
    """A login by a cookie ``cookie_acceptable`` accepted: note the time. Never lifts a lock."""
    with write_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            return None
        user.last_login_at = utcnow()
        audit.record(s, actor_of(user), "login", "app_user", user.id, after={"via": "cookie"})
        return actor_of(user)


def active_actor(engine: Engine, username: str) -> Actor | None:
    """The actor of an active account (after ``try_password`` let it in), or None."""
    with read_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        return actor_of(user) if user is not None else None


def session_epoch(engine: Engine, user_id: int) -> int | None:
    """The user's current epoch, or None when the user is missing or deactivated."""
    with read_session(engine) as s:
        row = s.execute(select(User.session_epoch, User.active).where(User.id == user_id)).first()
    if row is None or not row.active:
        return None
    return row.session_epoch


def cookie_acceptable(engine: Engine, username: str, issued_at: float) -> Actor | None:
    """The actor if a login cookie issued at ``issued_at`` (epoch seconds) is still valid."""
    with read_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            return None
        if issued_at <= (user.tokens_valid_after or 0.0):
            return None
        if user.locked_until is not None and user.locked_until > utcnow():
            return None
        return actor_of(user)


def logout(engine: Engine, user_id: int, reason: str = "logout") -> None:
    """Revoke every session and cookie of the user (logout, idle time-out)."""
    with write_session(engine) as s:
        user = s.get(User, user_id)
        if user is None:
            return
        _revoke(s, user.id)
        audit.record(s, actor_of(user), reason, "app_user", user.id)


def linked_person(s: Session, user_id: int) -> str | None:
    """The roster record the account is the person of (``person_key``), or None."""
    for kind, model, _ in PERSON_ROLES.values():
        ident = s.scalar(select(model.id).where(model.user_id == user_id).limit(1))
        if ident is not None:
            return person_key(kind, ident)
    return None


def linkable_people(engine: Engine, actor: Actor) -> dict[str, str]:
    """The grid workers and mediators an account can be the person of, labelled for the
    administrator (who sees names): ``person_key`` -> 网格员 · 李四（东湖村第一网格）."""
    require(actor, "user.manage")
    with read_session(engine) as s:
        staff = s.execute(
            select(GridStaff.id, GridStaff.name, Grid.name)
            .join(Grid, Grid.id == GridStaff.grid_id)
            .where(GridStaff.active.is_(True))
            .order_by(Grid.code, GridStaff.name)
        ).all()
        mediators = s.execute(
            select(Mediator.id, Mediator.name, Village.name)
            .outerjoin(Village, Village.id == Mediator.village_id)
            .where(Mediator.active.is_(True))
            .order_by(Mediator.name)
        ).all()
    out = {person_key("staff", i): f"网格员 · {n}（{g}）" for i, n, g in staff}
    out.update({person_key("mediator", i): f"调解员 · {n}（{v or '乡镇'}）" for i, n, v in mediators})
    return out


def list_users(engine: Engine, actor: Actor) -> list[dict]:
    require(actor, "user.manage")
    with read_session(engine) as s:
        rows = (
            s.execute(
                select(
                    User.id,
                    User.username,
                    User.display_name,
                    User.role,
                    User.platform_id,
                    User.village_id,
                    User.phone,
                    User.active,
                    User.failed_attempts,
                    User.locked_until,
                    User.last_login_at,
                    User.version,
                    User.township_id,
                    Township.name.label("township"),
                )
                .outerjoin(Township, Township.id == User.township_id)
                .where(*([User.township_id == actor.township_id] if actor.township_id is not None else []))
                .order_by(User.role, User.username)
            )
            .mappings()
            .all()
        )
        return [{**r, "person": linked_person(s, r["id"]) if r["role"] in PERSON_ROLES else None} for r in rows]


def count_admins(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))) or 0
    )


def create_first_admin(engine: Engine, username: str, display_name: str, password: str) -> int:
    """Production set-up: the first administrator. Refused once an admin exists."""
    with read_session(engine) as s:
        if count_admins(s):
            raise PermissionDenied("系统中已有管理员账号；请由管理员在“用户与角色”页面创建新账号。")
    return create_user(
        engine, SYSTEM, username=username, display_name=display_name, role="admin", password=password, county=True
    )
