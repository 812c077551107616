"""Routes for CSV imports and the exports in the same columns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import StreamingResponse

from freight.deps import Context, SessionDep, Staff
from freight.imports import export, service, upload
from freight.imports.kinds import Tools
from freight.imports.schemas import ImportResult, KindName
from freight.openapi import problems

imports = APIRouter(prefix="/api/imports", tags=["imports"])
exports = APIRouter(prefix="/api/exports", tags=["imports"])

KindPath = Annotated[
    KindName, Path(description="shipments, drivers, vehicles or customers (shipper accounts)")
]
UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the CSV file: UTF-8 (a byte-order mark is fine), "
                            "a header row naming the kind's columns (see the README)",
                        }
                    },
                }
            }
        },
    }
}


@imports.post("/{kind}", openapi_extra=UPLOAD_FORM, responses=problems(413))
async def import_csv(
    kind: KindPath,
    request: Request,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    dry_run: Annotated[bool, Query(description="true: check every row and write nothing")] = False,
) -> ImportResult:
    """Import a CSV file of one kind; every row is checked by the API's own rules.

    Rows are numbered as a spreadsheet shows them (the header is row 1), and each error
    names its column. Valid rows are created 500 to a transaction; rows with errors are
    not. A row whose ``id``, ``external_ref`` (or a vehicle's ``number``, a shipment's
    ``reference``) names a record already there is counted in ``skipped`` and left as it
    is, so importing a file again creates nothing new. ``dry_run=true`` reports the same
    counts and errors and writes nothing. A file that is too large, not UTF-8 CSV, or
    whose header lacks a required column is a 422 naming ``file``.
    """
    form = await upload.read_form(request)  # read only once the caller may import
    try:
        file = upload.csv_file(form)
        return await service.run(
            session,
            actor,
            service.KINDS[kind],
            file.file,
            dry_run=dry_run,
            tools=Tools.of(ctx.router, ctx.geocoder),
            commit=ctx.commit,
            max_bytes=ctx.settings.import_max_file_bytes,
        )
    finally:
        await form.close()


@exports.get("/{kind}", response_class=StreamingResponse)
async def export_csv(kind: KindPath, actor: Staff, ctx: Context) -> StreamingResponse:
    """Every record of one kind as CSV in the import's columns, newest first (503 when
    too many exports are running). Importing it again creates nothing: each row's ``id``
    is there already."""
    return await export.open_export(
        ctx.read_sessions,
        ctx.exports,
        actor,
        service.KINDS[kind],
        ctx.settings.export_send_timeout_s,
    )
