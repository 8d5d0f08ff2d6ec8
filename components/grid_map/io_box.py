"""网格边界（一张图） under the roster's 导入导出: the GeoJSON import (administrator) and export."""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.grid_map.reads import grid_total, shapes
from db.permissions import Actor, allowed
from db.rules import geo
from db.services import grid_map


def io_box(actor: Actor) -> None:
    """网格边界（一张图）: the GeoJSON import (administrator) and export (who may export the roster)."""
    may_export, may_import = allowed(actor.role, "roster.export"), allowed(actor.role, "roster.import")
    if not (may_export or may_import):
        return
    st.divider()
    st.markdown(
        "**网格边界（一张图）**　GeoJSON 要素集合，经纬度（WGS84），每个网格一个面，属性写"
        "**网格编号**（或网格名称）。未写入文件的网格保留原有边界。"
    )
    c1, c2 = st.columns(2)
    drawn, total = len(shapes()["grids"]), grid_total()
    c1.caption(f"已绘制 {drawn} / {total} 个网格。")
    if may_export and drawn:
        c1.download_button(
            "导出网格边界.geojson",
            grid_map.export_geojson(runtime.engine(), actor),
            file_name="网格边界.geojson",
            mime="application/geo+json",
            icon=":material/download:",
        )
    if not may_import:
        return
    gen = st.session_state.get("geo_gen", 0)
    up = c2.file_uploader("选择 .geojson 文件", type=["geojson", "json"], key=f"geo_upload_{gen}")
    if up is not None and c2.button("检查并导入边界", type="primary", key="geo_import"):
        with ui.user_errors():
            try:
                r = grid_map.import_geojson(runtime.engine(), actor, up.getvalue())
            except geo.GeoJSONError as e:  # every problem on its own line; nothing was imported
                c2.error(f"文件有 {len(e.problems)} 处问题，未导入任何边界。请修改后重新导入：")
                c2.markdown("\n".join(f"- {ui.esc(p)}" for p in e.problems[: geo.MAX_ERRORS]))
                return
            data.invalidate()
            st.session_state["geo_gen"] = gen + 1
            st.session_state["geo_done"] = (
                f"已导入 {r.total} 个网格的边界（新增 {r.created}、更新 {r.replaced}、"
                f"未变 {r.unchanged}）"
                + (f"；另有 {r.grids_without_shape} 个网格尚无边界。" if r.grids_without_shape else "。")
            )
            st.rerun()
    if st.session_state.get("geo_done"):
        c2.success(st.session_state["geo_done"])
