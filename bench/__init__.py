"""Benchmarks: they report numbers; tests never assert on wall-clock time."""

from pathlib import Path


def report_out(text: str, path: str | Path) -> None:
    """Print a benchmark's table and append it to its results file (bench-results/, not committed)."""
    print(text)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        fh.write(text + "\n")
