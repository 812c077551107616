"""Admin pages for webhooks: the endpoints, making one (its secret shown once), editing,
rotating the secret, deleting, and each endpoint's delivery log with replays.

A new or rotated secret reaches the next page the way a new API key's does
(``admin_keys``): sealed in a short-lived, HttpOnly cookie limited to these pages, which
the page that shows it deletes. The server keeps the secret only encrypted, to sign with.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.security.encryption import EncryptionError, current_keyring
from freight.web.admin_forms import Errors, notice
from freight.web.auth import CsrfForm, see_other, text, web_role
from freight.web.forms import Failure, Invalid, submit
from freight.web.templating import renderer
from freight.webhooks import service
from freight.webhooks.catalog import EVENT_TYPES
from freight.webhooks.schemas import EndpointCreate, EndpointUpdate

if TYPE_CHECKING:
    from freight.webhooks.models import WebhookEndpoint

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
HOOKS = "/app/admin/webhooks"
FLASH = "freight_new_webhook_secret"
FLASH_S = 300
OVERLAPS = [("24", "24 hours"), ("1", "1 hour"), ("72", "3 days"), ("0", "No overlap")]


def _values(form: FormData) -> dict[str, Any]:
    ticked = [v for v in form.getlist("event_types") if isinstance(v, str)]
    return {
        "url": text(form, "url"),
        "description": text(form, "description"),
        "event_types": ticked or None,
        "enabled": form.get("enabled") == "on",
    }


async def _list_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    endpoints, next_cursor = await service.list_endpoints(
        session, actor, 100, request.query_params.get("cursor")
    )
    return renderer(request)(
        request,
        "admin_webhooks.html",
        actor=actor,
        status_code=status_code,
        endpoints=endpoints,
        next_cursor=next_cursor,
        event_types=EVENT_TYPES,
        errors=errors or {},
        values=values or {"enabled": True},
        notice=notice(request.query_params.get("done")),
    )


@router.get(HOOKS)
async def webhooks_page(request: Request, actor: AdminUser, session: SessionDep) -> Response:
    """The organisation's endpoints and the form to add one."""
    return await _list_page(request, actor, session)


@router.post(HOOKS)
async def create_webhook(
    request: Request, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Add an endpoint, then show its secret once."""
    values = _values(form)

    async def again(failure: Failure) -> Response:
        return await _list_page(
            request, actor, session, status_code=failure.status, errors=failure.errors,
            values=values,
        )  # fmt: skip

    async def create() -> tuple[WebhookEndpoint, str]:
        body = EndpointCreate.model_validate(values)
        return await service.create_endpoint(session, actor, body, ctx.settings)

    return await submit(
        ctx, session, create, done=lambda made: _show_once(ctx, actor, *made), failed=again
    )


def _show_once(ctx: Context, actor: Actor, endpoint: WebhookEndpoint, secret: str) -> Response:
    sealed = current_keyring().encrypt(
        json.dumps({"endpoint": str(endpoint.id), "user": str(actor.user_id), "secret": secret})
    )
    response = see_other(f"{HOOKS}/{endpoint.id}/secret")
    response.set_cookie(
        FLASH, sealed, max_age=FLASH_S, path=HOOKS, httponly=True,
        secure=ctx.settings.web_secure_cookies, samesite="strict",
    )  # fmt: skip
    return response


def _secret_for(request: Request, actor: Actor, endpoint_id: uuid.UUID) -> str | None:
    try:
        held = json.loads(current_keyring().decrypt(request.cookies.get(FLASH) or ""))
    except (EncryptionError, ValueError):
        return None
    mine = held.get("endpoint") == str(endpoint_id) and held.get("user") == str(actor.user_id)
    secret = held.get("secret") if mine else None
    return secret if isinstance(secret, str) else None


@router.get(HOOKS + "/{endpoint_id:uuid}/secret")
async def webhook_secret(
    endpoint_id: uuid.UUID, request: Request, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """The new secret, this one time; afterwards a note that it was shown."""
    endpoint = await service.get_endpoint(session, actor, endpoint_id)
    secret = _secret_for(request, actor, endpoint_id)
    response = renderer(request)(
        request, "admin_webhook_secret.html", actor=actor, endpoint=endpoint, secret=secret
    )
    response.delete_cookie(
        FLASH, path=HOOKS, secure=ctx.settings.web_secure_cookies, httponly=True,
        samesite="strict",
    )  # fmt: skip
    return response


async def _detail_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    endpoint_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    endpoint = await service.get_endpoint(session, actor, endpoint_id)
    status = request.query_params.get("status")
    deliveries, next_cursor = await service.list_deliveries(
        session, actor, endpoint_id, 25, request.query_params.get("cursor"),
        status if status in ("pending", "delivered", "dead") else None,
    )  # fmt: skip
    shown = values or {
        "url": endpoint.url,
        "description": endpoint.description or "",
        "event_types": endpoint.event_types,
        "enabled": endpoint.enabled,
    }
    return renderer(request)(
        request,
        "admin_webhook.html",
        actor=actor,
        status_code=status_code,
        endpoint=endpoint,
        deliveries=deliveries,
        next_cursor=next_cursor,
        event_types=EVENT_TYPES,
        overlaps=OVERLAPS,
        errors=errors or {},
        values=shown,
        notice=notice(request.query_params.get("done")),
    )


@router.get(HOOKS + "/{endpoint_id:uuid}")
async def webhook_page(
    endpoint_id: uuid.UUID, request: Request, actor: AdminUser, session: SessionDep
) -> Response:
    """One endpoint: its settings and its delivery log."""
    return await _detail_page(request, actor, session, endpoint_id)


def _again(
    request: Request, actor: Actor, session: SessionDep, endpoint_id: uuid.UUID, values: Any
) -> Callable[[Failure], Awaitable[Response]]:
    async def again(failure: Failure) -> Response:
        return await _detail_page(
            request, actor, session, endpoint_id, status_code=failure.status,
            errors=failure.errors, values=values,
        )  # fmt: skip

    return again


@router.post(HOOKS + "/{endpoint_id:uuid}")
async def update_webhook(
    endpoint_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Save the URL, description, event types and whether it is on."""
    values = _values(form)

    async def update() -> object:
        body = EndpointUpdate.model_validate(values)
        return await service.update_endpoint(session, actor, endpoint_id, body, ctx.settings)

    return await submit(
        ctx, session, update, done=f"{HOOKS}/{endpoint_id}?done=webhook-saved",
        failed=_again(request, actor, session, endpoint_id, values), error_page=(404,),
    )  # fmt: skip


@router.post(HOOKS + "/{endpoint_id:uuid}/rotate")
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """A new secret, shown once; the old one also signs during the chosen overlap."""
    hours = text(form, "overlap_hours")
    overlap = timedelta(hours=float(hours)) if hours in dict(OVERLAPS) else timedelta(hours=24)
    return await submit(
        ctx,
        session,
        lambda: service.rotate_secret(session, actor, endpoint_id, overlap),
        done=lambda made: _show_once(ctx, actor, *made),
    )


@router.post(HOOKS + "/{endpoint_id:uuid}/delete")
async def delete_webhook(
    endpoint_id: uuid.UUID, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Delete the endpoint, its pending deliveries and its log."""
    return await submit(
        ctx,
        session,
        lambda: service.delete_endpoint(session, actor, endpoint_id),
        done=f"{HOOKS}?done=webhook-deleted",
    )


@router.post(HOOKS + "/{endpoint_id:uuid}/replay")
async def replay_webhook(
    endpoint_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Deliver again everything after an event id."""
    raw = text(form, "since_event_id")

    async def replay() -> object:
        if not raw.isdigit() or len(raw) > 18:
            raise Invalid({"since_event_id": "Enter an event id: a whole number, 0 for all"})
        return await service.replay_since(session, actor, endpoint_id, int(raw), ctx.settings)

    response = await submit(
        ctx, session, replay, done=f"{HOOKS}/{endpoint_id}?done=webhook-replayed",
        failed=_again(request, actor, session, endpoint_id, None), error_page=(404,),
    )  # fmt: skip
    await ctx.wake_worker()
    return response


@router.post(HOOKS + "/deliveries/{delivery_id:uuid}/replay")
async def replay_delivery(
    delivery_id: uuid.UUID, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Deliver one delivery again, with the same webhook-id."""
    response = await submit(
        ctx,
        session,
        lambda: service.replay_delivery(session, actor, delivery_id, ctx.settings),
        done=lambda d: f"{HOOKS}/{d.job.target}?done=delivery-replayed",
    )
    await ctx.wake_worker()
    return response
