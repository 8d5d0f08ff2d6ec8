"""Deterministic demo data: a township (or a county) with two to three years of activity.

Use :func:`generate` on a migrated, empty database, or run ``python -m db.demo``.
"""

from db.demo.context import SCALES
from db.demo.generator import generate

__all__ = ["generate", "SCALES"]
