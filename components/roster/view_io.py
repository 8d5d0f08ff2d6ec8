"""导入导出 (the roster workbook, then the grids' boundaries) and 一张图 (the grid map)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, grid_map, runtime, ui
from components.roster import common, reads
from db.permissions import Actor, allowed


def view_io(actor: Actor) -> None:
    from db.services import roster_io  # deferred: openpyxl, ~0.5 s, only on this view

    may_export, may_import = allowed(actor.role, "roster.export"), allowed(actor.role, "roster.import")
    if not (may_export or may_import):
        st.info("当前角色不能导入或导出花名册。")
        return
    st.markdown(
        "花名册模板共四张数据表：**网格**、**网格人员**、**党员**、**党员联户**，另附“填写说明”。"
        "导出的文件即导入模板：导出后原样导入不会产生任何变化。"
    )
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        st.markdown("**导出花名册**")
        if may_export:
            towns = reads.townships()
            town_id = None
            if len(towns) > 1:
                town_id = st.selectbox(
                    "范围",
                    [None] + [x["id"] for x in towns],
                    key="io_town",
                    format_func=lambda v: "全部乡镇" if v is None else next(x["name"] for x in towns if x["id"] == v),
                )
            if actor.role != "admin":
                st.caption("按您的角色，导出文件中的姓名、电话、身份证号将脱敏，脱敏文件不能再导入。")
            if st.button("生成导出文件", icon=":material/download:"):
                with st.spinner("正在生成……"), ui.user_errors():
                    content, counts = roster_io.export_workbook(runtime.engine(), actor, town_id)
                    st.download_button(
                        "下载花名册.xlsx", content, file_name="网格花名册.xlsx", mime=common.XLSX, type="primary"
                    )
                    st.caption("、".join(f"{k}{v}行" for k, v in counts.items()))
        st.download_button(
            "下载空白模板", roster_io.template_bytes(), file_name="网格花名册模板.xlsx", mime=common.XLSX
        )
    with c2.container(border=True):
        st.markdown("**导入花名册**")
        if not may_import:
            st.caption("只有系统管理员可以导入。")
            return
        up = st.file_uploader(
            "选择 .xlsx 文件", type=["xlsx"], key=f"io_upload_{st.session_state.get('roster_gen', 0)}"
        )
        if up is not None and st.button("检查并导入", type="primary"):
            bar = st.progress(0.0, text="开始……")
            with ui.user_errors():
                report = roster_io.import_workbook(
                    runtime.engine(),
                    actor,
                    up.getvalue(),
                    progress=lambda f, text: bar.progress(min(1.0, f), text=text),
                )
                st.session_state["io_report"] = report
                if report.ok:
                    data.invalidate()
    report = st.session_state.get("io_report")
    if report is not None:
        if report.ok:
            st.success("导入完成。" + roster_io.summary(report))
        else:
            st.error(f"文件中有 {report.error_total} 处错误，未导入任何数据。请修改后重新导入。")
            ui.table(pd.DataFrame(roster_io.error_rows(report)))
            if report.error_total > len(report.errors):
                st.caption(f"仅列出前 {len(report.errors)} 处。")


def view_map(actor: Actor) -> None:
    grid_map.render(actor, "roster_map")


def view_files(actor: Actor) -> None:
    """导入导出: the roster workbook, then the grids' boundaries (GeoJSON)."""
    view_io(actor)
    grid_map.io_box(actor)
