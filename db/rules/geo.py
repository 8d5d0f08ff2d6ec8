"""The township's map (一张图): reading a GeoJSON file of grid boundaries, and the geometry the map
draws from. Pure functions over shapely geometries; nothing here reads the database.

A file is a GeoJSON ``FeatureCollection`` in WGS84 longitude/latitude (the coordinates GIS tools
and the national 天地图 platform export as GeoJSON). Each feature is one grid: a ``Polygon`` or
``MultiPolygon`` whose properties name the grid by its code (``网格编号``, ``grid_code`` or ``code``)
or, failing that, by its name (``网格名称``, ``grid_name`` or ``name``). Every problem is reported
with the feature's number (counted from 1) in Chinese; a file with any problem is refused whole.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from shapely import make_valid
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.validation import explain_validity

from db.errors import ValidationError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FEATURES = 5000
MAX_POINTS = 200_000  # every ring's positions together
CODE_KEYS = ("网格编号", "grid_code", "code")
NAME_KEYS = ("网格名称", "grid_name", "name")
# the country's extent, generously: coordinates outside it are not this county's longitude/latitude
LON_RANGE, LAT_RANGE = (72.0, 136.0), (3.0, 54.0)
MAX_ERRORS = 20


@dataclass(frozen=True)
class Feature:
    number: int  # 1-based position in the file
    code: str | None
    name: str | None
    geometry: BaseGeometry

    @property
    def label(self) -> str:
        return f"第{self.number}个要素（{self.code or self.name}）"


class GeoJSONError(ValidationError):
    """A refused file: ``problems`` lists every problem found (the message is the first ones)."""

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_ERRORS]
        more = f"；另有 {len(problems) - len(shown)} 处问题未列出" if len(problems) > len(shown) else ""
        super().__init__(f"网格边界文件有 {len(problems)} 处问题，未导入任何边界：" + "；".join(shown) + more)
        self.problems = problems


def _prop(props: dict, keys: tuple[str, ...]) -> str | None:
    for k in keys:
        v = props.get(k)
        if v is not None and str(v).strip():
            return str(v).strip()
    return None


def _positions(coords: Any, depth: int) -> list:
    """Every position of a (Multi)Polygon's coordinates (depth 2 for a Polygon, 3 for a
    MultiPolygon), or raises ValueError on the wrong nesting."""
    if depth == 0:
        if not (
            isinstance(coords, list)
            and len(coords) in (2, 3)
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords)
        ):
            raise ValueError
        return [coords]
    if not isinstance(coords, list) or not coords:
        raise ValueError
    out: list = []
    for c in coords:
        out.extend(_positions(c, depth - 1))
    return out


def _geometry(geom: Any, where: str, problems: list[str]) -> BaseGeometry | None:
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geom.get("type") if isinstance(geom, dict) else None
        problems.append(f"{where}的几何类型是 {kind or '空'}，网格边界须为面（Polygon 或 MultiPolygon）")
        return None
    try:
        points = _positions(geom.get("coordinates"), 2 if geom["type"] == "Polygon" else 3)
    except ValueError:
        problems.append(f"{where}的坐标格式不正确（应为经度、纬度数字组成的环）")
        return None
    if len(points) > MAX_POINTS:
        problems.append(f"{where}的坐标点超过 {MAX_POINTS:,} 个，请先在 GIS 软件中简化边界")
        return None
    bad = [p for p in points if not (LON_RANGE[0] <= p[0] <= LON_RANGE[1] and LAT_RANGE[0] <= p[1] <= LAT_RANGE[1])]
    if bad:
        problems.append(
            f"{where}的坐标 ({bad[0][0]}, {bad[0][1]}) 不是经纬度：请导出为 WGS84 经纬度"
            "（EPSG:4326，先经度后纬度）的 GeoJSON"
        )
        return None
    try:
        shp = shape(geom)
    except (ValueError, TypeError, IndexError, AttributeError):
        problems.append(f"{where}的坐标环不完整（每个环至少4个点，且首尾相同）")
        return None
    if not shp.is_empty and not shp.is_valid:
        problems.append(f"{where}的边界自相交或环嵌套错误（{explain_validity(shp)}），请在 GIS 软件中修复几何")
        return None
    if shp.is_empty or shp.area == 0:
        problems.append(f"{where}的面积为零")
        return None
    return shp


def parse(raw: bytes) -> list[Feature]:
    """The grid features of a GeoJSON file, or GeoJSONError listing every problem."""
    features, problems = read(raw)
    if problems:
        raise GeoJSONError(problems)
    return features


def read(raw: bytes) -> tuple[list[Feature], list[str]]:
    """The well-formed features of a GeoJSON file and the problems of the others (a file that is
    not a FeatureCollection at all raises GeoJSONError)."""
    if len(raw) > MAX_FILE_BYTES:
        raise GeoJSONError([f"文件过大（{len(raw) / 1048576:.1f} MB），上限为 {MAX_FILE_BYTES // 1048576} MB"])
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise GeoJSONError(["文件不是 UTF-8 编码的文本，请选择 .geojson 或 .json 文件"]) from None
    except json.JSONDecodeError as e:
        raise GeoJSONError([f"文件不是有效的 JSON（第{e.lineno}行第{e.colno}列附近有错误）"]) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise GeoJSONError(['文件不是 GeoJSON 要素集合（顶层应为 "type": "FeatureCollection"，含 features 列表）'])
    feats = doc["features"]
    if not feats:
        raise GeoJSONError(["文件中没有任何要素"])
    if len(feats) > MAX_FEATURES:
        raise GeoJSONError([f"要素超过 {MAX_FEATURES} 个"])
    problems: list[str] = []
    out: list[Feature] = []
    for i, f in enumerate(feats, start=1):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            problems.append(f"第{i}个要素不是 Feature")
            continue
        raw_props = f.get("properties")
        props: dict = raw_props if isinstance(raw_props, dict) else {}
        code, name = _prop(props, CODE_KEYS), _prop(props, NAME_KEYS)
        where = f"第{i}个要素（{code or name}）" if code or name else f"第{i}个要素"
        if not code and not name:
            problems.append(f"{where}缺少网格编号或网格名称（属性 网格编号 / 网格名称）")
        geom = _geometry(f.get("geometry"), where, problems)
        if geom is not None and (code or name):
            out.append(Feature(i, code, name, geom))
    return out, problems


def feature_number(problem: str) -> int:
    """The feature a problem names (第N个要素…), for listing problems in the file's order."""
    m = re.match(r"第(\d+)个要素", problem)
    return int(m.group(1)) if m else 0


def to_json(geom: BaseGeometry) -> str:
    return json.dumps(mapping(geom), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def rings(geom: BaseGeometry) -> list[list[tuple[float, float]]]:
    """The outer rings of a (Multi)Polygon, as (lon, lat) lists (holes are not drawn)."""
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    return [list(p.exterior.coords) for p in polys]


def anchor(geom: BaseGeometry) -> tuple[float, float]:
    """A point inside the shape (where a grid's label and marks go): (lon, lat)."""
    p = geom.representative_point()
    return p.x, p.y


def merged(geoms: list[BaseGeometry]) -> BaseGeometry:
    """The union of some grids' shapes (a village's outline), valid even when they overlap."""
    return unary_union([make_valid(g) for g in geoms])
