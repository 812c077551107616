"""Admin pages (admins only): the index, and the routers for users, API keys, rates and
invoice management, each in its own ``admin_*`` module."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.billing import rates
from freight.deps import SessionDep
from freight.identity import api_keys
from freight.web import (
    admin_invoicing,
    admin_keys,
    admin_organization,
    admin_outbox,
    admin_rates,
    admin_users,
    admin_webhooks,
)
from freight.web.auth import web_role
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)
for part in (
    admin_users,
    admin_keys,
    admin_rates,
    admin_invoicing,
    admin_organization,
    admin_webhooks,
    admin_outbox,
):
    router.include_router(part.router)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]


@router.get("/app/admin")
async def admin_index(request: Request, actor: AdminUser, session: SessionDep) -> Response:
    """Where the admin pages start, with a count of what each holds."""
    users, keys = await api_keys.active_counts(session, actor)
    card = await rates.card_for(session, actor.organization_id)
    return renderer(request)(
        request,
        "admin_index.html",
        actor=actor,
        active_users=users,
        live_keys=keys,
        card=card,
    )
