"""A small workbook must not tie up the server (issue #24 item 3): a few kilobytes declaring a
sheet of 16,384 × 1,048,576 cells, and a part that inflates to far more than its upload, are
refused before openpyxl parses anything, with a Chinese message; the console's own template
passes. Sizes are asserted, never times."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from db.rules import workbook as wbr
from db.services import roster_io


def _rewrite(content: bytes, part: str, change) -> bytes:
    """The same .xlsx with one part's XML changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def _sheet_parts(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]


@pytest.fixture(scope="module")
def template() -> bytes:
    return roster_io.template_bytes()


def test_the_console_template_passes(template):
    assert wbr.refusal(template, roster_io.MAX_ROWS) is None
    report = roster_io.ImportReport()
    assert roster_io.read_workbook(template, report) is not None and report.ok


def test_a_declared_huge_range_is_refused_before_parsing(template):
    part = _sheet_parts(template)[0]

    def declare_everything(xml: bytes) -> bytes:
        if b"<dimension" in xml:
            import re

            return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml, count=1)
        return xml.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData', 1)

    bomb = _rewrite(template, part, declare_everything)
    assert len(bomb) < 20_000  # a few kilobytes
    why = wbr.refusal(bomb, roster_io.MAX_ROWS)
    assert why and "声明的范围过大" in why and "1,048,576 行 × 16,384 列" in why
    report = roster_io.ImportReport()
    assert roster_io.read_workbook(bomb, report) is None
    assert [e.message for e in report.errors] == [why]


def test_a_part_that_inflates_far_beyond_its_upload_is_refused(template):
    strings = b'<?xml version="1.0"?><sst xmlns="x">' + b"<si><t>" + b"a" * (3 * 1048576) + b"</t></si></sst>"
    bomb = _rewrite(template, "xl/worksheets/sheet1.xml", lambda xml: xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bomb)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("xl/sharedStrings.xml", strings)
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    why = wbr.refusal(bomb, roster_io.MAX_ROWS)
    assert why and "sharedStrings.xml" in why and "解压后过大" in why


@pytest.mark.parametrize(
    "content, words",
    [
        (b"PK\x03\x04 not really a zip", "不是有效的 .xlsx 文件"),
        (b"\x00" * 100, "不是有效的 .xlsx 文件"),
        (os.urandom(wbr.MAX_FILE_BYTES + 1), "文件过大"),
    ],
)
def test_not_a_workbook_or_too_large(content, words):
    why = wbr.refusal(content, roster_io.MAX_ROWS)
    assert why and words in why
    report = roster_io.ImportReport()
    assert roster_io.read_workbook(content, report) is None and report.errors[0].message == why


@pytest.mark.parametrize(
    "ref, size",
    [
        (b'<dimension ref="A1:H20"/>', (20, 8)),
        (b'<x:dimension ref="B2:B2"/>', (1, 1)),
        (b'<dimension ref="A1"/>', (1, 1)),
        (b'<dimension ref="A1:XFD1048576"/>', (1048576, 16384)),
        (b"<sheetData/>", None),
    ],
)
def test_declared_size(ref, size):
    assert wbr.declared_size(b'<?xml version="1.0"?><worksheet>' + ref) == size
