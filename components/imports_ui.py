"""从 Excel 台账导入 (系统设置 → 上线准备): the go-live imports (db/services/imports), one at a time:
the template with the township's own drop-downs, the upload, a progress bar, then what was done
or every problem (on screen and as a workbook with the problems beside the rows)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from db.engine import read_session
from db.permissions import Actor
from db.queries.setup import import_options
from db.scope import scoped
from db.services.imports import IMPORTERS, base, importer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORDER_NOTE = (
    "顺序：组织架构 → 住户与居民 → 网格花名册（网格员、党员及联户，"
    "在“网格花名册 → 导入导出”）→ 矛盾纠纷台账 → 历史工单；"
    "任务台账随时可导入。"
)


def _township(actor: Actor) -> int | None:
    if actor.township_id is not None:
        return actor.township_id
    towns = {t["id"]: t["name"] for t in data.reference()["townships"]}
    if not towns:
        st.caption("请先新建乡镇。")
        return None
    return st.selectbox("导入到乡镇", list(towns), format_func=towns.get, key="imp_town")


@runtime.cached(ttl=60)
def _options(township_id: int) -> dict[str, list[str]]:
    with read_session(scoped(runtime.engine(), township_id)) as s:
        return import_options(s)


def imports_section(actor: Actor) -> None:
    st.subheader("从 Excel 台账导入")
    st.caption(ORDER_NOTE + "每份文件先逐行检查，任何一行有错则整份不导入；同一文件重复导入不会产生任何变化。")
    modules = {kind: importer(kind) for kind in IMPORTERS}
    kind = (
        st.segmented_control(
            "导入内容",
            list(modules),
            format_func=lambda k: modules[k].SPEC.title,
            key="imp_kind",
            label_visibility="collapsed",
        )
        or "org"
    )
    kind_boxes(actor, kind)


def kind_boxes(actor: Actor, kind: str) -> None:
    """One ledger's template and upload, side by side, and the problems of its last run (also
    offered on the ledger's own page: 任务台账)."""
    module = importer(kind)
    spec = module.SPEC
    town = _township(actor)
    if town is None:
        return
    left, right = st.columns([2, 3], gap="large")
    with left.container(border=True):
        st.markdown(f"**1. 下载“{spec.title}”模板**")
        for sheet in spec.sheets:
            required = "、".join(c.name for c in sheet.columns if c.required)
            st.markdown(f"- 工作表 **{sheet.name}**：{sheet.key}。必填：{required}。")
        st.download_button(
            f"下载{spec.title}模板.xlsx",
            base.template_bytes(spec, _options(town)),
            file_name=spec.file_name,
            mime=XLSX,
            icon=":material/download:",
            key=f"imp_tpl_{kind}",
        )
        st.caption("模板第2行为填写说明、第3行为示例，可保留（导入时跳过）；有固定取值的列带下拉列表。")
    with right.container(border=True):
        st.markdown("**2. 上传填好的文件**")
        gen = st.session_state.get("imp_gen", 0)
        up = st.file_uploader(f"选择{spec.title}文件（.xlsx）", type=["xlsx"], key=f"imp_up_{kind}_{gen}")
        if up is not None and st.button("检查并导入", type="primary", key=f"imp_go_{kind}"):
            bar = st.progress(0.0, text="开始……")
            with ui.user_errors():
                report = base.run(
                    runtime.engine(),
                    actor,
                    module,
                    up.getvalue(),
                    township_id=town,
                    progress=lambda f, text: bar.progress(min(1.0, f), text=text),
                    file_name=up.name,
                )
                st.session_state["imp_report"] = (kind, up.name, report)
                if report.ok:
                    data.invalidate()
                    st.session_state["imp_gen"] = gen + 1
                    st.rerun()
        _report(kind, summary_only=True)
    _report(kind)  # the problems, full width under both boxes


def _report(kind: str, summary_only: bool = False) -> None:
    saved = st.session_state.get("imp_report")
    if not saved or saved[0] != kind:
        return
    _, name, report = saved
    spec = importer(kind).SPEC
    if summary_only:
        if report.ok:
            st.success(f"“{name}”：" + base.summary(report))
        else:
            st.error(f"“{name}”中有 {report.error_total} 处问题，未导入任何数据。请按下表修改后重新导入。")
        return
    if report.ok:
        return
    ui.table(pd.DataFrame(base.error_rows(report)), hide_index=True)
    if report.error_total > len(report.errors):
        st.caption(f"仅列出前 {len(report.errors)} 处。")
    st.download_button(
        "下载标注了问题的工作簿",
        base.errors_workbook(spec, report),
        mime=XLSX,
        file_name=f"{spec.title}导入问题.xlsx",
        icon=":material/download:",
        key=f"imp_err_{kind}",
    )
