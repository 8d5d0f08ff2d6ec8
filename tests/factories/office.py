"""Proof that an export opens in an office suite: LibreOffice converts it to PDF.

Each conversion uses a profile of its own (``-env:UserInstallation``), so parallel test workers
do not fight over one LibreOffice profile. A missing LibreOffice fails the test under CI=true.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.factories.deps import unavailable


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        unavailable(
            "LibreOffice (soffice) is not installed: cannot prove the file opens (scripts/install.sh --dev installs it)"
        )
    return exe  # type: ignore[return-value]


def to_pdf(*srcs: Path, min_bytes: int = 1000) -> list[Path]:
    """Convert each of ``srcs`` (one directory) to PDF beside it in ONE LibreOffice run (its start
    is most of the cost); assert it succeeded and wrote a real PDF for each."""
    exe = soffice()
    outdir = srcs[0].parent
    profile = outdir / f".lo-profile-{srcs[0].stem}"
    proc = subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, srcs),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdfs = [outdir / (src.stem + ".pdf") for src in srcs]
    assert proc.returncode == 0 and all(p.exists() for p in pdfs), proc.stdout + proc.stderr
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data[:5] == b"%PDF-" and len(data) >= min_bytes, (pdf.name, len(data), proc.stdout + proc.stderr)
    return pdfs


def opens(tmp_path: Path, name: str, data: bytes, min_bytes: int = 1000) -> Path:
    """Write ``data`` as ``tmp_path/name`` and convert it (see :func:`to_pdf`)."""
    return opens_all(tmp_path, {name: data}, min_bytes)[0]


def opens_all(tmp_path: Path, files: dict[str, bytes], min_bytes: int = 1000) -> list[Path]:
    """Write each file into ``tmp_path`` (names with distinct stems) and convert them all at once."""
    srcs = []
    for name, data in files.items():
        src = tmp_path / name
        src.write_bytes(data)
        srcs.append(src)
    return to_pdf(*srcs, min_bytes=min_bytes)
