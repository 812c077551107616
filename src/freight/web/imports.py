"""The import page (dispatchers and admins): upload a CSV file of shipments, drivers,
vehicles or shipper accounts, check it (a dry run: every row's errors, nothing written),
then import it; the page shows the counts and each error by row and column.

The file is read only after the caller's role is checked, then its CSRF token; the
import itself is ``freight.imports.service``, as for ``POST /api/imports/{kind}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.errors import ValidationFailed
from freight.imports import service, upload
from freight.imports.kinds import Tools
from freight.imports.schemas import ImportResult
from freight.security.web_sessions import CSRF_FIELD, check_csrf
from freight.web.auth import text, web_role
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)

Staff = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
KIND_LABELS = {
    "shipments": "Shipments",
    "drivers": "Drivers",
    "vehicles": "Vehicles",
    "customers": "Shipper accounts",
}


def _page(
    request: Request,
    actor: Actor,
    *,
    kind: str = "shipments",
    result: ImportResult | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    columns = {
        name: [(c, c in k.columns.required) for c in k.columns.known]
        for name, k in service.KINDS.items()
    }
    return renderer(request)(
        request,
        "imports.html",
        actor=actor,
        status_code=status_code,
        kinds=list(KIND_LABELS.items()),
        kind=kind,
        kind_label=KIND_LABELS.get(kind, kind),
        columns=columns,
        result=result,
        errors=errors or {},
    )


@router.get("/app/imports")
async def imports_page(request: Request, actor: Staff) -> Response:
    """The upload form, with the columns each kind takes."""
    return _page(request, actor, kind=request.query_params.get("kind", "shipments"))


@router.post("/app/imports")
async def import_file(
    request: Request, actor: Staff, session: SessionDep, ctx: Context
) -> Response:
    """Check the file ("Check file": a dry run) or import it ("Import"); show the result."""
    kind = "shipments"
    try:
        form = await upload.read_form(request)
    except ValidationFailed as exc:
        return _page(request, actor, errors={"file": _said(exc)}, status_code=422)
    try:
        check_csrf(request, text(form, CSRF_FIELD) or None)
        kind = text(form, "kind")
        if kind not in service.KINDS:
            errors = {"kind": "Choose what the file holds."}
            return _page(request, actor, errors=errors, status_code=422)
        result = await service.run(
            session,
            actor,
            service.KINDS[kind],
            upload.csv_file(form).file,
            dry_run=text(form, "action") != "import",
            tools=Tools.of(ctx.router, ctx.geocoder),
            commit=ctx.commit,
            max_bytes=ctx.settings.import_max_file_bytes,
        )
    except ValidationFailed as exc:
        return _page(request, actor, kind=kind, errors={"file": _said(exc)}, status_code=422)
    finally:
        await form.close()
    return _page(request, actor, kind=kind, result=result)


def _said(exc: ValidationFailed) -> str:
    """What is wrong with the file, as one sentence per problem."""
    found: list[Any] = [e.get("msg") for e in exc.errors] or [exc.detail]
    return "; ".join(str(m)[:1].upper() + str(m)[1:] for m in found if m) + "."
