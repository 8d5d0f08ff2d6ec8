"""db.rules.text: characters a stored text may hold, invisible format characters, bounded
integers and the shared GB 11643 ID-number rule (roster, mediation parties, floating population)."""

from __future__ import annotations

import pytest

from db.errors import ValidationError
from db.rules import roster
from db.rules.text import bounded_int, drop_invisible, id_check_digit, normalize_id_number, xml_illegal
from db.services.orders import clean_text

VALID = "11010519491231002X"  # the standard's own example


# --------------------------------------------------------------------------- characters


@pytest.mark.parametrize(
    "ch",
    ["\uffff", "\ufffe", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff", "\ud800", "\udfff", "\x00", "\x0b", "\x1f"],
)
def test_xml_illegal_characters_are_found(ch):
    assert xml_illegal(f"张三{ch}") == ch


@pytest.mark.parametrize("text", ["张三", "第一行\n第二行\t制表", "😀👨‍👩‍👧", "\ufffd", "\ue000", "\U00010000"])
def test_xml_legal_text_passes(text):
    assert xml_illegal(text) is None


@pytest.mark.parametrize("ch", ["\uffff", "\ufffe", "\ufdd0", "\U0001fffe"])
@pytest.mark.parametrize("multiline", [False, True])
def test_clean_text_refuses_what_no_export_can_write(ch, multiline):
    """U+FFFF in a title was saved, then every .docx/.xlsx export of the record raised."""
    with pytest.raises(ValidationError, match="无法保存的特殊字符") as exc:
        clean_text(f"排水纠纷{ch}", "标题", max_len=100, multiline=multiline, field="title")
    assert exc.value.field == "title"


@pytest.mark.parametrize("ch", ["\uffff", "\ufffe", "\ufdd0"])
def test_clean_name_refuses_what_no_export_can_write(ch):
    with pytest.raises(ValidationError, match="无法保存的特殊字符"):
        roster.clean_name(f"孙{ch}")


@pytest.mark.parametrize("ch", ["\u200e", "\u200f", "\u2060", "\u00ad", "\u200b", "\ufeff", "\u061c", "\u180e"])
def test_invisible_format_characters_are_dropped_from_names(ch):
    assert roster.clean_name(f"王{ch}小明") == "王小明"
    assert clean_text(f"王{ch}小明", "姓名", max_len=30) == "王小明"
    assert drop_invisible(f"{ch}王{ch}") == "王"


def test_joiners_stay_in_free_text():
    family = "👨\u200d👩\u200d👧"
    assert clean_text(f"家庭{family}", "说明", max_len=100, multiline=True) == f"家庭{family}"


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize(
    "value,expected", [(5, 5), ("5", 5), (" 12 ", 12), ("１２", 12), (3.0, 3), ("+3", 3), ("-5", -5), (0, 0)]
)
def test_bounded_int_reads_integers(value, expected):
    assert bounded_int(value, -10, 99, "须为整数。") == expected


@pytest.mark.parametrize(
    "value",
    [
        float("inf"),
        float("-inf"),
        float("nan"),
        2.5,
        "1_0",
        "0x10",
        "1e3",
        "٣",
        "²",
        True,
        False,
        None,
        "",
        " ",
        "abc",
        [1],
        1e308,
        10**30,
        "9" * 30,
        100,
        -11,
    ],
)
def test_bounded_int_refuses_everything_else_in_chinese(value):
    """int(inf) raised OverflowError; int("1_0") read 10; int("٣") read 3."""
    with pytest.raises(ValidationError, match="须为整数") as exc:
        bounded_int(value, -10, 99, "须为整数。", field="n")
    assert exc.value.field == "n"


@pytest.mark.parametrize("delta", ["1_0", float("inf"), "٣", 2.5])
def test_score_change_uses_the_bounded_reading(delta):
    with pytest.raises(ValidationError, match="分值"):
        roster.check_score_change(50, delta, "走访联系户")


# --------------------------------------------------------------------------- ID numbers


def test_the_roster_still_exports_the_id_rule():
    assert roster.normalize_id_number is normalize_id_number and roster.id_check_digit is id_check_digit


def test_full_width_digits_are_read_as_ascii():
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == VALID


@pytest.mark.parametrize(
    "raw",
    [
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits, a valid check character: \d took them
        "११०१०५१९४९१२३१००२X",  # Devanagari
        "\n" + VALID[:-1] + "\nX",
    ],
)
def test_other_scripts_digits_are_refused(raw):
    with pytest.raises(ValidationError, match="18位"):
        normalize_id_number(raw)
