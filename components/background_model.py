"""A model trained off the request path (issue #20): the reception desk never waits for it.

The category classifier was trained inside the clerk's own run the first time a description
was typed after a start, and again every hour (``st.cache_resource(ttl=3600)``): the screen froze
for 17.7 s while the caller was speaking. ``BackgroundModel`` keeps one model per process:

- ``get()`` never trains: it answers at once with the current model, or with the cheap fallback
  (the keyword classifier) until the first training has finished;
- training is started from a daemon thread at the app's first run (``warm``) and again when the
  model is older than ``max_age_s`` (the old model keeps answering meanwhile); the classifier's
  ``train`` runs the work itself in a separate process (components/data.py), because a training
  inside the server's interpreter stalled every session (a login clicked on a fresh console was
  lost two times in five);
- the new model is swapped in whole, under a lock; a training that fails leaves the old model in
  place and is tried again after ``retry_s``;
- ``load`` / ``store`` (optional) keep the trained model on disk: a start finds the last one
  (and its age) and answers with it at once, so the first call after a restart is classified
  as well as the tenth; a new training replaces it whole (written beside, then renamed);
- ``finish`` (optional) turns what the training returned into the model in the first ``get()``
  after it, in the caller's thread: the classifier's unpickling imports scikit-learn modules,
  and imports from a background thread changed ``sys.modules`` under code iterating it (a red
  test run: Hypothesis's lambda descriptions, "dictionary changed size during iteration").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

M = TypeVar("M")
log = logging.getLogger(__name__)


class BackgroundModel(Generic[M]):
    def __init__(
        self,
        train: Callable[[], Any],
        fallback: Callable[[], M],
        max_age_s: float = 3600,
        retry_s: float = 300,
        clock: Callable[[], float] = time.monotonic,
        finish: Callable[[Any], M] | None = None,
        load: Callable[[], tuple[Any, float] | None] | None = None,
        store: Callable[[Any], None] | None = None,
    ):
        self._train, self._fallback, self._finish = train, fallback, finish
        self._load, self._store, self._loaded = load, store, load is None
        self._raw: Any = None  # a training's result not yet finished into the model
        self.max_age_s, self.retry_s, self._clock = max_age_s, retry_s, clock
        self._lock = threading.Lock()
        self._model: M | None = None
        self._fallback_model: M | None = None
        self._trained_at: float | None = None
        self._failed_at: float | None = None
        self._thread: threading.Thread | None = None
        self.trainings = 0  # finished trainings (for tests and the admin's status line)

    def warm(self) -> None:
        """Start the first training if none has run or is running (called on every run: cheap)."""
        self._start_if_due()

    def get(self) -> M:
        """The current model, never trained in the caller's thread."""
        self._start_if_due()
        with self._lock:
            if self._raw is not None:  # a new training's result: finished here, swapped in whole
                raw, self._raw = self._raw, None
                self._model = self._finish(raw) if self._finish else raw
            if self._model is not None:
                return self._model
            if self._fallback_model is None:
                self._fallback_model = self._fallback()
            return self._fallback_model

    @property
    def ready(self) -> bool:
        with self._lock:
            return self._model is not None or self._raw is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running training (tests, the benchmark); True if none is running after."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _due(self, now: float) -> bool:
        if self._thread is not None and self._thread.is_alive():
            return False
        if self._failed_at is not None and now - self._failed_at < self.retry_s:
            return False
        return self._trained_at is None or now - self._trained_at >= self.max_age_s

    def _from_disk(self) -> None:
        """The model kept by an earlier process, once: (what the training returned, its age in
        seconds); it is due again when that age reaches ``max_age_s``. Called under the lock."""
        self._loaded = True
        try:
            kept = self._load() if self._load else None
        except Exception:  # noqa: BLE001 - a damaged file: train afresh
            log.exception("the kept model could not be read; training afresh")
            return
        if kept is not None:
            raw, age = kept
            self._raw = raw
            self._trained_at = self._clock() - max(0.0, age)

    def _start_if_due(self) -> None:
        with self._lock:
            if not self._loaded:
                self._from_disk()
            if not self._due(self._clock()):
                return
            self._thread = threading.Thread(target=self._run, name="gov-model-training", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            model = self._train()
        except Exception:  # noqa: BLE001 - a failed training must not take the desk down
            log.exception("background model training failed; the previous model stays")
            with self._lock:
                self._failed_at = self._clock()
            return
        if self._store is not None:
            try:
                self._store(model)
            except Exception:  # noqa: BLE001 - the model still serves this process
                log.exception("the trained model could not be kept on disk")
        with self._lock:
            if self._finish is None:
                self._model = model
            else:
                self._raw = model
            self._trained_at, self._failed_at = self._clock(), None
            self.trainings += 1
