"""A list paginated in SQL: the page a user is on, kept per list, and its 上一页 / 下一页."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass
class Page:
    """One page of a list paginated in SQL."""

    total: int
    number: int  # 1-based
    pages: int
    rows: Any
    key: str

    def control(self, where: Any = None, noun: str = "条", label: str = "共") -> None:
        """The count line and 上一页 / 下一页, side by side (or the buttons alone in ``where``).
        (A number stepper read as a quantity, not a page.)"""
        if where is None:
            head, where = st.columns([4, 2], vertical_alignment="bottom")
            head.markdown(f"**{label} {self.total} {noun}**（第 {self.number}/{self.pages} 页）")
        if self.pages <= 1:
            return
        prev, nxt = where.columns(2)
        prev.button(
            "上一页",
            key=f"{self.key}_prev",
            icon=":material/chevron_left:",
            width="stretch",
            disabled=self.number <= 1,
            on_click=_turn,
            args=(self.key, self.number - 1),
        )
        nxt.button(
            "下一页",
            key=f"{self.key}_next",
            icon=":material/chevron_right:",
            width="stretch",
            disabled=self.number >= self.pages,
            on_click=_turn,
            args=(self.key, self.number + 1),
        )


def _turn(key: str, number: int) -> None:
    st.session_state[key] = number


def paged(key: str, fetch: Callable[[int, int], tuple[int, Any]], page_size: int) -> Page:
    """Fetch the page stored under ``key`` with ``fetch(offset, limit) -> (total, rows)``.

    When the list has shrunk under the stored page (records closed meanwhile) the last page
    that exists is shown instead of an empty one. Render the box with ``page.control()``;
    reset to page 1 on a new filter with ``st.session_state[key] = 1``.
    """
    number = max(1, int(st.session_state.get(key, 1) or 1))
    total, rows = fetch((number - 1) * page_size, page_size)
    pages = max(1, -(-total // page_size))
    if number > pages:
        number = st.session_state[key] = pages
        total, rows = fetch((number - 1) * page_size, page_size)
    return Page(total, number, pages, rows, key)
