"""Configuration: database URL selection, modes, and the cookie key rules."""

import pytest

from db.config import DEMO_COOKIE_KEY, ConfigError, load_settings, resolve_cookie_key


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


def test_demo_mode_falls_back_to_the_development_key():
    assert resolve_cookie_key(load_settings({})) == DEMO_COOKIE_KEY
    assert resolve_cookie_key(load_settings({"GOV_COOKIE_KEY": "mine"})) == "mine"
