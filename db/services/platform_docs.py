"""The printable 责令限期整改通知书 (rectification notice) as a .docx (python-docx).

Fonts: 宋体 for body text and 黑体 for the title, set on ``w:eastAsia`` so that Word and
LibreOffice use them for Chinese characters. The notice names a business, not a person, so it
carries no personal data; printing it needs ``platform.records`` and is recorded in the audit log.
"""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from sqlalchemy import Engine

from db.engine import read_session, write_session
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import Platform, Township
from db.models.platforms import Inspection
from db.permissions import Actor, require
from db.services import audit
from db.services.platforms import acting_platform_id


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:ascii"), name)
    rfonts.set(qn("w:hAnsi"), name)


def _para(
    doc, text: str, *, size: float = 14, bold: bool = False, font: str = "宋体", align=None, indent: bool = False
):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(6)
    _font(p.add_run(text), font, size, bold)
    return p


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def build_notice(
    *,
    township: str,
    notice_number: str,
    business_name: str,
    address: str,
    inspected_on: date,
    finding: str,
    rectify_by: date,
) -> bytes:
    """The notice as .docx bytes (pure: no database)."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    _para(doc, f"{township}市场监督管理所", size=16, font="黑体", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "责令限期整改通知书", size=22, bold=True, font="黑体", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"编号：{notice_number}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, f"{business_name}：")
    first_line = (finding or "").split("\n", 1)[0]
    _para(
        doc, f"经{_cn_date(inspected_on)}对你单位（经营地址：{address}）检查，发现以下问题：{first_line}", indent=True
    )
    _para(
        doc,
        f"依据《中华人民共和国食品安全法》《市场主体登记管理条例》等有关规定，现责令你单位于"
        f"{_cn_date(rectify_by)}前整改完毕，并将整改情况书面报告我所。逾期未整改或整改不到位的，"
        f"将依法予以查处。",
        indent=True,
    )
    _para(doc, "如对本通知不服，可依法申请行政复议或者提起行政诉讼。", indent=True)
    _para(doc, "")
    _para(doc, "执法人员（签名）：____________    ____________", size=12)
    _para(doc, "被检查单位负责人（签名）：____________", size=12)
    _para(doc, "")
    _para(doc, f"{township}市场监督管理所（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, _cn_date(inspected_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "本通知书一式两份，一份送达被检查单位，一份存档。", size=10)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def notice_docx(
    engine: Engine, actor: Actor, inspection_id: int, *, as_platform_id: int | None = None
) -> tuple[str, bytes]:
    """(file name, .docx bytes) of an inspection's notice; the print is audited.

    A platform officer prints only notices of their own platform's township (admin: any, or
    those of the platform named by ``as_platform_id``)."""
    require(actor, "platform.records")
    with read_session(engine) as s:
        ins = s.get(Inspection, inspection_id)
        if ins is None:
            raise NotFound("检查记录不存在或已被删除。")
        pid = acting_platform_id(actor, as_platform_id)
        if pid is not None:
            plat = s.get(Platform, pid)
            if plat is None or ins.township_id is None or ins.township_id != plat.township_id:
                raise PermissionDenied("该整改通知书不属于您所在平台的乡镇，无权打印。")
        if not ins.notice_number or ins.rectify_by is None:
            raise ValidationError("该检查未下达整改通知书。", field="inspection_id")
        town = s.get(Township, ins.township_id) if ins.township_id else None
        data = build_notice(
            township=town.name if town else "",
            notice_number=ins.notice_number,
            business_name=ins.business_name,
            address=ins.address,
            inspected_on=ins.inspected_on,
            finding=ins.finding or "",
            rectify_by=ins.rectify_by,
        )
        number = ins.notice_number
    with write_session(engine) as s:
        audit.record(s, actor, "inspection.print_notice", "inspection", inspection_id, after={"notice_number": number})
    return f"责令限期整改通知书_{number}.docx", data
