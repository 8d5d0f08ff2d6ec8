"""Plausible grid boundaries for the demo townships' map (一张图): each township an irregular outline
in 泌阳县, cut into its villages and each village into its grids (Voronoi cells around random
seeds, clipped to the parent), written as a GeoJSON FeatureCollection and loaded through the
console's own import (``db.services.grid_map``), as a township's administrator would load theirs.

Deterministic for a township's code; independent of the rest of the generator (its own random
generator), so adding maps changed no other demo record.
"""

from __future__ import annotations

import json
import math
import random

from shapely import set_precision
from shapely.affinity import scale, translate
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import voronoi_diagram
from sqlalchemy import Engine, select

from db.engine import read_session
from db.models import Grid, GridShape, Township, Village
from db.permissions import SYSTEM
from db.services import grid_map

COUNTY_CENTRE = (113.33, 32.72)  # 泌阳县
KM_PER_DEG_LAT = 110.57


def _outline(rng: random.Random, radius: float) -> Polygon:
    """An irregular, star-shaped outline around (0, 0), in km."""
    pts = []
    for k in range(16):
        a = 2 * math.pi * k / 16 + rng.uniform(-0.12, 0.12)
        r = radius * rng.uniform(0.78, 1.15)
        pts.append((r * math.cos(a), r * math.sin(a)))
    return Polygon(pts)


def _seeds(rng: random.Random, area: BaseGeometry, n: int) -> list[Point]:
    """``n`` points inside ``area``, kept apart (best of a few candidates each)."""
    minx, miny, maxx, maxy = area.bounds
    out: list[Point] = []
    tries = 0
    while len(out) < n and tries < n * 400:
        tries += 1
        best, best_d = None, -1.0
        for _ in range(8):
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not area.contains(p):
                continue
            d = min((p.distance(q) for q in out), default=1e9)
            if d > best_d:
                best, best_d = p, d
        if best is not None:
            out.append(best)
    if len(out) < n:  # a sliver of a village: fall back to points along its inside
        inner = area.representative_point()
        out += [Point(inner.x + 1e-3 * i, inner.y + 1e-3 * i) for i in range(n - len(out))]
    return out


def _largest(geom: BaseGeometry) -> Polygon:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
    return max(parts, key=lambda g: g.area)


def _cells(area: BaseGeometry, seeds: list[Point]) -> list[Polygon]:
    """The Voronoi cell of each seed, clipped to ``area`` (in the seeds' order)."""
    if len(seeds) == 1:
        return [_largest(area)]
    cells = list(voronoi_diagram(MultiPoint(seeds), envelope=area.envelope.buffer(1)).geoms)
    out = []
    for p in seeds:
        cell = next(c for c in cells if c.contains(p) or c.touches(p))
        out.append(_largest(cell.intersection(area)))
    return out


def township_collection(code: str, index: int, villages: list[tuple[str, list[tuple[str, str]]]]) -> dict:
    """A FeatureCollection for one township: ``villages`` as (name, [(grid code, grid name)])."""
    rng = random.Random(f"shapes-{code}")  # nosec B311 - demo data, not security
    n_grids = sum(len(g) for _v, g in villages) or 1
    outline = _outline(rng, radius=max(2.5, 1.1 * math.sqrt(n_grids)))
    centre_lon = COUNTY_CENTRE[0] + 0.16 * (index % 4) - 0.24
    centre_lat = COUNTY_CENTRE[1] + 0.14 * (index // 4) - 0.07
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(centre_lat))
    features = []
    village_cells = _cells(outline, _seeds(rng, outline, len(villages)))
    for (_vname, grids), vcell in zip(villages, village_cells, strict=True):
        if not grids:
            continue
        for (gcode, gname), gcell in zip(grids, _cells(vcell, _seeds(rng, vcell, len(grids))), strict=True):
            geom = translate(
                scale(gcell, 1 / km_per_deg_lon, 1 / KM_PER_DEG_LAT, origin=(0, 0)), centre_lon, centre_lat
            )
            geom = _largest(set_precision(geom, 1e-6))
            features.append(
                {"type": "Feature", "properties": {"网格编号": gcode, "网格名称": gname}, "geometry": mapping(geom)}
            )
    return {"type": "FeatureCollection", "features": features}


def ensure(engine: Engine) -> int:
    """Draw the grids of every township that has none on its map yet; returns the grids drawn."""
    with read_session(engine) as s:  # the start-up's engine: every township
        towns = list(s.execute(select(Township.id, Township.code).order_by(Township.id)))
        drawn = set(
            s.scalars(
                select(Village.township_id)
                .join(Grid, Grid.village_id == Village.id)
                .join(GridShape, GridShape.grid_id == Grid.id)
            )
        )
        rows = s.execute(
            select(Village.township_id, Village.name, Grid.code, Grid.name)
            .join(Grid, Grid.village_id == Village.id)
            .order_by(Village.code, Grid.code)
        ).all()
    total = 0
    for index, (tid, code) in enumerate(towns):
        if tid in drawn:
            continue
        villages: dict[str, list[tuple[str, str]]] = {}
        for town, vname, gcode, gname in rows:
            if town == tid:
                villages.setdefault(vname, []).append((gcode, gname))
        if not villages:
            continue
        fc = township_collection(code, index, list(villages.items()))
        total += grid_map.import_geojson(engine, SYSTEM, json.dumps(fc, ensure_ascii=False).encode()).total
    return total
