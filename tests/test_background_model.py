"""The classifier is never trained in a clerk's run (issue #20): ``BackgroundModel`` answers at
once with the fallback while the first training runs, swaps the trained model in whole, retrains
in the background when the model is old while the old one keeps answering, and survives a
failed training. The clock is the test's own; threads are joined, never slept on."""

from __future__ import annotations

import threading

from components.background_model import BackgroundModel


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_get_never_waits_for_a_training_and_the_model_is_swapped_in_whole():
    release = threading.Event()
    trained = []

    def train():
        release.wait(10)  # a slow training: get() must not wait for it
        trained.append(1)
        return f"model {len(trained)}"

    clock = Clock()
    m = BackgroundModel(train, lambda: "keywords", max_age_s=3600, clock=clock)
    m.warm()
    assert m.get() == "keywords" and not m.ready  # answered while the training is blocked
    m.warm()  # a second run does not start a second training
    release.set()
    assert m.wait(10) and m.ready
    assert m.get() == "model 1" and m.trainings == 1

    clock.t = 3599
    assert m.get() == "model 1" and m.wait(10) and m.trainings == 1  # not due yet
    release.clear()
    clock.t = 3600
    assert m.get() == "model 1"  # due: retraining started, the old model still answers
    release.set()
    assert m.wait(10) and m.get() == "model 2" and m.trainings == 2


def test_a_failed_training_keeps_the_old_model_and_is_tried_again_later():
    outcomes = iter(["model 1", RuntimeError("database gone"), "model 2"])

    def train():
        out = next(outcomes)
        if isinstance(out, Exception):
            raise out
        return out

    clock = Clock()
    m = BackgroundModel(train, lambda: "keywords", max_age_s=100, retry_s=50, clock=clock)
    m.warm()
    assert m.wait(10) and m.get() == "model 1"
    clock.t = 100
    m.warm()
    assert m.wait(10) and m.get() == "model 1"  # the failure left the model in place
    clock.t = 149
    m.warm()
    assert m.wait(10) and m.get() == "model 1" and m.trainings == 1  # not retried before retry_s
    clock.t = 150
    m.warm()
    assert m.wait(10) and m.get() == "model 2" and m.trainings == 2


def test_the_fallback_is_built_once():
    built = []
    m = BackgroundModel(lambda: threading.Event().wait(10) or "never", lambda: built.append(1) or "kw", clock=Clock())
    assert [m.get() for _ in range(3)] == ["kw"] * 3 and built == [1]


def test_the_training_process_hands_back_a_model_the_server_can_load(sqlite_engine, tmp_path):
    """The classifier trains in a process of its own (``python -m db.classify OUT``); its pickle
    must name ``db.classify`` classes, not ``__main__`` ones (it did, and the server could not
    load it)."""
    import os
    import pickle  # nosec B403 - written by the test's own child process
    import subprocess  # nosec B404
    import sys

    from db.classify import CategoryClassifier

    url = sqlite_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "model.pkl"
    subprocess.run(
        [sys.executable, "-m", "db.classify", str(out)],
        check=True,
        timeout=300,  # nosec B603
        env={**os.environ, "GOV_TRAIN_DATABASE_URL": url},
        capture_output=True,
    )
    model = pickle.loads(out.read_bytes())  # nosec B301
    assert isinstance(model, CategoryClassifier) and type(model).__module__ == "db.classify"


def test_finish_runs_in_the_callers_thread_not_the_trainings():
    """The result of a training is turned into the model by the first get() after it, in the
    caller's thread (unpickling imports modules: not from a background thread)."""
    finished_in: list[str] = []

    def finish(raw: str) -> str:
        finished_in.append(threading.current_thread().name)
        return raw.upper()

    m = BackgroundModel(lambda: "trained", lambda: "keywords", finish=finish)
    m.warm()
    assert m.wait(5) and m.ready
    assert finished_in == []  # not finished by the training thread
    assert m.get() == "TRAINED" and finished_in == [threading.current_thread().name]
    assert m.get() == "TRAINED" and len(finished_in) == 1  # once


def test_the_trained_model_is_kept_and_a_new_process_starts_from_it():
    """A start answers with the model the last process kept (no keyword fallback while it trains)
    and trains again only when that model is old; each training replaces the kept one."""
    kept = {}

    def store(raw):
        kept["raw"] = raw

    clock = Clock()
    first = BackgroundModel(lambda: "model A", lambda: "keywords", max_age_s=3600, clock=clock, store=store)
    first.warm()
    assert first.wait(10) and first.get() == "model A" and kept["raw"] == "model A"

    trained = []
    second = BackgroundModel(
        lambda: trained.append(1) or "model B",
        lambda: "keywords",
        max_age_s=3600,
        clock=clock,
        load=lambda: (kept["raw"], 600.0),
        store=store,
    )
    assert second.get() == "model A" and second.wait(10) and not trained  # 10 minutes old: not due
    clock.t = 3000  # 3000 + 600 > 3600: due
    second.get()
    assert second.wait(10) and trained == [1] and second.get() == "model B" and kept["raw"] == "model B"

    gate = threading.Event()  # the training holds until the fallback has been seen (no race)
    broken = BackgroundModel(lambda: gate.wait(10) and "model C", lambda: "keywords", clock=clock, load=lambda: 1 / 0)
    assert broken.get() == "keywords"  # a bad file: trained afresh, the keywords answer meanwhile
    gate.set()
    assert broken.wait(10) and broken.get() == "model C"
