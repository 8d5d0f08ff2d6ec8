"""The Excel exports write dates as date cells with their year (issue #22): sorted and filtered as
dates in Excel, never a "11-24 11:12" that hides its year. The weekly report's deadlines are the
printed report's "2026-11-30 24:00" (the end of that day, with its year), the one text form kept."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest

from db import scope
from db.config import load_settings
from db.engine import get_engine
from tests.test_privacy_sweep import EXPORTS

# a date written as text: 2026-11-24, 2026/11/24, 2026年11月24日, 11-24 11:12, 11月24日
DATE_TEXT = re.compile(r"^(\d{4}[-/年])?\d{1,2}[-/月]\d{1,2}日?( \d{1,2}:\d{2})?$")
END_OF_DAY = re.compile(r"^\d{4}-\d{2}-\d{2} 24:00$")
WORKBOOKS = ("inbox", "ledger", "roster", "weekly_xlsx")


@pytest.mark.parametrize("name", WORKBOOKS)
def test_dates_are_date_cells_with_their_year(demo_db, name):
    actor = demo_db["admin"]
    engine = scope.scoped(get_engine(load_settings()), actor.township_id)
    wb = openpyxl.load_workbook(io.BytesIO(EXPORTS[name][1](engine, actor)))
    as_text, as_dates = [], 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and DATE_TEXT.match(c.value.strip()) and not END_OF_DAY.match(c.value):
                    as_text.append(f"{ws.title}!{c.coordinate}={c.value}")
                elif isinstance(c.value, (date, datetime)):
                    as_dates += 1
                    assert "yy" in c.number_format.lower(), (
                        ws.title,
                        c.coordinate,
                        c.number_format,
                    )  # shown with a year
    assert not as_text, as_text[:5]
    assert as_dates or name == "weekly_xlsx", "the export has date cells"
