"""Admin pages for API keys: the list, creating a key (its secret shown once), revoking.

The secret exists only in the create call's result. To show it after a redirect (so a
reload cannot create a second key) it rides in a short-lived cookie, encrypted with the
field-encryption key, HttpOnly and limited to these pages; the page that shows it
deletes the cookie, so a reload finds nothing. The server never stores the secret.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.identity import api_keys
from freight.identity import service as identity
from freight.identity.schemas import ApiKeyCreate
from freight.security.encryption import EncryptionError, current_keyring
from freight.web.admin_forms import Errors, notice
from freight.web.auth import CsrfForm, see_other, text, web_role
from freight.web.forms import Failure, submit
from freight.web.templating import renderer

if TYPE_CHECKING:
    from freight.identity.models import ApiKey

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
KEYS = "/app/admin/api-keys"
FLASH = "freight_new_api_key"
FLASH_S = 300
KEY_ROLES = (Role.DISPATCHER, Role.DRIVER, Role.CUSTOMER, Role.ADMIN)
ROLES = [(r.value, r.value.title()) for r in KEY_ROLES]


async def _keys_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
    cursor: str | None = None,
) -> Response:
    keys, next_cursor = await api_keys.list_api_keys(session, actor, 100, cursor)
    creators = await identity.user_names(session, actor, {k.created_by for k in keys})
    return renderer(request)(
        request,
        "admin_keys.html",
        actor=actor,
        status_code=status_code,
        keys=keys,
        creators=creators,
        next_cursor=next_cursor,
        roles=ROLES,
        errors=errors or {},
        values=values or {"role": "dispatcher"},
        notice=notice(request.query_params.get("done")),
    )


@router.get(KEYS)
async def keys_page(
    request: Request, actor: AdminUser, session: SessionDep, cursor: str | None = None
) -> Response:
    """The organisation's API keys (never their secrets) and the form to make one."""
    return await _keys_page(request, actor, session, cursor=cursor)


@router.post(KEYS)
async def create_key(
    request: Request, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Create a key, then show its secret once on the next page."""
    values = {"name": text(form, "name"), "role": text(form, "role")}

    async def again(failure: Failure) -> Response:
        errors, status = failure.errors, failure.status
        return await _keys_page(
            request, actor, session, status_code=status, errors=errors, values=values
        )

    return await submit(
        ctx,
        session,
        lambda: api_keys.create_api_key(session, actor, ApiKeyCreate.model_validate(values)),
        done=lambda made: _show_once(ctx, actor, *made),
        failed=again,
    )


def _show_once(ctx: Context, actor: Actor, key: ApiKey, secret: str) -> Response:
    """To the page that shows the new key's secret, which rides in the flash cookie."""
    sealed = current_keyring().encrypt(
        json.dumps({"key": str(key.id), "user": str(actor.user_id), "secret": secret})
    )
    response = see_other(f"{KEYS}/{key.id}/created")
    response.set_cookie(
        FLASH,
        sealed,
        max_age=FLASH_S,
        path=KEYS,
        httponly=True,
        secure=ctx.settings.web_secure_cookies,
        samesite="strict",
    )
    return response


def _secret_for(request: Request, actor: Actor, key_id: uuid.UUID) -> str | None:
    """The secret in the flash cookie, if it is this key's and this admin's."""
    sealed = request.cookies.get(FLASH)
    if not sealed:
        return None
    try:
        held = json.loads(current_keyring().decrypt(sealed))
    except (EncryptionError, ValueError):
        return None
    if held.get("key") != str(key_id) or held.get("user") != str(actor.user_id):
        return None
    secret = held.get("secret")
    return secret if isinstance(secret, str) else None


@router.get(KEYS + "/{key_id:uuid}/created")
async def created_key(
    key_id: uuid.UUID, request: Request, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """The new key's secret, this one time; afterwards only a note that it was shown."""
    key = await api_keys.get_api_key(session, actor, key_id)
    secret = _secret_for(request, actor, key_id)
    response = renderer(request)(
        request, "admin_key_created.html", actor=actor, key=key, secret=secret
    )
    response.delete_cookie(
        FLASH, path=KEYS, secure=ctx.settings.web_secure_cookies, httponly=True, samesite="strict"
    )
    return response


@router.post(KEYS + "/{key_id:uuid}/revoke")
async def revoke_key(
    key_id: uuid.UUID, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Revoke a key: it answers 401 from now on."""
    return await submit(
        ctx,
        session,
        lambda: api_keys.revoke_api_key(session, actor, key_id),
        done=f"{KEYS}?done=key-revoked",
    )
