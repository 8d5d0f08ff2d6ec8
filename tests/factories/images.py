"""Real small images (Pillow) and images that only look like one, for the photo tests."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    """A real image in ``fmt`` (JPEG, PNG, WEBP)."""
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 128).save(out, fmt)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` pixels and that holds almost nothing:
    the size is known before a single pixel is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


JPEG = image("JPEG")
PNG = image("PNG")
WEBP = image("WEBP")
FAKE_JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64  # starts like a JPEG, is not one
