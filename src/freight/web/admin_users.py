"""Admin pages for users: the list, adding a user with a role (customers with their
shipper account), changing a role, and deactivating or reactivating someone.

Writes go through ``identity.service`` as ``/api/users`` does; the events they record
drop the cached principal once committed, so a new role or a deactivation applies at once.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.context import AppContext
from freight.deps import Context, SessionDep
from freight.errors import Conflict
from freight.identity import accounts as shipper_accounts
from freight.identity import service as identity
from freight.identity.schemas import UserCreate, UserUpdate
from freight.web.admin_forms import Errors, notice, parse_uuid
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, submit
from freight.web.templating import renderer
from freight.web.wording import KIND_WORDS

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
USER_ROLES = (Role.CUSTOMER, Role.DISPATCHER, Role.DRIVER, Role.ADMIN)
ROLES = [(r.value, r.value.title()) for r in USER_ROLES]
FIELDS = {"email": "email", "full_name": "full_name", "role": "role", "password": "password"}
FIELDS |= {"phone": "phone", "customer_id": "customer_id"}
NO_ACCOUNT = "Choose the shipper account this customer books for"


def _errors(errors: Errors) -> Errors:
    if errors.get("customer_id") == KIND_WORDS["missing"]:
        errors["customer_id"] = NO_ACCOUNT
    return errors


async def _list_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    ctx: AppContext,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
    cursor: str | None = None,
) -> Response:
    users, next_cursor = await identity.list_users(session, actor, 100, cursor)
    accounts = await shipper_accounts.choices(session, actor)
    return renderer(request)(
        request,
        "admin_users.html",
        actor=actor,
        status_code=status_code,
        users=users,
        next_cursor=next_cursor,
        accounts=accounts,
        names={a.id: a.name for a in accounts},
        roles=ROLES,
        errors=errors or {},
        values=values or {"role": "customer"},
        min_password=ctx.settings.password_min_length,
        notice=notice(request.query_params.get("done")),
    )


@router.get("/app/admin/users")
async def users_page(
    request: Request, actor: AdminUser, session: SessionDep, ctx: Context, cursor: str | None = None
) -> Response:
    """The organisation's users, and the form to add one."""
    return await _list_page(request, actor, session, ctx, cursor=cursor)


@router.post("/app/admin/users")
async def create_user(
    request: Request, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Add a user; a customer needs the shipper account they book for."""
    values = {name: text(form, name) for name in ("email", "full_name", "role", "customer_id")}
    body = _new_user(values, form.get("password"))

    async def again(failure: Failure) -> Response:
        errors = _errors(failure.errors)
        if isinstance(failure.error, Conflict):  # the only conflict here: the email is taken
            errors = {"email": errors.get("form", "A user with this email already exists")}
        status = failure.status
        return await _list_page(
            request, actor, session, ctx, status_code=status, errors=errors, values=values
        )

    min_length = ctx.settings.password_min_length
    return await submit(
        ctx,
        session,
        lambda: identity.create_user(
            session, actor, ctx.passwords, UserCreate.model_validate(body), min_length
        ),
        done="/app/admin/users?done=user-created",  # a new user has no cached principal
        failed=again,
        fields=FIELDS,
    )


def _new_user(values: dict[str, str], password: object) -> dict[str, Any]:
    """The ``UserCreate`` body of the add-user form (a customer's account only for them)."""
    body: dict[str, Any] = {
        "email": values["email"],
        "full_name": values["full_name"],
        "role": values["role"],
        "password": password if isinstance(password, str) else "",
    }
    if values["role"] == Role.CUSTOMER:
        body["customer_id"] = parse_uuid(values["customer_id"])
    return body


async def _user_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    user_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    user = await identity.get_user(session, actor, user_id)
    accounts = await shipper_accounts.choices(session, actor)
    return renderer(request)(
        request,
        "admin_user.html",
        actor=actor,
        status_code=status_code,
        user=user,
        accounts=accounts,
        account_name=next((a.name for a in accounts if a.id == user.customer_id), ""),
        roles=ROLES,
        errors=errors or {},
        values=values or {"role": user.role, "customer_id": str(user.customer_id or "")},
        is_self=user.id == actor.user_id,
        notice=notice(request.query_params.get("done")),
    )


@router.get("/app/admin/users/{user_id:uuid}")
async def user_page(
    user_id: uuid.UUID, request: Request, actor: AdminUser, session: SessionDep
) -> Response:
    """One user: their role and account, and whether they may sign in."""
    return await _user_page(request, actor, session, user_id)


async def _update(
    request: Request,
    actor: Actor,
    session: SessionDep,
    ctx: AppContext,
    user_id: uuid.UUID,
    body: dict[str, Any],
    values: dict[str, str],
    done: str,
) -> Response:
    async def again(failure: Failure) -> Response:
        errors, status = _errors(failure.errors), failure.status
        return await _user_page(
            request, actor, session, user_id, status_code=status, errors=errors, values=values
        )

    min_length = ctx.settings.password_min_length
    return await submit(
        ctx,  # its commit publishes the notice that closes the user's sockets
        session,
        lambda: identity.update_user(
            session, actor, ctx.passwords, user_id, UserUpdate.model_validate(body), min_length
        ),
        done=f"/app/admin/users/{user_id}?done={done}",
        failed=again,
        fields=FIELDS,
    )


@router.post("/app/admin/users/{user_id:uuid}/role")
async def change_role(
    user_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Give a user another role (a customer also gets their account)."""
    values = {"role": text(form, "role"), "customer_id": text(form, "customer_id")}
    customer = parse_uuid(values["customer_id"]) if values["role"] == Role.CUSTOMER else None
    body = {"role": values["role"], "customer_id": customer}
    return await _update(request, actor, session, ctx, user_id, body, values, "user-updated")


@router.post("/app/admin/users/{user_id:uuid}/active")
async def set_active(
    user_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Deactivate (their sessions end at once) or reactivate a user."""
    active = text(form, "active") == "true"
    done = "user-reactivated" if active else "user-deactivated"
    return await _update(request, actor, session, ctx, user_id, {"is_active": active}, {}, done)
