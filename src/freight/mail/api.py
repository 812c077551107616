"""Mail routes: password resets (anyone), mail preferences (users), the mail log (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from freight.deps import (
    DEFAULT_LIMIT,
    Admin,
    Context,
    CurrentUser,
    Cursor,
    Limit,
    SessionDep,
    client_address,
)
from freight.identity.service import normalise_email
from freight.mail import service
from freight.mail.catalog import TYPES
from freight.mail.schemas import (
    MailPage,
    MailRead,
    Notifications,
    NotificationsUpdate,
    PasswordResetConfirm,
    PasswordResetRequest,
    ResetAccepted,
)
from freight.openapi import problems

resets = APIRouter(prefix="/api/auth/password-reset", tags=["auth"])
me = APIRouter(prefix="/api/me", tags=["mail"])
log = APIRouter(prefix="/api/mail", tags=["mail"])


@resets.post("", status_code=status.HTTP_202_ACCEPTED, responses=problems(429))
async def request_reset(
    body: PasswordResetRequest, request: Request, session: SessionDep, ctx: Context
) -> ResetAccepted:
    """Mail a single-use reset link to each account of this address. The answer is the
    same whether or not one exists."""
    await ctx.limits.hit(ctx.limits.login, "reset-address", client_address(request))
    await ctx.limits.hit(ctx.limits.login, "reset-email", normalise_email(body.email))
    await service.request_reset(session, ctx.settings, body.email)
    await ctx.commit(session)
    return ResetAccepted()


@resets.post("/confirm", status_code=status.HTTP_204_NO_CONTENT, responses=problems(429))
async def confirm_reset(
    body: PasswordResetConfirm, request: Request, session: SessionDep, ctx: Context
) -> Response:
    """Set a new password with a reset link's token; every session of the account ends."""
    await ctx.limits.hit(ctx.limits.login, "reset-confirm", client_address(request))
    await service.confirm_reset(session, ctx.settings, ctx.passwords, body.token, body.password)
    await ctx.commit(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _notifications(chosen: dict[str, bool]) -> Notifications:
    return Notifications(mails=chosen, labels={n: TYPES[n].label for n in chosen})


@me.get("/notifications")
async def get_notifications(actor: CurrentUser, session: SessionDep) -> Notifications:
    """Which mails the caller gets."""
    return _notifications(await service.preferences(session, actor))


@me.put("/notifications")
async def put_notifications(
    body: NotificationsUpdate, actor: CurrentUser, session: SessionDep, ctx: Context
) -> Notifications:
    """Turn mails on (true) or off (false); mails not named stay as they are."""
    chosen = await service.set_preferences(session, actor, body.mails)
    await ctx.commit(session)
    return _notifications(chosen)


@log.get("/messages")
async def list_messages(
    actor: Admin, session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> MailPage:
    """The organisation's mails, newest first, with how each one ended."""
    rows, next_cursor = await service.list_messages(session, actor, limit, cursor)
    return MailPage(items=[MailRead.model_validate(r) for r in rows], next_cursor=next_cursor)
