"""The map's colour classes: a measure's values cut into bands, each with its label and colour."""

from __future__ import annotations

import math

from plotly.colors import sample_colorscale

from db.queries import grid_map as q

WORSE = [[0.0, "#fff5d6"], [0.35, "#fdc46a"], [0.7, "#f0703c"], [1.0, "#b3202a"]]  # more is worse
BETTER = [[0.0, "#b3202a"], [0.4, "#f6b26b"], [0.75, "#a9d9a0"], [1.0, "#2e8b57"]]  # more is better
NO_VALUE = "#c9ced6"


def classes(measure: str, values: list[float]) -> list[dict]:
    """The map's colour classes for ``measure``: {label, lo, hi, colour}, the lightest (or the
    worst, for a measure where more is better) first. Counts: 0, then up to four equal steps up
    to the largest value; a percentage: four fixed bands."""
    m = q.MEASURES[measure]
    scale = WORSE if m.higher_is_worse else BETTER
    if m.unit == "%":
        bands = [(0.0, 60.0, "低于60%"), (60.0, 75.0, "60%–75%"), (75.0, 90.0, "75%–90%"), (90.0, 100.0, "90%及以上")]
    else:
        top = int(max(values + [0]))
        step = max(1, math.ceil(top / 4))
        bands = [(0.0, 0.0, f"0{m.unit}")]
        for a in range(1, top + 1, step):
            b = min(top, a + step - 1)
            bands.append((float(a), float(b), f"{a}{m.unit}" if a == b else f"{a}–{b}{m.unit}"))
    n = len(bands)
    colours = sample_colorscale(scale, [i / max(1, n - 1) for i in range(n)])
    # counts: whole numbers, each band holds its upper bound; percentages: [lo, hi), the last closed
    return [
        {"lo": lo, "hi": hi, "label": label, "colour": c, "closed": m.unit != "%" or i == n - 1}
        for i, ((lo, hi, label), c) in enumerate(zip(bands, colours, strict=True))
    ]


def class_of(v: float | None, cls: list[dict]) -> dict | None:
    if v is None:
        return None
    for c in cls:
        if v < c["hi"] or (c["closed"] and v <= c["hi"]):
            return c
    return cls[-1]
