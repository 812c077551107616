"""Reading the uploaded file of an import, for the API and the import page alike.

Both routes resolve the caller and check their role before calling this: nothing of a
multipart body is read for a stranger. The body's bytes are capped by
``BodyLimitMiddleware`` as they stream; the parser spools the file to disk past 1 MiB.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from freight.imports.reading import file_error

MAX_FIELDS = 10  # the file, the CSRF token, the kind, the button
MAX_FIELD_BYTES = 64 * 1024
# What browsers and tools call a CSV file (Windows says Excel for any .csv).
CSV_TYPES = frozenset(
    {"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "text/x-csv"}
)
CSV_SUFFIXES = (".csv", ".txt")


async def read_form(request: Request) -> FormData:
    """The posted multipart form (one file at most), or a 422 naming ``file``."""
    try:
        return await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        raise file_error(f"send one CSV file as multipart/form-data: {exc.detail}") from None


def csv_file(form: FormData) -> UploadFile:
    """The form's ``file``, when it is (called) a CSV file; its content is checked later."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise file_error("attach the CSV file as the form field 'file'")
    named_csv = (upload.filename or "").lower().endswith(CSV_SUFFIXES)
    kind = (upload.content_type or "").split(";")[0].strip().lower()
    if not named_csv and kind not in CSV_TYPES:
        raise file_error(
            f"not a CSV file ({kind or 'no type'}); save the sheet as CSV UTF-8 and send that"
        )
    return upload
