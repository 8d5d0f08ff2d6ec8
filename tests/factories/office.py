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
        unavailable("LibreOffice (soffice) is not installed: cannot prove the file opens "
                    "(scripts/install.sh --dev installs it)")
    return exe  # type: ignore[return-value]


def to_pdf(src: Path, min_bytes: int = 1000) -> Path:
    """Convert ``src`` to PDF beside it; assert LibreOffice succeeded and wrote a real PDF."""
    exe = soffice()
    outdir = src.parent
    profile = outdir / f".lo-profile-{src.stem}"
    proc = subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(outdir), str(src)], capture_output=True, text=True, timeout=180)
    pdf = outdir / (src.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) >= min_bytes, (len(data), proc.stdout + proc.stderr)
    return pdf


def opens(tmp_path: Path, name: str, data: bytes, min_bytes: int = 1000) -> Path:
    """Write ``data`` as ``tmp_path/name`` and convert it (see :func:`to_pdf`)."""
    src = tmp_path / name
    src.write_bytes(data)
    return to_pdf(src, min_bytes)
