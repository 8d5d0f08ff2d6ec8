"""Shared widgets: the page guard, error display, attention cards, placeholders."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import streamlit as st

from components import data
from db.errors import ConflictError, DomainError, ValidationError
from db.permissions import PAGES_BY_KEY, Actor, can_open


def guard(page_key: str) -> Actor:
    """Stop the page unless a logged-in user whose role may open it is present."""
    actor: Actor | None = st.session_state.get("gov_actor")
    if actor is None:
        st.error("请先登录。")
        stop()
    if not can_open(actor.role, page_key):
        st.error("当前角色无权访问此页面。")
        stop()
    return actor


def page_header(page_key: str, caption: str | None = None) -> None:
    spec = PAGES_BY_KEY[page_key]
    st.title(spec.title)
    if caption:
        st.caption(caption)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a domain error (bad input, conflict, forbidden) as a clear message."""
    try:
        yield
    except DomainError as exc:
        st.error(str(exc))


FAVICON = str(Path(__file__).resolve().parent.parent / "assets" / "favicon.png")
FIELD_ERROR_KEY = "gov_field_error"


@contextmanager
def field_errors(form: str) -> Iterator[None]:
    """Like ``user_errors``, but an error about one field (``ValidationError.field``) is shown at
    that field: kept for the next run, which the form's ``field_error`` calls draw under the
    field, scrolled into view with the field focused (an error under the submit button was off
    screen at 900 px and named no place)."""
    try:
        yield
    except ValidationError as exc:
        if not exc.field:
            st.error(str(exc))
            return
        st.session_state[FIELD_ERROR_KEY] = {"form": form, "field": exc.field, "message": str(exc)}
        st.rerun()
    except DomainError as exc:
        st.error(str(exc))


def aria_selector(label: str) -> str:
    """A JavaScript string literal: the CSS selector of the field labelled ``label`` (Chinese kept
    as it is: a ``\\uXXXX`` escape would reach CSS unread and match nothing)."""
    return json.dumps(f"[aria-label={json.dumps(label, ensure_ascii=False)}]", ensure_ascii=False)


def field_error(form: str, *fields: str, label: str | None = None, any_field: bool = False) -> None:
    """Draw the error kept by ``field_errors`` if it is about one of ``fields`` (or, with
    ``any_field``, about any field not drawn elsewhere: call that one last), once. ``label`` is
    the field's label, to put the cursor back into it."""
    err = st.session_state.get(FIELD_ERROR_KEY)
    if not err or err["form"] != form or not (any_field or err["field"] in fields):
        return
    st.session_state.pop(FIELD_ERROR_KEY)
    st.error(err["message"], icon=":material/error:")
    focus = (
        (f"const f = document.querySelector({aria_selector(label)}); if (f) f.focus({{preventScroll: true}}); ")
        if label
        else ""
    )
    st.html(
        "<span id='gov-field-error'></span><script>setTimeout(() => { "
        "const a = document.getElementById('gov-field-error'); "
        f"if (a) a.scrollIntoView({{block: 'center'}}); {focus}}}, 60);</script>",
        unsafe_allow_javascript=True,
    )


def attention_cards(items, columns: int = 4) -> None:
    """A row of counts, each with a link to the list it comes from."""
    cols = st.columns(columns)
    for i, item in enumerate(items):
        with cols[i % columns].container(border=True, height=184):
            st.metric(item.label, item.value, help=item.help or None)
            if item.tone != "normal":
                label = "需处理" if item.tone == "warning" else "紧急"
                st.markdown(f":{'orange' if item.tone == 'warning' else 'red'}-badge[{label}]")
            spec = PAGES_BY_KEY.get(item.page)
            actor = st.session_state.get("gov_actor")
            if spec and actor and can_open(actor.role, spec.key) and spec.key != "home":
                st.page_link(
                    spec.path,
                    label=f"查看{spec.title}",
                    icon=":material/arrow_forward:",
                    query_params=dict(item.query) or None,
                )


_ZERO_CHANGE = re.compile(r"[+-]?0(\.0+)?(?![\d.])")


def change_style(change: str | None, higher_is_better: bool = True) -> dict[str, Any]:
    """``st.metric`` arguments for a change against an earlier period: green when it moved the
    good way, red when the bad way (``higher_is_better`` says which), and grey without an arrow
    when nothing changed (a red up arrow on "+0" read as a worsening)."""
    if not change or change == "—":
        return {"delta": None}
    if _ZERO_CHANGE.match(change):
        return {"delta": change, "delta_color": "off", "delta_arrow": "off"}
    return {"delta": change, "delta_color": "normal" if higher_is_better else "inverse"}


def placeholder(page_key: str, what: list[str]) -> None:
    """A page whose module has not been built yet: say so plainly, and what it will hold."""
    spec = PAGES_BY_KEY[page_key]
    st.title(spec.title)
    st.info("本页面正在建设中，数据已在系统中（见工作台的统计），功能将在后续版本上线。")
    st.markdown("**上线后将提供：**\n" + "\n".join(f"- {w}" for w in what))


SAVED_NOTE = "页面已显示最新内容。"


CONFLICT_KEY = "gov_conflict"
RELOADED_NOTE = "页面已显示最新内容，请核对后重新提交。"


def remember_version(version_key: str, current: int) -> int:
    """The record's version as it was when its form was first rendered in this session: a save
    sends it, so a change made meanwhile by someone else is refused as a conflict instead of
    being silently overwritten."""
    return st.session_state.setdefault(version_key, current)


def versioned_write(
    version_key: str, write: Callable[[], Any], conflict_note: str = SAVED_NOTE, reload_on_conflict: bool = False
) -> tuple[bool, Any]:
    """Run a save that sends the version remembered under ``version_key`` when its form was
    rendered. Returns ``(True, result)`` after a save, with the remembered version forgotten
    (the next form starts from the new one). On a conflict the remembered version is forgotten
    too and the cached reads cleared, so the page shows the record as now stored and a retry can
    save; the conflict (with ``conflict_note``) or any other domain error is shown, and
    ``(False, None)`` returned. With ``reload_on_conflict`` the page is run again at once and the
    conflict shown where ``show_conflict()`` is called (the record's file, with its new state)."""
    try:
        result = write()
    except ConflictError as exc:
        st.session_state.pop(version_key, None)
        data.invalidate()
        if reload_on_conflict:
            st.session_state[CONFLICT_KEY] = f"{exc} {conflict_note}"
            st.rerun()
        st.error(f"{exc} {conflict_note}")
        return False, None
    except DomainError as exc:
        st.error(str(exc))
        return False, None
    st.session_state.pop(version_key, None)
    return True, result


def save_versioned(
    version_key: str,
    save: Callable[[Any], Any],
    message: str | Callable[[Any], str],
    conflict_note: str = RELOADED_NOTE,
    after: Callable[[], None] | None = None,
    reload_on_conflict: bool = False,
) -> None:
    """The one way a form saves a record it was rendered with: ``save(version)`` is called with
    the version remembered under ``version_key``; after a save the display caches are cleared,
    ``after()`` runs (a module's own state, such as a table's generation), ``message`` (or
    ``message(result)``) is flashed and the page runs again. A conflict or a refusal is shown as
    ``versioned_write`` shows it."""
    saved, result = versioned_write(
        version_key, lambda: save(st.session_state.get(version_key)), conflict_note, reload_on_conflict
    )
    if saved:
        after_save(message(result) if callable(message) else message, after)


def after_save(message: str, after: Callable[[], None] | None = None) -> NoReturn:
    """What follows any save (``save_versioned``'s, or one that sends no version, such as a new
    record): the display caches cleared, ``after()`` (the module's own state), ``message``
    flashed, and the page run again."""
    data.invalidate()
    if after is not None:
        after()
    flash(message)
    st.rerun()


def show_conflict() -> None:
    """The conflict a ``reload_on_conflict`` save met, once, after the page ran again."""
    message = st.session_state.pop(CONFLICT_KEY, None)
    if message:
        st.error(message)


FLASH_KEY = "gov_flash"


def flash(message: str) -> None:
    """A success message that survives the rerun that follows a save."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


_MD_SPECIAL = "\\`*_{}[]()<>#+-.!|~$:"


def esc(text: object) -> str:
    """User text made inert for st.markdown: every markdown/HTML character escaped."""
    s = "" if text is None else str(text)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s).replace("\n", " ")


def _esc_cell(value: Any) -> Any:
    return esc(value) if isinstance(value, str) else value


def table(data: Any, **kwargs: Any) -> Any:
    """``st.table`` with every string made inert: Streamlit renders st.table cells, column
    headers and the index as GitHub-flavoured markdown, so user text (a name, a note, a reason)
    would show live links, images, bold or coloured text. Each string cell, column name and
    index label goes through ``esc`` (backslash escapes render invisibly: "2026-11-23" and
    "RX-2026-000123" read unchanged). ``data``: a DataFrame, a list of dicts or of rows."""

    df = data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if isinstance(df.index, pd.RangeIndex):  # a positional index (0, 1, 2…) means nothing to users
        kwargs.setdefault("hide_index", True)
    df = df.map(_esc_cell) if not df.empty else df
    df.columns = [_esc_cell(c) for c in df.columns]
    df.index = pd.Index([_esc_cell(i) for i in df.index], name=_esc_cell(df.index.name))
    return st.table(df, **kwargs)


_ASCII_ID = re.compile(r"[0-9]{1,19}")
_ID_MAX = 2**63 - 1  # a 64-bit INTEGER key (SQLite and PostgreSQL BIGINT)
_RECORD_NUMBER = re.compile(r"[A-Za-z0-9-]{1,40}")


def param_id(name: str) -> int | None:
    """The record id a deep link carries in ``?name=``: ASCII digits only, 1 … 2**63-1, else
    None (so ``?member=²`` or a 20-digit number is simply no link, never int() crashing)."""
    raw = st.query_params.get(name)
    text = raw.strip() if isinstance(raw, str) else ""
    if not _ASCII_ID.fullmatch(text):
        return None
    n = int(text)
    return n if 1 <= n <= _ID_MAX else None


def param_number(name: str) -> str | None:
    """The record number a deep link carries in ``?name=`` (``RX-2026-000123``, ``SJ-…``,
    ``TJ-…``, ``PT-…``), stripped: ASCII letters, digits and dashes, at most 40 characters;
    anything else (a NUL PostgreSQL would refuse in a query, control characters, a very long
    text) is None."""
    raw = st.query_params.get(name)
    text = raw.strip() if isinstance(raw, str) else ""
    return text if _RECORD_NUMBER.fullmatch(text) else None


def _mark_run_finished() -> None:
    """For the browser tests only (``GOV_E2E_MARKER=1``): an invisible element carrying the
    session's count of finished script runs. A run cut short by ``st.rerun`` does not reach it,
    so a test can tell "the rerun my click caused has finished" from the moment between that
    run and the one it requested, when the app briefly reports itself idle
    (tests/browser/conftest.py, wait_for_rerun). Rendered at the end of app.py and by
    ``stop`` (nothing can be rendered once ``st.stop`` has been called)."""
    if os.environ.get("GOV_E2E_MARKER") != "1":
        return
    seq = st.session_state.get("_e2e_runs", 0) + 1
    st.session_state["_e2e_runs"] = seq
    st.html(f'<span class="gov-e2e-run" title="{seq}"></span>')


def stop() -> NoReturn:
    """End this page's run here (``st.stop``). Pages call this, not ``st.stop`` directly
    (tests/test_page_conventions.py checks), so that the browser tests see the run finish."""
    _mark_run_finished()
    st.stop()


@contextmanager
def run_marker() -> Iterator[None]:
    """Around the page's run in app.py: a run that ends normally is marked finished (see
    ``_mark_run_finished``); one ended by ``stop`` was marked there."""
    yield
    _mark_run_finished()
