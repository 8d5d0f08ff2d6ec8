"""The statutory public holidays (全国年节及纪念日放假办法, as revised in 2024, in force from 2025),
for a year whose official schedule (the State Council's annual notice) is not yet entered.

Every citizen's holidays, 13 days a year:

- 元旦 1 January (1 day)
- 春节 the lunar New Year's Eve and the first three days of the first lunar month (4 days)
- 清明节 the day of the Qingming solar term (1 day)
- 劳动节 1 and 2 May (2 days)
- 端午节 the 5th day of the 5th lunar month (1 day)
- 中秋节 the 15th day of the 8th lunar month (1 day)
- 国庆节 1 to 3 October (3 days)

The annual notice then moves days around (make-up working days on weekends, bridges to a
weekend), which no rule can predict: a schedule built from this module is **provisional**
(暂定). It counts weekends plus these days as days off and has no make-up working days. Lunar
dates and the solar term come from ``lunar-python``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

FIRST_YEAR, LAST_YEAR = 1901, 2099  # the range the lunar tables cover with certainty


@lru_cache(maxsize=64)
def statutory_days_off(year: int) -> dict[date, str]:
    """The statutory holidays of ``year``: day -> Chinese name."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"no lunar calendar for {year}")
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = _solar(Lunar.fromYmd(year, 1, 1).getSolar())
    for k in range(-1, 3):  # 除夕 and 正月初一至初三
        days[new_year + timedelta(days=k)] = "春节"
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days[_solar(qingming)] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_solar(Lunar.fromYmd(year, 5, 5).getSolar())] = "端午节"
    days[_solar(Lunar.fromYmd(year, 8, 15).getSolar())] = "中秋节"
    for d in (1, 2, 3):
        days[date(year, 10, d)] = "国庆节"
    # 除夕 of a lunar year that starts early in January falls in the previous solar year
    return {d: name for d, name in days.items() if d.year == year}


def _solar(solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())
