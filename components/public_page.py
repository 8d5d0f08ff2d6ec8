"""The HTML of the walk-in receipt and of the public progress page (issue #20 item 7). Pure:
no Streamlit, no database; every value escaped.

- ``receipt_html``: a self-contained page the desk prints (or saves and sends): the order's
  facts as ``db.queries.public_page.receipt`` presents them (the caller masked, the description
  scrubbed), the deadlines, how to follow up (a QR code drawn here, as inline SVG, the address and
  the hotline) and lines to sign. No script, no request to any host.
- ``progress_html`` and ``message_html``: the public page (``components/public_route.py``): small,
  for a phone, in Chinese, inline CSS only (its Content-Security-Policy allows nothing else).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

import segno

from components.timefmt import fmt
from db.models.orders import ORDER_STATUSES, SATISFACTION

# the status as the resident reads it
PUBLIC_STATUS = {
    "received": "已受理，等待派单",
    "contacted": "已受理，等待派单",
    "dispatched": "已派单，承办部门办理中",
    "in_progress": "承办部门办理中",
    "resolved": "已办结，请您评价",
    "archived": "已办结",
    "cancelled": "已撤销",
}
NOT_DISPATCHED = "派单后确定"

_PAGE_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2328;font:16px/1.6 -apple-system,
"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}main{max-width:560px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:8px 0 12px}h2{font-size:17px;margin:0 0 8px}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
dl{display:grid;grid-template-columns:7.5em 1fr;gap:4px 8px;margin:0}dt{color:#57606a}dd{margin:0;word-break:break-all}
.status{font-weight:600;color:#0b5cad}ol{margin:0;padding-left:1.2em}li{margin:0 0 6px}
time{color:#57606a;font-size:14px;display:block}.notice{background:#e8f3ea;color:#1a5e20}
.error{background:#fdecea;color:#8c1d18}
fieldset{border:0;margin:0 0 8px;padding:0}legend{font-weight:600;margin-bottom:6px}
label.choice{display:block;padding:8px 10px;border:1px solid #d0d7de;border-radius:8px;margin:0 0 6px}
textarea{width:100%;font:inherit;padding:8px;border:1px solid #d0d7de;border-radius:8px}
button{width:100%;margin-top:10px;padding:12px;font:inherit;font-weight:600;color:#fff;background:#0b5cad;border:0;border-radius:8px}
footer{color:#57606a;font-size:14px;padding:4px 2px 24px}
"""

_RECEIPT_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#eee;color:#000;font:14px/1.6 "SimSun","宋体","Noto Serif CJK SC",serif}
.sheet{width:190mm;margin:10mm auto;background:#fff;padding:12mm 14mm}
h1{text-align:center;font:bold 22px/1.4 "SimHei","黑体","Noto Sans CJK SC",sans-serif;margin:0 0 4px}
.no{text-align:center;margin:0 0 12px;font-size:16px}table{width:100%;border-collapse:collapse}
th,td{border:1px solid #000;padding:5px 8px;text-align:left;vertical-align:top}
th{width:8em;background:#f4f4f4;font-weight:normal}
td.text{white-space:pre-wrap;word-break:break-all}.follow{display:flex;gap:14px;align-items:flex-start;margin:14px 0}
.follow svg{flex:0 0 auto}h2{font-size:16px;margin:0 0 4px}.follow ol{margin:0;padding-left:1.3em}
.url{font-family:monospace;word-break:break-all}.sign{display:flex;justify-content:space-between;margin-top:22px}
.small{font-size:12px;color:#333}.hint{text-align:center;color:#555}
@media print{body{background:#fff}.sheet{margin:0;width:auto;padding:0}.hint{display:none}}
@page{size:A4;margin:15mm}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _local_date(ts: datetime) -> str:
    return fmt(ts, with_time=False)


def qr_svg(url: str, scale: int = 3) -> str:
    """The address as a QR code, an inline SVG drawn here (medium error correction)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=2, dark="#000")


def deadline_line(view: dict) -> str:
    """The handling deadline as the resident reads it."""
    if view["status"] in ("resolved", "archived") and view.get("resolved_at"):
        return f"已于 {fmt(view['resolved_at'])} 办结"
    if view["status"] == "cancelled":
        return "—"
    return view.get("deadline") or NOT_DISPATCHED


def contact_line(view: dict) -> str:
    if view.get("contacted_at"):
        return f"已联系（{fmt(view['contacted_at'])}）"
    if view.get("contact_deadline"):
        return f"{view['contact_deadline']} 前与您联系"
    return "—"


# --------------------------------------------------------------------------- the receipt


def receipt_html(view: dict, url: str, hotline: str, local_address: bool = False) -> str:
    """The receipt of one order (``db.queries.public_page.receipt``), self-contained."""
    title = f"{view.get('township') or ''}群众诉求受理回执"
    rows = [
        ("受理时间", fmt(view["received_at"])),
        ("受理渠道", view.get("channel_label")),
        ("诉求类别", view.get("category")),
        ("所在村（社区）", view.get("village")),
        ("诉求人", view.get("caller_name") or "—"),
        ("联系电话", view.get("caller_phone") or "—"),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    body += f'<tr><th>诉求内容</th><td class="text">{_e(view.get("description"))}</td></tr>'
    body += f"<tr><th>首次联系时限</th><td>{_e(contact_line(view))}</td></tr>"
    body += f"<tr><th>办理时限</th><td>{_e(deadline_line(view))}</td></tr>"
    local = (
        '<p class="small">（本二维码指向本机地址，仅供测试：部署时请设置 GOV_PUBLIC_URL。）</p>'
        if local_address
        else ""
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{_e(view['number'])} 受理回执</title><style>{_RECEIPT_CSS}</style></head><body>"
        '<p class="hint">在浏览器中按 Ctrl+P 打印本回执（A4）。</p>'
        f'<div class="sheet"><h1>{_e(title)}</h1>'
        f'<p class="no">工单编号：<b>{_e(view["number"])}</b></p>'
        f"<table>{body}</table>"
        f'<div class="follow"><div role="img" aria-label="查询进度的二维码">{qr_svg(url)}</div><div>'
        "<h2>如何查询进度</h2><ol>"
        "<li>用手机扫描左侧二维码，查看办理进度；办结后可在该页面对办理结果进行评价。</li>"
        f'<li>或在手机浏览器中打开：<span class="url">{_e(url)}</span></li>'
        f"<li>或拨打 {_e(hotline)}，报工单编号查询。</li></ol>"
        f'<p class="small">查询链接有效期至 {_local_date(view["link_expires"])}。'
        "该页面不显示个人信息；请妥善保管本回执，勿将二维码转给他人。</p>"
        f"{local}</div></div>"
        '<div class="sign"><span>受理人（签字）：__________</span><span>诉求人（签字）：__________</span></div>'
        f'<p class="sign"><span>受理日期：{_local_date(view["received_at"])}</span><span></span></p>'
        '<p class="small">本回执中的个人信息已作遮挡处理。</p>'
        "</div></body></html>"
    )


# --------------------------------------------------------------------------- the public page


def _page(title: str, inner: str, hotline: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        f"<title>{_e(title)}</title><style>{_PAGE_CSS}</style></head><body><main>{inner}"
        f"<footer>本页面不显示个人信息。如有疑问，请拨打 {_e(hotline)} 并提供工单编号。</footer>"
        "</main></body></html>"
    )


def message_html(title: str, text: str, hotline: str) -> str:
    """A page that only says something (an invalid or expired link, too many requests)."""
    return _page(title, f'<h1>{_e(title)}</h1><section class="card"><p>{_e(text)}</p></section>', hotline)


def _rating_form(error: str | None, comment: str | None) -> str:
    choices = "".join(
        f'<label class="choice"><input type="radio" name="satisfaction" value="{_e(k)}" required> {_e(v)}</label>'
        for k, v in SATISFACTION.items()
    )
    err = f'<p class="card error" role="alert">{_e(error)}</p>' if error else ""
    return (
        f'<section class="card"><h2>评价办理结果</h2>{err}<form method="post">'
        f"<fieldset><legend>您对办理结果满意吗？</legend>{choices}</fieldset>"
        '<label for="comment">意见建议（选填，200字以内）</label>'
        f'<textarea id="comment" name="comment" rows="3" maxlength="200">{_e(comment)}</textarea>'
        '<button type="submit">提交评价</button></form>'
        "<p>选择“不满意”的，工单将重新交办承办部门办理。</p></section>"
    )


def progress_html(
    view: dict, hotline: str, notice: str | None = None, error: str | None = None, comment: str | None = None
) -> str:
    """The public page of one order (``db.queries.public_page.progress``)."""
    status = PUBLIC_STATUS.get(view["status"], ORDER_STATUSES.get(view["status"], ""))
    facts = [
        ("工单编号", view["number"]),
        ("诉求类别", view.get("category")),
        ("所在村（社区）", view.get("village")),
        ("受理时间", fmt(view["received_at"])),
        ("办理时限", deadline_line(view)),
    ]
    dl = f'<dt>当前状态</dt><dd class="status">{_e(status)}</dd>'
    dl += "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    if view.get("satisfaction") and view["status"] == "archived":
        dl += f"<dt>评价</dt><dd>{_e(SATISFACTION.get(view['satisfaction'], ''))}</dd>"
    inner = f"<h1>{_e(view.get('township') or '')}诉求办理进度</h1>"
    if notice:
        inner += f'<p class="card notice" role="status">{_e(notice)}</p>'
    inner += f'<section class="card"><dl>{dl}</dl></section>'
    steps = "".join(f"<li><time>{_e(fmt(st['at']))}</time>{_e(st['text'])}</li>" for st in view.get("steps", []))
    inner += f'<section class="card"><h2>办理过程</h2><ol>{steps}</ol></section>'
    if view.get("result") and view["status"] in ("resolved", "archived"):
        inner += f'<section class="card"><h2>办理结果</h2><p>{_e(view["result"])}</p></section>'
    if view.get("may_rate"):
        inner += _rating_form(error, comment)
    elif view.get("rated") and not notice:
        inner += '<section class="card"><p>您已评价，感谢您的反馈。</p></section>'
    return _page(f"工单 {view['number']} 办理进度", inner, hotline)


__all__ = [
    "NOT_DISPATCHED",
    "PUBLIC_STATUS",
    "deadline_line",
    "message_html",
    "progress_html",
    "qr_svg",
    "receipt_html",
]
