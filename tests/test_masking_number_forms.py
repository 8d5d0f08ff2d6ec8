"""Free-text scrubbing recognises phone and ID numbers in the forms people type them (issue #24
item 6): with spaces or dashes, with +86, in full-width digits, ID numbers in groups; and a
role that sees names but not ID numbers (dispatcher, platform officer) gets ID numbers masked.
Property tests: whatever the surrounding text and the format, the number cannot be read back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.rules.masking import scrub_for, scrub_text

CJK = st.text(
    alphabet=st.sampled_from("来电人反映家门口自来水管破裂请尽快处理联系电话身份证号码，。：、 "), max_size=12
)
SEPS = ["", " ", "-", "　", "."]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


def digits(text: str) -> str:
    return "".join(c for c in text.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if c.isdigit())


@st.composite
def mobile_as_typed(draw) -> tuple[str, str]:
    number = draw(st.sampled_from("3456789").map(lambda d: "1" + d)) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9))
    )
    sep = draw(st.sampled_from(SEPS))
    typed = sep.join((number[:3], number[3:7], number[7:]))
    typed = draw(st.sampled_from(["", "+86", "+86 ", "0086", "86-"])) + typed
    if draw(st.booleans()):
        typed = typed.translate(FULLWIDTH)
    return number, typed


@st.composite
def id_as_typed(draw) -> tuple[str, str]:
    body = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=17, max_size=17)))
    number = body + draw(st.sampled_from("0123456789X"))
    sep = draw(st.sampled_from(SEPS))
    groups = draw(st.sampled_from([(6, 8, 4), (4, 4, 4, 4, 2), (18,)]))
    parts, i = [], 0
    for g in groups:
        parts.append(number[i : i + g])
        i += g
    typed = sep.join(parts)
    if draw(st.booleans()):
        typed = typed.translate(FULLWIDTH)
    return number, typed


@settings(max_examples=200, deadline=None)
@given(mobile_as_typed(), CJK, CJK)
def test_a_mobile_number_in_any_form_is_masked(m, before, after):
    number, typed = m
    out = scrub_text(f"{before}{typed}{after}")
    assert number[:3] + "****" + number[-4:] in out  # the masked form, separators dropped
    assert typed not in out and number not in digits(out)


@settings(max_examples=200, deadline=None)
@given(id_as_typed(), CJK, CJK)
def test_an_id_number_in_any_form_is_masked(m, before, after):
    number, typed = m
    out = scrub_text(f"{before}{typed}{after}")
    assert number[:4] + "*" * 10 + number[-4:] in out  # birth date and sequence gone
    assert typed not in out and number[:17] not in digits(out)


@settings(max_examples=100, deadline=None)
@given(id_as_typed(), mobile_as_typed())
def test_roles_that_see_names_and_phones_still_get_id_numbers_masked(i, m):
    text = f"张桂兰，身份证{i[1]}，电话{m[1]}"
    for role in ("dispatcher", "platform"):
        out = scrub_for(role, text, ["张桂兰"])
        assert "张桂兰" in out and i[0][:4] + "*" * 10 + i[0][-4:] in out
        assert m[1].translate(ASCII) in out.translate(ASCII)  # they may see phones
    for role in ("admin", "reception", "mediator", "grid"):
        assert scrub_for(role, text, ["张桂兰"]) == text
    for role in ("leader", "demo"):
        out = scrub_for(role, text, ["张桂兰"])
        assert "张桂兰" not in out and i[0][:4] + "*" * 10 + i[0][-4:] in out
        assert m[0][:3] + "****" + m[0][-4:] in out


def test_ordinary_numbers_are_left_alone():
    for text in (
        "面积138平米",
        "订单号123456789012345678901",
        "第1380号文件",
        "２０２６年１２月",
        "RX-2026-000123",
        "共13812345678元"[:0] + "预算1381234567元",
    ):
        assert scrub_text(text) == text, text


@pytest.mark.parametrize(
    "address, shown",
    [
        ("李楼村二组17号", "李楼村二组…"),
        ("幸福路1号院1号楼101室", "幸福路…"),
        ("东湖村1组12号", "东湖村1组…"),
        ("双庙街社区3栋2单元501", "双庙街社区…"),
        ("东湖村", "东湖村"),
        ("12号", "*"),
        (None, None),
    ],
)
def test_a_masked_address_stops_before_the_house_number(address, shown):
    """Issue #17: the demo account read 幸福路1号院1号楼101室 beside a masked name; a surname and an
    exact address identify a person. Roles that may not see people see the village and group."""
    from db.rules.masking import mask_address, mask_for

    assert mask_address(address) == shown
    assert mask_for("demo", "address", address) == shown and mask_for("leader", "address", address) == shown
    assert mask_for("reception", "address", address) == address
