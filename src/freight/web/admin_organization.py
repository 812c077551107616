"""Admin page for the organisation's settings: its name, units, locale, paper and zone.

Presentation only: what the pages and PDFs show; the API stays metric and UTC. The form
is validated with the API's own ``OrganizationUpdate``.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.identity import organization
from freight.identity.schemas import OrganizationUpdate
from freight.web.admin_forms import Errors, notice
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, submit
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
PAGE = "/app/admin/organization"
LOCALE_NAMES = {
    "en-US": "English (United States)",
    "en-CA": "English (Canada)",
    "en-GB": "English (United Kingdom)",
    "en-AU": "English (Australia)",
    "es-MX": "Español (México)",
    "fr-CA": "Français (Canada)",
    "fr-FR": "Français (France)",
    "de-DE": "Deutsch (Deutschland)",
    "es-ES": "Español (España)",
    "nl-NL": "Nederlands (Nederland)",
}
UNITS = [("imperial", "Miles and pounds"), ("metric", "Kilometres and kilograms")]
PAPER = [("letter", "Letter (8.5 by 11 in)"), ("a4", "A4 (210 by 297 mm)")]
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _render(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    errors: Errors | None = None,
    status_code: int = 200,
) -> Response:
    return renderer(request)(
        request,
        "admin_organization.html",
        actor=actor,
        status_code=status_code,
        values=values,
        errors=errors or {},
        locales=list(LOCALE_NAMES.items()),
        units=UNITS,
        paper=PAPER,
        zones=ZONES,
        notice=notice(request.query_params.get("done")),
    )


@router.get(PAGE)
async def organization_page(request: Request, actor: AdminUser, session: SessionDep) -> Response:
    """The settings form, filled with the saved settings."""
    org = await organization.get(session, actor)
    values = {name: str(getattr(org, name)) for name in organization.SETTINGS}
    return _render(request, actor, values)


@router.post(PAGE)
async def save_organization(
    request: Request, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Save the settings; every page and PDF follows them from the next request."""
    values = {name: text(form, name) for name in organization.SETTINGS}
    values["country"] = values["country"].upper()

    async def again(failure: Failure) -> Response:
        return _render(request, actor, values, failure.errors, failure.status)

    return await submit(
        ctx,
        session,
        lambda: organization.update(session, actor, OrganizationUpdate.model_validate(values)),
        done=f"{PAGE}?done=organization-saved",
        failed=again,
    )
