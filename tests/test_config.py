"""Configuration: database URL selection, modes, and the cookie key rules."""

import os

import pytest

from db.config import ConfigError, load_settings, resolve_cookie_key


def test_sqlite_by_default_and_postgres_urls_normalised(tmp_path):
    s = load_settings({"GOV_DB_PATH": str(tmp_path / "x.db")})
    assert s.database_url == f"sqlite:///{tmp_path / 'x.db'}" and s.is_sqlite and s.is_demo
    for raw in ("postgres://u:p@h/db", "postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"):
        assert load_settings({"DATABASE_URL": raw}).database_url == "postgresql+psycopg://u:p@h/db"


def test_mode_and_idle_validation():
    assert load_settings({"GOV_MODE": "Production"}).mode == "production"
    with pytest.raises(ConfigError):
        load_settings({"GOV_MODE": "staging"})
    with pytest.raises(ConfigError):
        load_settings({"GOV_IDLE_MINUTES": "half an hour"})


def test_production_refuses_to_start_without_a_strong_cookie_key():
    prod = load_settings({"GOV_MODE": "production"})
    with pytest.raises(ConfigError, match="cookie key"):
        resolve_cookie_key(prod)
    with pytest.raises(ConfigError, match="32"):
        resolve_cookie_key(load_settings({"GOV_MODE": "production", "GOV_COOKIE_KEY": "short"}))
    key = "k" * 40
    assert resolve_cookie_key(load_settings({"GOV_MODE": "production", "GOV_COOKIE_KEY": key})) == key
    assert resolve_cookie_key(prod, secrets_key=key) == key  # from .streamlit/secrets.toml


def test_demo_mode_without_a_key_uses_a_random_key_per_installation(tmp_path):
    key_file = tmp_path / "data" / ".demo_cookie_key"
    first = resolve_cookie_key(load_settings({}), demo_key_file=key_file)
    assert len(first) >= 32 and key_file.read_text() == first
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    assert resolve_cookie_key(load_settings({}), demo_key_file=key_file) == first  # stable
    other = resolve_cookie_key(load_settings({}), demo_key_file=tmp_path / "other" / "k")
    assert other != first  # never a key written in the repository
    assert resolve_cookie_key(load_settings({"GOV_COOKIE_KEY": "mine"}), demo_key_file=key_file) == "mine"


def test_idle_minutes_bounds():
    assert load_settings({"GOV_IDLE_MINUTES": "30"}).idle_minutes == 30
    with pytest.raises(ConfigError):
        load_settings({"GOV_IDLE_MINUTES": "0"})
