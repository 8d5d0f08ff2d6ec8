"""Settings read from the environment (and, for the UI, from Streamlit secrets).

Environment variables:
  DATABASE_URL        SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://...).
  GOV_DB_PATH         SQLite file used when DATABASE_URL is unset (default data/console.db).
  GOV_MODE            "demo" (default) or "production".
  GOV_COOKIE_KEY      secret that signs the login cookie; required in production mode.
  GOV_IDLE_MINUTES    minutes of inactivity before a session is logged out (default 30).
  GOV_DEMO_PASSWORD   password of the demo accounts (default documented in README).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "console.db"
DEFAULT_DEMO_PASSWORD = "Demo@2026"
# A development-only cookie key. Demo mode falls back to it with a warning;
# production mode refuses to start without GOV_COOKIE_KEY.
DEMO_COOKIE_KEY = "demo-mode-cookie-key-not-for-production"

LOCKOUT_THRESHOLD = 5
LOCKOUT_MINUTES = 15
PASSWORD_MIN_LEN = 8
PASSWORD_MAX_BYTES = 72  # bcrypt's limit
TIMEZONE = "Asia/Shanghai"
COOKIE_NAME = "gov_console_auth"
COOKIE_EXPIRY_DAYS = 1.0


class ConfigError(RuntimeError):
    """The configuration is unusable (for example production without a cookie key)."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    mode: str
    cookie_key: str | None
    idle_minutes: int
    demo_password: str

    @property
    def is_demo(self) -> bool:
        return self.mode == "demo"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def sqlite_url(path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def load_settings(env: dict | None = None) -> Settings:
    env = os.environ if env is None else env
    url = env.get("DATABASE_URL") or sqlite_url(env.get("GOV_DB_PATH") or DEFAULT_SQLITE_PATH)
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    mode = (env.get("GOV_MODE") or "demo").strip().lower()
    if mode not in ("demo", "production"):
        raise ConfigError(f"GOV_MODE must be 'demo' or 'production', not {mode!r}")
    try:
        idle = int(env.get("GOV_IDLE_MINUTES") or 30)
    except ValueError as exc:
        raise ConfigError("GOV_IDLE_MINUTES must be a whole number of minutes") from exc
    return Settings(
        database_url=url,
        mode=mode,
        cookie_key=env.get("GOV_COOKIE_KEY") or None,
        idle_minutes=idle,
        demo_password=env.get("GOV_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
    )


def resolve_cookie_key(settings: Settings, secrets_key: str | None = None) -> str:
    """The key that signs login cookies: env first, then secrets; demo mode may fall back."""
    key = settings.cookie_key or secrets_key
    if key:
        if settings.mode == "production" and len(key) < 32:
            raise ConfigError("GOV_COOKIE_KEY must be at least 32 characters in production mode")
        return key
    if settings.mode == "production":
        raise ConfigError(
            "production mode needs a cookie key: set GOV_COOKIE_KEY or cookie_key in "
            ".streamlit/secrets.toml"
        )
    return DEMO_COOKIE_KEY
