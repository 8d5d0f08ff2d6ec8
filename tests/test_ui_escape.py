"""User text shown through st.markdown is made inert (components.ui.esc)."""

import re

from components.ui import esc


def test_markdown_and_html_are_inert():
    for text in ("[点此](javascript:alert(1))", "![](http://tracker/x.png)", "<script>alert(1)</script>",
                 "**粗体** _斜体_ `code`", "# 标题", "| a | b |", "$x$", ":red[红字]"):
        out = esc(text)
        # every markdown/HTML metacharacter is preceded by a backslash
        assert not re.search(r"(?<!\\)[\[\]()<>*_`#|$:!]", out), (text, out)


def test_plain_chinese_is_unchanged_and_none_is_empty():
    assert esc("村东头自来水管破裂，已停水两天") == "村东头自来水管破裂，已停水两天"
    assert esc(None) == ""
    assert "\n" not in esc("第一行\n第二行")
