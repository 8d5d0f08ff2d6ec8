"""The township's map (一张图): importing and exporting the grids' boundaries as GeoJSON.

``import_geojson`` reads a FeatureCollection (``db.rules.geo.parse``), matches each feature to a
grid the engine's township sees, by code (unique across the county) or by name (unique in the
township, or the file is told to use codes), and replaces those grids' shapes in one
transaction: a malformed file, a feature naming no grid of this township, two features for one
grid, or a grid the file cannot tell apart changes nothing. Grids the file does not name keep
the shape they had. Audited (one entry for the import, with the grids it drew).

``export_geojson`` writes the township's shapes back out in the same form, so a file exported
and imported again changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from shapely.geometry import mapping
from sqlalchemy import Engine, select

from db.engine import read_session, write_session
from db.models import Grid, GridShape, Village
from db.permissions import Actor, require
from db.rules import geo
from db.services import audit


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int
    unchanged: int
    grids_without_shape: int

    @property
    def total(self) -> int:
        return self.created + self.replaced + self.unchanged


def _match(
    features: list[geo.Feature], grids: list[tuple[int, str, str, str]], problems: list[str]
) -> dict[int, geo.Feature]:
    """{grid id: feature}; adds to ``problems`` every feature that matches no grid or a grid
    already matched, and every name that stands for more than one grid."""
    by_code = {code: gid for gid, code, _name, _village in grids}
    by_name: dict[str, list[int]] = defaultdict(list)
    for grid_id, _code, name, village in grids:
        by_name[name].append(grid_id)
        if not name.startswith(village):  # 第一网格 may be written 白云村第一网格 in a file
            by_name[f"{village}{name}"].append(grid_id)
    matched: dict[int, geo.Feature] = {}
    for f in features:
        gid = None
        if f.code:
            gid = by_code.get(f.code)
            if gid is None:
                problems.append(f"{f.label}：网格编号 {f.code} 不是本乡镇的网格（见网格花名册的网格编号）")
                continue
        else:
            ids = by_name.get(f.name or "", [])
            if len(ids) > 1:
                problems.append(f"{f.label}：名为“{f.name}”的网格有 {len(ids)} 个，请在属性中写网格编号")
                continue
            if not ids:
                problems.append(f"{f.label}：没有名为“{f.name}”的网格（本乡镇的网格见网格花名册）")
                continue
            gid = ids[0]
        if gid in matched:
            problems.append(f"{f.label}与第{matched[gid].number}个要素是同一个网格，每个网格只能有一个边界")
            continue
        matched[gid] = f
    return matched


def import_geojson(engine: Engine, actor: Actor, raw: bytes) -> ImportResult:
    """Draw the grids of ``raw`` (GeoJSON bytes) on the map; all or nothing (see the module)."""
    require(actor, "roster.import")
    features, problems = geo.read(raw)
    with write_session(engine) as s:
        grids = [
            (gid, code, name, village)
            for gid, code, name, village in s.execute(
                select(Grid.id, Grid.code, Grid.name, Village.name).join(Village, Village.id == Grid.village_id)
            )
        ]
        matched = _match(features, grids, problems)
        if problems:  # the file's problems and the matching's together, in the file's order
            raise geo.GeoJSONError(sorted(problems, key=geo.feature_number))
        have = {row.grid_id: row for row in s.scalars(select(GridShape).where(GridShape.grid_id.in_(list(matched))))}
        created = replaced = unchanged = 0
        for gid, f in matched.items():
            text = geo.to_json(f.geometry)
            row = have.get(gid)
            if row is None:
                s.add(GridShape(grid_id=gid, geometry=text))
                created += 1
            elif row.geometry != text:
                row.geometry = text
                replaced += 1
            else:
                unchanged += 1
        s.flush()
        drawn = set(s.scalars(select(GridShape.grid_id)))
        result = ImportResult(created, replaced, unchanged, sum(1 for g in grids if g[0] not in drawn))
        codes = {gid: code for gid, code, _n, _v in grids}
        audit.record(
            s,
            actor,
            "grid_map.import",
            "grid_shape",
            None,
            after={
                "created": created,
                "replaced": replaced,
                "unchanged": unchanged,
                "grids": sorted(codes[g] for g in matched),
            },
        )
    return result


def export_geojson(engine: Engine, actor: Actor) -> bytes:
    """The township's grid boundaries as a GeoJSON FeatureCollection (the import's own form)."""
    require(actor, "roster.export")
    with read_session(engine) as s:
        rows = s.execute(
            select(Grid.code, Grid.name, Village.name, GridShape.geometry)
            .join(GridShape, GridShape.grid_id == Grid.id)
            .join(Village, Village.id == Grid.village_id)
            .order_by(Grid.code)
        ).all()
    features = [
        {
            "type": "Feature",
            "properties": {"网格编号": code, "网格名称": name, "村（社区）": village},
            "geometry": mapping(geo.from_json(geometry)),
        }
        for code, name, village, geometry in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")
