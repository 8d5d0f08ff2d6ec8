"""User text shown through st.markdown is made inert (components.ui.esc)."""

import re

import pytest

from components.ui import esc


def test_markdown_and_html_are_inert():
    for text in (
        "[点此](javascript:alert(1))",
        "![](http://tracker/x.png)",
        "<script>alert(1)</script>",
        "**粗体** _斜体_ `code`",
        "# 标题",
        "| a | b |",
        "$x$",
        ":red[红字]",
    ):
        out = esc(text)
        # every markdown/HTML metacharacter is preceded by a backslash
        assert not re.search(r"(?<!\\)[\[\]()<>*_`#|$:!]", out), (text, out)


def test_plain_chinese_is_unchanged_and_none_is_empty():
    assert esc("村东头自来水管破裂，已停水两天") == "村东头自来水管破裂，已停水两天"
    assert esc(None) == ""
    assert "\n" not in esc("第一行\n第二行")


# --------------------------------------------------------------------------- st.table (components.ui.table)


def test_table_escapes_every_string_cell_header_and_index(monkeypatch):
    """st.table renders cells, headers and the index as markdown: user text there was live."""
    import pandas as pd

    from components import ui

    shown = []
    monkeypatch.setattr(ui.st, "table", lambda df, **kw: shown.append(df))
    df = pd.DataFrame(
        {"说明": ["[点此](javascript:alert(1))", "**粗**"], "分值": [3, -2], "[列](x)": ["a", None]},
        index=pd.Index(["<b>行</b>", "2026-11-23"], name="时间"),
    )
    ui.table(df)
    out = shown[0]
    assert list(out["说明"]) == [esc("[点此](javascript:alert(1))"), esc("**粗**")]
    assert list(out["分值"]) == [3, -2]  # numbers untouched
    assert out.columns[2] == esc("[列](x)") and out.index[0] == esc("<b>行</b>")
    assert df.loc["<b>行</b>", "说明"] == "[点此](javascript:alert(1))"  # the caller's frame is not changed
    ui.table([{"编号": "RX-2026-000123"}])
    assert shown[1]["编号"][0] == esc("RX-2026-000123")


def test_backslash_escapes_read_unchanged():
    """Each escape is a backslash before ASCII punctuation, which (Common)Mark renders as the
    character alone: a date or a record number reads as it is."""
    for text in ("2026-11-23", "RX-2026-000123", "09:30", "3.5"):
        assert re.sub(r"\\(.)", r"\1", esc(text)) == text


# --------------------------------------------------------------------------- deep-link parameters


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("12", 12),
        (" 7 ", 7),
        (str(2**63 - 1), 2**63 - 1),
        ("²", None),
        ("99999999999999999999", None),
        (str(2**63), None),
        ("0", None),
        ("-1", None),
        ("１", None),
        ("1e3", None),
        ("", None),
        (None, None),
    ],
)
def test_param_id(monkeypatch, raw, expected):
    from components import ui

    monkeypatch.setattr(ui.st, "query_params", {} if raw is None else {"member": raw})
    assert ui.param_id("member") == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("RX-2026-000123", "RX-2026-000123"),
        (" TJ-2026-000001 ", "TJ-2026-000001"),
        ("RX-2026\x00", None),
        ("<script>", None),
        ("Ｒ", None),
        ("A" * 41, None),
        ("", None),
    ],
)
def test_param_number(monkeypatch, raw, expected):
    from components import ui

    monkeypatch.setattr(ui.st, "query_params", {"order": raw})
    assert ui.param_number("order") == expected
