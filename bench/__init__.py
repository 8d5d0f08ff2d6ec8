"""Benchmarks: they report numbers; tests never assert on wall-clock time."""
