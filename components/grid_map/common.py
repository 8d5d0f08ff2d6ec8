"""What the map's views share: a measure's value as text, a grid's name, and the grids ranked
or summed on a measure (aggregates per grid only)."""

from __future__ import annotations

from db.queries import grid_map as q


def fmt_measure(key: str, v: float | None) -> str:
    m = q.MEASURES[key]
    if v is None:
        return "—"
    return f"{v:.1f}%" if m.unit == "%" else f"{int(v)}{m.unit}"


def grid_label(g: dict) -> str:
    """A grid's name with its village, once (第3网格 of 白云村 is often named 白云村第3网格)."""
    return g["name"] if g["name"].startswith(g["village"]) else f"{g['village']} · {g['name']}"


def ranking(grids: list[dict], vals: dict[int, dict], measure: str, n: int = 10) -> list[dict]:
    """The grids that most need attention on ``measure`` (the worst first)."""
    m = q.MEASURES[measure]
    rows = [
        {
            "grid_id": g["grid_id"],
            "name": g["name"],
            "village": g["village"],
            "value": q.measure_value(measure, q.figures_of(vals, g["grid_id"])),
        }
        for g in grids
    ]
    rows = [r for r in rows if r["value"] is not None]
    rows.sort(key=lambda r: (-r["value"] if m.higher_is_worse else r["value"], r["name"]))
    return rows[:n]


def totals(vals: dict[int, dict]) -> dict[str, int]:
    return {k: sum(v[k] for v in vals.values()) for k in q.KEYS}
