"""Pages for one's own mail: choosing which mails come, unsubscribing from a link (no
sign-in), and the forgotten-password pair (ask for a link, use it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from freight.deps import Context, SessionDep, client_address
from freight.errors import DomainError, RateLimited, ValidationFailed
from freight.identity.service import normalise_email
from freight.mail import service, tokens
from freight.mail.transport import masked
from freight.web import wording
from freight.web.auth import CsrfForm, WebUser, see_other, text
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)
MINE = "/app/me/notifications"


@router.get(MINE)
async def my_mails(request: Request, actor: WebUser, session: SessionDep) -> Response:
    """The caller's mail choices, one box per mail."""
    chosen = await service.preferences(session, actor)
    choices = service.choices_for(actor.role)
    saved = request.query_params.get("done") == "saved"
    return renderer(request)(
        request, "my_notifications.html", actor=actor, choices=choices, chosen=chosen, saved=saved
    )


@router.post(MINE)
async def save_my_mails(
    request: Request, actor: WebUser, form: CsrfForm, session: SessionDep, ctx: Context
) -> Response:
    """Save the boxes: a ticked box is a mail wanted."""
    ticked = {v for v in form.getlist("mails") if isinstance(v, str)}
    wanted = {t.name: t.name in ticked for t in service.choices_for(actor.role)}
    await service.set_preferences(session, actor, wanted)
    await ctx.commit(session)
    return see_other(f"{MINE}?done=saved")


def _wish(request: Request, ctx: Context) -> tokens.Unsubscribe | None:
    token = request.query_params.get("token") or ""
    try:
        return tokens.read_unsubscribe(ctx.settings.secret_key.get_secret_value(), token)
    except tokens.BadToken:
        return None


def _bad_link(request: Request) -> Response:
    return renderer(request)(
        request,
        "error.html",
        status_code=400,
        title="This link does not work",
        detail="The unsubscribe link is incomplete or was changed. Copy the whole link from "
        "the mail, or sign in and choose your mails under your name.",
    )


@router.get("/app/unsubscribe")
async def unsubscribe_form(request: Request, ctx: Context) -> Response:
    """Confirm before stopping (a link checker that opens the link stops nothing)."""
    wish = _wish(request, ctx)
    if wish is None:
        return _bad_link(request)
    label = service.label_of(wish.mail)
    return renderer(request)(
        request,
        "unsubscribe.html",
        to=masked(wish.email),
        label=label,
        token=request.query_params["token"],
        done=False,
    )


@router.post("/app/unsubscribe")
async def unsubscribe(request: Request, ctx: Context, session: SessionDep) -> Response:
    """Stop the mail: the page's button, or a mail client's one-click (RFC 8058) POST."""
    wish = _wish(request, ctx)
    if wish is None:
        return _bad_link(request)
    try:
        label = await service.unsubscribe(session, wish)
    except tokens.BadToken:
        return _bad_link(request)
    await ctx.commit(session)
    return renderer(request)(
        request, "unsubscribe.html", to=masked(wish.email), label=label, token="", done=True
    )


@router.get("/app/forgot-password")
async def forgot_form(request: Request) -> Response:
    return renderer(request)(request, "forgot_password.html", email="", error=None, sent=False)


@router.post("/app/forgot-password")
async def forgot(request: Request, form: CsrfForm, ctx: Context, session: SessionDep) -> Response:
    """Send the link (the page says the same whether the address has an account)."""
    email = text(form, "email")
    render = renderer(request)
    if "@" not in email:
        error = "Email: enter the address you sign in with."
        return render(
            request, "forgot_password.html", status_code=422, email=email, error=error, sent=False
        )
    try:
        await ctx.limits.hit(ctx.limits.login, "reset-address", client_address(request))
        await ctx.limits.hit(ctx.limits.login, "reset-email", normalise_email(email))
    except RateLimited as exc:
        error = wording.wait(exc.retry_after_s)
        return render(
            request, "forgot_password.html", status_code=429, email=email, error=error, sent=False
        )
    await service.request_reset(session, ctx.settings, email)
    await ctx.commit(session)
    minutes = ctx.settings.password_reset_minutes
    return render(
        request, "forgot_password.html", email=email, error=None, sent=True, minutes=minutes
    )


@router.get("/app/reset-password")
async def reset_form(request: Request) -> Response:
    token = request.query_params.get("token") or ""
    return renderer(request)(request, "reset_password.html", token=token, error=None)


@router.post("/app/reset-password")
async def reset(request: Request, form: CsrfForm, ctx: Context, session: SessionDep) -> Response:
    """Set the new password, end every session, and send the person to sign in."""
    token, password = text(form, "token"), form.get("password")
    again = form.get("password_again")
    render = renderer(request)
    error = None
    if not isinstance(password, str) or not password:
        error = "New password: enter a new password."
    elif password != again:
        error = "Repeat it: the two passwords are not the same."
    if error is None:
        try:
            await service.confirm_reset(session, ctx.settings, ctx.passwords, token, str(password))
            await ctx.commit(session)
            return see_other("/app/login?done=password-reset")
        except ValidationFailed as exc:
            error = wording.sentence(exc.detail or "")
            if exc.errors and exc.errors[0]["loc"][-1] == "token":
                error = "This reset link has expired or was already used. Ask for a new one."
        except DomainError as exc:
            error = wording.sentence(exc.detail or "")
    return render(request, "reset_password.html", status_code=422, token=token, error=error)
