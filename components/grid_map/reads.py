"""The map's cached display reads (``data.invalidate()`` clears them after a write) and the
drawn outlines of the grids and villages made from the stored boundaries."""

from __future__ import annotations

from components import runtime
from db.engine import read_session
from db.models.base import utcnow
from db.queries import grid_map as q
from db.rules import geo


@runtime.cached(ttl=300)
def shapes() -> dict[str, list[dict]]:
    """The township's drawn grids and villages (a village: the union of its grids), each with
    its outer rings and an anchor point inside it (lon/lat)."""
    with read_session(runtime.engine()) as s:
        rows = q.shapes(s)
    return outlines(rows)


def outlines(rows: list[dict]) -> dict[str, list[dict]]:
    grids, by = [], {}
    for r in rows:
        g = geo.from_json(r["geometry"])
        grids.append({k: v for k, v in r.items() if k != "geometry"} | {"rings": geo.rings(g), "anchor": geo.anchor(g)})
        by.setdefault(r["village_id"], (r["village"], []))[1].append(g)
    villages = []
    for vid, (name, gs) in by.items():
        outline = geo.merged(gs)
        villages.append({"village_id": vid, "name": name, "rings": geo.rings(outline), "anchor": geo.anchor(outline)})
    return {"grids": grids, "villages": villages}


@runtime.cached(ttl=300)
def grid_total() -> int:
    with read_session(runtime.engine()) as s:
        return q.grid_count(s)


@runtime.cached(ttl=60)
def values(minute: str) -> dict[int, dict]:
    with read_session(runtime.engine()) as s:
        return q.values(s, utcnow())


@runtime.cached(ttl=60)
def recent(minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.recent(s, utcnow())


@runtime.cached(ttl=60)
def open_matters(grid_id: int, role: str, minute: str) -> dict[str, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.open_matters_for(s, grid_id, utcnow(), role)
