"""Reading a proof-of-delivery upload, for the API and the driver's page alike.

Both routes resolve the caller and check they may deliver the shipment before calling
this: nothing of a multipart body is read for a stranger. The body's bytes are capped by
``BodyLimitMiddleware`` as they stream; the parser here caps the number of files and
fields as they arrive, spooling each file to disk past 1 MiB (never the whole in memory).
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from freight.errors import ValidationFailed

MAX_FIELDS = 20  # recipient, position, time, CSRF token, with room to spare
MAX_FIELD_BYTES = 64 * 1024


async def read_pod_form(request: Request, max_photos: int) -> FormData:
    """The posted form with at most one signature and ``max_photos`` photos, or a 422."""
    try:
        return await request.form(
            max_files=max_photos + 1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
        )
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        detail = str(exc.detail)
        field = "photos" if "files" in detail.lower() else "form"
        msg = f"at most {max_photos} photos and one signature" if field == "photos" else detail
        raise ValidationFailed(
            "the proof of delivery is not valid", errors=[{"loc": ["body", field], "msg": msg}]
        ) from None
