"""Settings read from the environment (and, for the UI, from Streamlit secrets).

Environment variables:
  DATABASE_URL        SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://...).
  GOV_DB_PATH         SQLite file used when DATABASE_URL is unset (default data/console.db).
  GOV_MODE            "demo" (default) or "production".
  GOV_COOKIE_KEY      secret that signs the login cookie; required in production mode.
  GOV_IDLE_MINUTES    minutes of inactivity before a session is logged out (default 30).
  GOV_DEMO_PASSWORD   password of the demo accounts (default documented in README).
  GOV_CLOCK           moves the console's clock (db/clock.py); for tests and rehearsals only.
  GOV_PUBLIC_URL      the console's address as residents' phones reach it (http(s)://host[:port][/path]):
                      the base of the public progress page a receipt's link and QR code point to.
  GOV_HOTLINE         the telephone number a receipt tells the resident to call (default 12345).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "console.db"
DEFAULT_DEMO_PASSWORD = "Demo@2026"  # nosec B105
# Demo mode without GOV_COOKIE_KEY uses a random key generated once per installation and kept
# in this git-ignored file (never a key written in the repository); production mode refuses to
# start without GOV_COOKIE_KEY.
DEMO_KEY_FILE = ROOT / "data" / ".demo_cookie_key"

LOCKOUT_THRESHOLD = 5
LOCKOUT_MINUTES = 15
PASSWORD_MIN_LEN = 8
PASSWORD_MAX_BYTES = 72  # bcrypt's limit
TIMEZONE = "Asia/Shanghai"
COOKIE_NAME = "gov_console_auth"
COOKIE_ROUTE = "/_gov/login-cookie"  # server.py: sets and deletes the cookie (HttpOnly)
# server.py: the public progress page of one order, reached from its receipt's link and QR code
# (no login: GET shows the progress, POST takes the resident's rating; components/public_route.py)
PUBLIC_ROUTE = "/p"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8501"  # a receipt made while GOV_PUBLIC_URL is unset says so
DEFAULT_HOTLINE = "12345"
# The login cookie (a JWT signed with the cookie key) is issued for a day: the library writes the
# browser-side expiry as a naive server time, which a browser in UTC+8 reads 8 hours early, so a
# short browser expiry cannot be trusted. Idleness is enforced on the server instead: the cookie is
# re-issued every COOKIE_REISSUE_SECONDS of activity, and one issued longer ago than the idle
# time-out is refused.
COOKIE_EXPIRY_DAYS = 1.0
COOKIE_REISSUE_SECONDS = 300


class ConfigError(RuntimeError):
    """The configuration is unusable (for example production without a cookie key)."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    mode: str
    cookie_key: str | None
    idle_minutes: int
    demo_password: str
    public_url: str | None = None  # GOV_PUBLIC_URL, without a trailing slash; None: unset
    hotline: str = DEFAULT_HOTLINE

    @property
    def public_base(self) -> str:
        """Where the public progress page is reached: GOV_PUBLIC_URL, else the local address."""
        return self.public_url or DEFAULT_PUBLIC_URL

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
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    mode = (env.get("GOV_MODE") or "demo").strip().lower()
    if mode not in ("demo", "production"):
        raise ConfigError(f"GOV_MODE must be 'demo' or 'production', not {mode!r}")
    try:
        idle = int(env.get("GOV_IDLE_MINUTES") or 30)
    except ValueError as exc:
        raise ConfigError("GOV_IDLE_MINUTES must be a whole number of minutes") from exc
    if not 1 <= idle <= 24 * 60:
        raise ConfigError("GOV_IDLE_MINUTES must be between 1 and 1440")
    return Settings(
        database_url=url,
        mode=mode,
        cookie_key=env.get("GOV_COOKIE_KEY") or None,
        idle_minutes=idle,
        demo_password=env.get("GOV_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
        public_url=_public_url(env.get("GOV_PUBLIC_URL")),
        hotline=(env.get("GOV_HOTLINE") or "").strip()[:30] or DEFAULT_HOTLINE,
    )


def _public_url(raw: str | None) -> str | None:
    """GOV_PUBLIC_URL checked: an http(s) address with a host, no query, fragment or credentials
    (it is printed on receipts and encoded in their QR codes); the trailing slash dropped."""
    value = (raw or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
        or any(c.isspace() for c in value)
    ):
        raise ConfigError(
            "GOV_PUBLIC_URL must be an http:// or https:// address such as "
            "https://gov.example.cn (no query, fragment or password)"
        )
    return value.rstrip("/")


def _demo_key(path: Path) -> str:
    """A random key for this installation, created on first use (file mode 0600)."""
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def resolve_cookie_key(settings: Settings, secrets_key: str | None = None, demo_key_file: Path = DEMO_KEY_FILE) -> str:
    """The key that signs login cookies: env first, then secrets; demo mode may fall back to a
    random per-installation key."""
    key = settings.cookie_key or secrets_key
    if key:
        if settings.mode == "production" and len(key) < 32:
            raise ConfigError("GOV_COOKIE_KEY must be at least 32 characters in production mode")
        return key
    if settings.mode == "production":
        raise ConfigError(
            "production mode needs a cookie key: set GOV_COOKIE_KEY or cookie_key in .streamlit/secrets.toml"
        )
    return _demo_key(demo_key_file)
