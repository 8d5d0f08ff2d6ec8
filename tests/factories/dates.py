"""The test modules that read the clock (marker ``dates``): the demo township and its pages, the
demo generator, the clock itself. CI runs them again with the tests' clock at other moments
(scripts/test.sh); ``python -m tests.factories.dates`` prints their paths for that run, so it
collects these modules only instead of every module and then deselecting."""

from __future__ import annotations

from pathlib import Path

DATE_SENSITIVE = frozenset(
    {
        "test_pages_apptest",
        "test_grid_events_pages",
        "test_mediation_pages",
        "test_platform_pages",
        "test_roster_pages",
        "test_demo_generator",
        "test_grid_events_demo",
        "test_clock",
    }
)

TESTS = Path(__file__).resolve().parents[1]


def paths() -> list[str]:
    """Each module's path relative to the repository root."""
    found = sorted(TESTS.glob("test_*.py"))
    missing = DATE_SENSITIVE - {p.stem for p in found}
    if missing:  # a renamed module must not silently drop out of the date runs
        raise SystemExit(f"date-sensitive test modules not found: {sorted(missing)}")
    return [str(p.relative_to(TESTS.parent)) for p in found if p.stem in DATE_SENSITIVE]


if __name__ == "__main__":
    print("\n".join(paths()))
