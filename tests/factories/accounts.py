"""Login accounts for the test worlds: the first administrator, then accounts it creates
through the real service (hashing, audit and all)."""

from __future__ import annotations

from db.engine import read_session
from db.models import User
from db.permissions import Actor
from db.services import users

PW = "Passw0rd!"


def first_admin(engine) -> Actor:
    """The first administrator (``boss``), as ``db.cli create-admin`` makes it."""
    return Actor(users.create_first_admin(engine, "boss", "管理员", PW), "boss", "admin", "管理员")


def account(engine, admin: Actor, username: str, role: str, name: str, **kw) -> Actor:
    """A user created by ``admin``; ``kw`` as for ``users.create_user`` (platform_id, village_id…)."""
    uid = users.create_user(engine, admin, username=username, display_name=name, role=role, password=PW, **kw)
    with read_session(engine) as s:
        return users.actor_of(s.get(User, uid))
