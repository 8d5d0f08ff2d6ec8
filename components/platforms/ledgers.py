"""Each platform's own ledger (the desk's "<平台>业务台账" view)."""

from __future__ import annotations

from components.platforms.bianmin import bianmin
from components.platforms.shichang import shichang
from components.platforms.zhifa import zhifa
from components.platforms.zongzhi import zongzhi
from db.permissions import Actor


def records(actor: Actor, plat: dict) -> None:
    {"zongzhi": zongzhi, "shichang": shichang, "zhifa": zhifa, "bianmin": bianmin}[plat["code"]](actor, plat)
