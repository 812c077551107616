"""A receipt (a lumper's, say) checked by what it is, not by its name: an image, decoded
and written anew like a proof's photos, or a PDF that opens and has a page."""

from __future__ import annotations

import io

import anyio
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from freight.dispatch import images
from freight.dispatch.pod import PodLimits, Upload, sniff_image
from freight.errors import invalid

IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
TYPES = {**IMAGE_TYPES, "pdf": "application/pdf"}


def _opens_as_pdf(data: bytes) -> bool:
    try:
        return len(PdfReader(io.BytesIO(data)).pages) > 0
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return False


async def check(upload: Upload, limits: PodLimits) -> tuple[bytes, str]:
    """The receipt's bytes to store and its kind (``png``, ``jpg``, ``webp``, ``pdf``),
    or a 422 naming the field."""
    if len(upload.data) > limits.max_file_bytes:
        raise invalid("body", upload.field, msg="the receipt is too large")
    if upload.data.startswith(b"%PDF-"):
        if not await anyio.to_thread.run_sync(_opens_as_pdf, upload.data):
            raise invalid("body", upload.field, msg="the receipt is not a readable PDF")
        return upload.data, "pdf"
    kind = sniff_image(upload.data)
    if kind is None:
        raise invalid("body", upload.field, msg="the receipt must be a photo or a PDF")
    try:
        data = await anyio.to_thread.run_sync(images.sanitise, upload.data, kind, limits.max_pixels)
    except images.ImageRejected as exc:
        raise invalid("body", upload.field, msg=str(exc)) from None
    return data, kind
