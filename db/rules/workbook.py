"""Checks on an uploaded .xlsx before any parser reads it (pure; issue #24).

An .xlsx is a zip of XML parts. A file of a few kilobytes can declare a sheet of 16,384 columns
by 1,048,576 rows (``<dimension ref="A1:XFD1048576"/>``), which openpyxl's read-only reader pads
every row to: 15–37 s of CPU for one upload. One under 1 MB can inflate to hundreds of MB of
shared strings (434 MB, 30 s). So before parsing, ``refusal`` looks at the zip's directory and
at each worksheet's declared dimension, reading at most a few kilobytes, and says in Chinese
what is wrong; the reader then still stops at its own row limit and deadline.
"""

from __future__ import annotations

import io
import re
import zipfile

MAX_FILE_BYTES = 10 * 1024 * 1024  # the upload itself (Streamlit's limit is set to the same)
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024  # all parts together, inflated
MAX_PART_BYTES = 60 * 1024 * 1024  # one part (a sheet, the shared strings), inflated
MAX_RATIO = 200  # inflated/compressed size of one part over 1 MB (XML compresses about 10–30×)
MAX_PARTS = 500
MAX_COLUMNS = 200

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')


def column_number(letters: str) -> int:
    """A1-style column letters as a number (A = 1, XFD = 16384)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def declared_size(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) a worksheet's XML declares in its ``<dimension>``, from its first bytes."""
    m = _DIMENSION.search(head)
    if not m:
        return None
    c1, r1, c2, r2 = m.group(1).decode(), int(m.group(2)), m.group(3), m.group(4)
    if c2 is None:
        return 1, 1
    return int(r2) - r1 + 1, column_number(c2.decode()) - column_number(c1) + 1


def refusal(content: bytes, max_rows: int) -> str | None:
    """Why this upload is not read (a message for the user), or None if it may be parsed."""
    if len(content) > MAX_FILE_BYTES:
        return f"文件过大（{len(content) / 1048576:.1f} MB），上限为 {MAX_FILE_BYTES // 1048576} MB。"
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        return "无法读取该文件：不是有效的 .xlsx 文件，请上传由本系统导出的模板。"
    with zf:
        parts = zf.infolist()
        if len(parts) > MAX_PARTS:
            return f"文件结构异常（包含 {len(parts)} 个部件），请上传由本系统导出的模板。"
        if sum(p.file_size for p in parts) > MAX_UNZIPPED_BYTES:
            return f"文件解压后超过 {MAX_UNZIPPED_BYTES // 1048576} MB，内容过多，请分批导入。"
        for p in parts:
            if p.file_size > MAX_PART_BYTES or (
                p.file_size > 1048576 and p.file_size > MAX_RATIO * max(p.compress_size, 1)
            ):
                return f"文件中的「{p.filename}」解压后过大（{p.file_size / 1048576:.0f} MB），请分批导入。"
        for p in parts:
            if not (p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml")):
                continue
            try:
                with zf.open(p) as f:
                    head = f.read(4096)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
                return "无法读取该文件（工作表已损坏），请上传由本系统导出的模板。"
            size = declared_size(head)
            if size and (size[0] > max_rows + 1 or size[1] > MAX_COLUMNS):
                return (
                    f"工作表声明的范围过大（{size[0]:,} 行 × {size[1]:,} 列），上限为 {max_rows:,} 行、"
                    f"{MAX_COLUMNS} 列，请使用本系统导出的模板。"
                )
    return None
