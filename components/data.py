"""Cached display reads: plain dicts and DataFrames only, never ORM objects.

Each wrapper is cleared by ``invalidate()`` after a write from this process.
"""

from __future__ import annotations

import hashlib
import os
import pickle  # nosec B403 - only our own child's model file (finish, below)
import subprocess  # nosec B404 - only `python -m db.classify` (train, below)
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

from components import runtime
from components.background_model import BackgroundModel
from db.classify import CategoryClassifier, worth_training
from db.engine import read_session
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import audit as audit_q
from db.queries import home as home_q
from db.queries import reference as ref_q
from db.queries import settings as settings_q
from db.queries.reference import COUNTY_ONLY  # noqa: F401 - the services' words, for the pages


@runtime.cached(ttl=30)
def attention(actor: Actor, minute: str) -> list:
    """Home-page counts for the actor; ``minute`` keys the cache to the current minute."""
    with read_session(runtime.engine()) as s:
        return home_q.attention(s, actor, utcnow())


@runtime.cached(ttl=30)
def audit_page(actor: Actor, f: audit_q.AuditFilter, offset: int, limit: int) -> tuple[int, pd.DataFrame]:
    with read_session(runtime.engine()) as s:
        total = audit_q.count(s, actor, f)
        rows = audit_q.page(s, actor, f, offset, limit)
    return total, pd.DataFrame(rows)


@runtime.cached(ttl=300)
def audit_facets(actor: Actor) -> dict[str, list[str]]:
    with read_session(runtime.engine()) as s:
        return audit_q.facets(s, actor)


def invalidate() -> None:
    """Call after any write so the next read sees it: the writer's township's display caches and
    the county's (a county account's write: every township's), not every other township's."""
    runtime.invalidate(runtime.township())


@runtime.cached(ttl=600)
def reference() -> dict[str, list[dict]]:

    with read_session(runtime.engine()) as s:
        return {
            "townships": ref_q.townships(s),
            "platforms": ref_q.platforms(s),
            "villages": ref_q.villages(s),
            "categories": ref_q.leaf_categories(s),
            "departments": ref_q.departments(s),
            "supervisors": ref_q.supervisors(s),
        }


@runtime.cached(ttl=120)
def county_settings_locked(actor: Actor) -> bool:
    """Whether the county's shared settings are read-only for ``actor`` (the rule the services
    enforce: ``reference.county_settings_locked``)."""

    with read_session(runtime.engine()) as s:
        return ref_q.county_settings_locked(s, actor)


def scope_name(actor: Actor, count: bool = True) -> str:
    """Whose data the user sees: the township's name, or 全县 (with the number of townships)."""
    towns = reference()["townships"]
    if actor.township_id is not None and towns:
        return towns[0]["name"]
    return f"全县（{len(towns)}个乡镇）" if count else "全县"


@runtime.cached(ttl=600)
def grids(village_id: int) -> list[dict]:

    with read_session(runtime.engine()) as s:
        return ref_q.grids(s, village_id)


@runtime.cached(ttl=60)
def settings_lists() -> dict:

    with read_session(runtime.engine()) as s:
        return {"categories": settings_q.categories(s), "years": settings_q.holiday_years(s)}


@runtime.cached(ttl=60)
def calendar_days(year: int) -> pd.DataFrame:

    with read_session(runtime.engine()) as s:
        return pd.DataFrame(settings_q.calendar_days(s, year))


def _new_classifier_model(database_url: str) -> BackgroundModel:
    """A background-trained classifier for one database."""

    engine = runtime.engine()

    def train():
        # in a process of its own (python -m db.classify): trained in a thread of the server, it
        # held the interpreter lock for seconds (imports, vectorising) and the server's sessions
        # stalled: a login clicked on a freshly started console was lost two times in five.
        # (multiprocessing's spawn would re-run app.py in the child: Streamlit runs the page
        # as __main__.)
        with read_session(engine) as s:
            enough = worth_training(s)
        if not enough:  # too few closed orders: the keyword rules are the model
            return keywords()
        with tempfile.TemporaryDirectory(prefix="gov-model-") as tmp:
            out = Path(tmp) / "classifier.pkl"
            subprocess.run(
                [sys.executable, "-m", "db.classify", str(out)],  # nosec B603
                env={**os.environ, "GOV_TRAIN_DATABASE_URL": database_url},
                cwd=Path(__file__).resolve().parent.parent,
                check=True,
                timeout=900,
                capture_output=True,
            )
            return out.read_bytes()  # unpickled by finish(), in the first desk run after this

    def finish(raw):
        # the pickle is written by our own child process into a private temporary directory
        return pickle.loads(raw) if isinstance(raw, bytes) else raw  # nosec B301

    def keywords():
        with read_session(engine) as s:
            return CategoryClassifier.keywords_only(s)

    kept = model_path(database_url)

    def load():

        if not kept.is_file():
            return None
        return kept.read_bytes(), max(0.0, time.time() - kept.stat().st_mtime)

    def store(raw):
        if not isinstance(raw, bytes):  # the keyword rules: nothing worth keeping
            return
        kept.parent.mkdir(parents=True, exist_ok=True)
        part = kept.with_suffix(".part")
        part.write_bytes(raw)
        part.replace(kept)  # whole or not at all

    return BackgroundModel(train, keywords, max_age_s=3600, finish=finish, load=load, store=store)


def model_path(database_url: str):
    """Where the classifier trained from ``database_url`` is kept between starts: beside the
    console's data (``GOV_MODEL_DIR``, default ``data/models``), named by a digest of the URL
    (never the URL: it may hold a password). Written only by the console itself."""

    base = Path(os.environ.get("GOV_MODEL_DIR") or Path(__file__).resolve().parent.parent / "data" / "models")
    return base / f"classifier-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}.pkl"


# one per database URL for the life of the process: a module dict, not st.cache_resource, whose
# store an AppTest run starts afresh (the suite started one training process per page test)
_MODELS: dict[str, BackgroundModel] = {}
_MODELS_LOCK = threading.Lock()


def classifier_model() -> BackgroundModel:
    url = runtime.settings().database_url
    with _MODELS_LOCK:
        model = _MODELS.get(url)
        if model is None:
            model = _MODELS[url] = _new_classifier_model(url)
    return model


def classifier():
    """The category classifier: trained from the closed orders in the background (started at the
    first run of a role that uses the desk, then hourly; components/background_model.py); until
    the first training has finished, the keyword rules. Never trained in the caller's run."""
    return classifier_model().get()


def warm_models() -> None:
    """Start what trains in the background (app.py, every run: it only starts what is due)."""
    classifier_model().warm()


@runtime.cached(ttl=600)
def households(grid_id: int, role: str) -> list[dict]:
    """A grid's households for the intake picker, head-of-household names masked for the role."""

    with read_session(runtime.engine()) as s:
        return ref_q.households(s, grid_id, role)
