"""Free-text scrubbing (db/rules/masking.scrub_text / scrub_for): personal data written inside a
description is masked for roles that may not see it; other text is left alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from db.rules.masking import scrub_for, scrub_text


def test_mobile_landline_and_id_number_are_masked():
    text = "张桂兰来电13812345678，座机0571-88123456，身份证330102198001011234。"
    out = scrub_text(text)
    assert "13812345678" not in out and "138****5678" in out
    assert "88123456" not in out and "0571-" in out
    assert "330102198001011234" not in out and out.count("*") >= 4 + 6 + 10


def test_known_names_and_titled_names_are_masked():
    out = scrub_text("王小明与邻居李大壮因排水沟发生争执，刘阿姨到场劝解。", names=["王小明", "李大壮"])
    assert "王小明" not in out and "李大壮" not in out and "刘阿姨" in out  # 刘 + 阿姨 kept: no given name
    out = scrub_text("赵建国先生反映路灯不亮。")
    assert "赵建国" not in out and out.startswith("赵**先生")


def test_ordinary_text_is_unchanged():
    text = "2026年11月23日，东湖村3组路灯不亮已三天，共12盏，编号RX-2026-000123。"
    assert scrub_text(text) == text
    assert scrub_text(None) is None and scrub_text("") == ""


def test_scrub_for_depends_on_the_role():
    text = "来电人13812345678"
    assert scrub_for("reception", text) == text  # sees names and phones
    assert scrub_for("leader", text) != text
    assert scrub_for("demo", text) != text


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(max_size=20), suffix=st.text(max_size=20), mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
)
def test_no_mobile_number_survives(prefix, suffix, mobile):
    # whatever surrounds it (unless it is glued to more digits, when it is not a phone number)
    if (prefix[-1:].isdigit()) or (suffix[:1].isdigit()):
        return
    assert mobile not in scrub_text(prefix + mobile + suffix)
