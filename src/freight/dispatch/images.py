"""Proof-of-delivery images, decoded and written anew: what is stored is pixels only.

A file that merely starts like a PNG could carry anything after its header (a script,
a polyglot, megabytes of metadata, GPS coordinates in EXIF). Decoding it with Pillow
proves it is an image; re-encoding it keeps only the pixels, with the EXIF orientation
applied rather than stored. The pixel count is checked from the header before decoding,
so a small file that would expand to gigabytes (a decompression bomb) is refused unread.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

# Freight's kind -> Pillow's format name (what the file is stored as).
FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}
# Modes each format can store without conversion.
_MODES = {"PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}, "JPEG": {"L", "RGB", "CMYK"}}


class ImageRejected(ValueError):
    """The upload is not an image Freight will store; the message says why."""


def sanitise(data: bytes, kind: str, max_pixels: int) -> bytes:
    """The image re-encoded as ``kind`` without metadata, or ``ImageRejected``."""
    expected = FORMATS[kind]
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit raises) on huge images; the explicit
            # check below decides, and must not depend on Pillow's global default.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise _too_many(max_pixels)
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _encode(upright, expected)
    except ImageRejected:
        raise
    except Image.DecompressionBombError:  # Pillow's own ceiling, met while reading the header
        raise _too_many(max_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRejected(f"not a readable {kind.upper()} image") from None


def _too_many(max_pixels: int) -> ImageRejected:
    return ImageRejected(f"the image has more than the {max_pixels} pixels allowed")


def _encode(image: Image.Image, fmt: str) -> bytes:
    allowed = _MODES.get(fmt)
    if allowed is not None and image.mode not in allowed:
        image = image.convert("RGBA" if fmt == "PNG" else "RGB")
    elif fmt == "WEBP" and image.mode not in {"RGB", "RGBA"}:
        image = image.convert(
            "RGBA" if "A" in image.mode or "transparency" in image.info else "RGB"
        )
    # A fresh info dict: no EXIF, XMP, ICC, text chunks or comments are written back.
    image.info = {}
    out = io.BytesIO()
    options: dict[str, object] = {"exif": b""}
    if fmt == "JPEG":
        options["quality"] = 90
    image.save(out, format=fmt, **options)
    return out.getvalue()
