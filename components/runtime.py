"""Process-wide resources for the UI: settings and the engine (database made ready once)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db import scope
from db.config import ConfigError, Settings, load_settings, resolve_cookie_key
from db.engine import get_engine, read_session
from db.permissions import Actor
from db.services.bootstrap import ensure_database

# where the signed-in user's Actor is kept in the Streamlit session (components/auth.py)
ACTOR_KEY = "gov_actor"


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def township() -> int | None:
    """The township the signed-in user's reads and writes are limited to (None: a county account,
    or nobody signed in yet: the login page reads only the account being signed in)."""
    actor = current_actor()
    return actor.township_id if actor is not None else None


def engine() -> Engine:
    """The engine of the configured database, made ready (migrated, seeded in demo mode) once,
    limited to the signed-in user's township (db/scope.py): every session opened on it, in a
    page, a fragment or a service, reads and writes only that township's rows."""
    return _scoped(_ready_engine(load_settings().database_url), township())


_SCOPED: dict[tuple[int, int | None], Engine] = {}


def _scoped(base: Engine, township_id: int | None) -> Engine:
    key = (id(base), township_id)
    eng = _SCOPED.get(key)
    if eng is None:
        eng = _SCOPED[key] = scope.scoped(base, township_id)
    return eng


@st.cache_resource(show_spinner="正在准备数据库（首次启动会生成演示数据，约需一分钟）……")
def _ready_engine(database_url: str) -> Engine:
    # keyed by URL: one process serving (or testing) another database never gets a stale engine
    settings = load_settings()
    eng = get_engine(settings)
    ensure_database(eng, settings)
    return eng


# Write generations (issue #17/#18): a write clears the caches of the writer's township only.
# Every display cache is keyed by a generation: a township's user by the county's epoch and its
# own township's count of writes; a county account by the epoch and the count of every write.
# A township's write moves its township's and the county's keys, a county account's write (the
# shared settings, townships, users) moves every key. Entries of an old generation are never
# read again and age out with their TTL. Process-local, like Streamlit's cache itself.
_GEN_LOCK = threading.Lock()
_EPOCH = [0, 0]  # [county epoch, every write]
_TOWN_WRITES: dict[int, int] = {}


def generation(township_id: int | None) -> tuple[int, int]:
    with _GEN_LOCK:
        if township_id is None:
            return _EPOCH[0], _EPOCH[1]
        return _EPOCH[0], _TOWN_WRITES.get(township_id, 0)


def invalidate(township_id: int | None) -> None:
    """After a write by a user of ``township_id`` (None: a county account)."""
    with _GEN_LOCK:
        _EPOCH[1] += 1
        if township_id is None:
            _EPOCH[0] += 1
        else:
            _TOWN_WRITES[township_id] = _TOWN_WRITES.get(township_id, 0) + 1


def cached(ttl: int, spinner: bool | str = False) -> Callable:
    """``st.cache_data`` whose key includes the database URL, the user's township and the write
    generation (``invalidate``).

    Streamlit's data cache is process-wide and knows nothing of which database a value came
    from: a process that opens a second database (tests, one after another, each with its own
    world) got the first one's villages from a cached list; and one township's list must never
    be served to another township's user. Every display read is cached through this instead of
    ``st.cache_data`` directly.
    """

    def decorate(fn: Callable) -> Callable:
        def keyed(database_url: str, township_id: int | None, gen: tuple[int, int], *args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        # Streamlit names a cache by module, qualified name and source: give each its own name
        keyed.__module__, keyed.__qualname__ = fn.__module__, f"{fn.__qualname__}@database"
        store = st.cache_data(ttl=ttl, show_spinner=spinner)(keyed)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            town = township()
            return store(load_settings().database_url, town, generation(town), *args, **kwargs)

        call.clear = store.clear  # type: ignore[attr-defined]
        return call

    return decorate


P = ParamSpec("P")
T = TypeVar("T")


def cached_query(query: Callable[Concatenate[Session, P], T], ttl: int) -> Callable[P, T]:
    """A module's display read of ``query(session, *args)``, cached as ``cached`` caches: in a
    read-only session of the user's township, keyed by the database, the township and the write
    generation. The one way a reads.py wraps a query that needs nothing more (a read that shapes
    its result keeps its own function under ``@cached``)."""

    def read(*args: P.args, **kwargs: P.kwargs) -> T:
        with read_session(engine()) as s:
            return query(s, *args, **kwargs)

    # Streamlit names a cache by module and qualified name: one per query and time to live
    read.__module__ = query.__module__
    read.__name__ = query.__name__
    read.__qualname__ = f"{query.__qualname__}@{ttl}s"
    read.__doc__ = query.__doc__
    return cached(ttl)(read)


def settings() -> Settings:
    return load_settings()


def secrets_cookie_key() -> str | None:
    """``cookie_key`` from .streamlit/secrets.toml, if there is one."""
    try:
        return st.secrets.get("cookie_key")
    except Exception:  # no secrets.toml: the environment must provide the key
        return None


def cookie_key(cfg: Settings) -> str:
    try:
        return resolve_cookie_key(cfg, secrets_cookie_key())
    except ConfigError as exc:  # production without a key: refuse to serve anything
        st.error(f"系统配置错误，已拒绝启动：{exc}")
        st.stop()
