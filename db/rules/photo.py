"""Photos decoded and bounded before they are stored (issue #24 item 2).

A grid event photo that only started like a JPEG, a truncated upload, or a 15000×15000 PNG was
stored as sent; opening that event then failed for every role. So an upload is decoded whole
(Pillow), refused above ``MAX_PIXELS`` before its pixels are decoded, turned upright by its EXIF
orientation, scaled to ``MAX_SIDE`` and stored as a fresh JPEG: what is kept is always an image
the console made itself, and carries no EXIF (no GPS position of the photographer).
``displayable`` says whether an already stored photo can be shown, for the pages' placeholder.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from db.errors import ValidationError

MAX_PIXELS = 40_000_000  # a 40-megapixel camera; a 15000×15000 "photo" is 225
MAX_SIDE = 2048  # what is stored: enough to read a sign on a wall
JPEG_QUALITY = 85
UNREADABLE = "照片无法识别（文件已损坏、不完整或不是图片），请重新拍摄或选择。"


def _open_bounded(data: bytes) -> Image.Image:
    """The image with its header read and its size checked, pixels not yet decoded."""
    too_big = "照片像素过大，请使用不超过4000万像素的照片。"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # Pillow's own limit
        raise ValidationError(too_big, field="photo") from exc
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise ValidationError(f"{too_big[:-1]}（当前 {w}×{h}）。", field="photo")
    return im


def reencode(data: bytes) -> bytes:
    """The photo as the console stores it (a JPEG of at most ``MAX_SIDE`` pixels a side), or a
    ValidationError in Chinese."""
    try:
        im = _open_bounded(data)
        if im.format not in ("JPEG", "PNG", "WEBP"):
            raise ValidationError("照片须为JPEG、PNG或WebP格式的图片。", field="photo")
        im.load()  # decode every pixel now: a truncated file fails here, not on the page
        im = ImageOps.exif_transpose(im)
        if im.mode not in ("RGB", "L"):
            rgba = im.convert("RGBA")
            im = Image.new("RGB", rgba.size, "white")
            im.paste(rgba, mask=rgba.getchannel("A"))
        im.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, MemoryError) as exc:
        raise ValidationError(UNREADABLE, field="photo") from exc


def displayable(data: bytes | None) -> bool:
    """Whether a stored photo can be drawn (photos stored before uploads were re-encoded)."""
    if not data:
        return False
    try:
        im = _open_bounded(data)
        im.load()
        return True
    except Exception:  # noqa: BLE001 - any failure means: show the placeholder
        return False
