"""Signing in and out of the web app, and the dependencies every page uses.

``WebUser`` is the signed-in caller (a page without a session redirects to the
sign-in form); ``web_role(...)`` narrows a page to some roles; ``CsrfForm`` is a
posted form whose CSRF token has been checked.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from freight.access import Actor, Role
from freight.deps import Context, SessionDep, client_address, count_api_call, principal
from freight.errors import DomainError, Forbidden, RateLimited, Unauthorized
from freight.events import SessionsEnded
from freight.identity import organization, sessions
from freight.identity import service as identity
from freight.security.web_sessions import CSRF_FIELD, CSRF_HEADER, check_csrf
from freight.web import wording
from freight.web.admin_forms import notice
from freight.web.templating import HOME, renderer

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    """A page needs a session; the handler redirects to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def web_actor(request: Request, ctx: Context, session: SessionDep) -> Actor:
    """The caller signed in with the session cookie (else: off to the sign-in form)."""
    try:
        claims = ctx.web.claims_in(request.cookies)
        actor = await principal(
            ctx, session, claims.user_id, claims.organization_id, claims.session_id
        )
    except Unauthorized:
        raise SignInRequired(request.url.path) from None
    await count_api_call(request, ctx, actor)
    request.state.actor = actor
    request.state.user_name = claims.name
    shown = await organization.presentation(session, actor.organization_id)
    request.state.presentation = shown
    wording.reader.set(shown)  # the page's refusals speak in the organisation's numbers
    return actor


WebUser = Annotated[Actor, Depends(web_actor)]


def web_role(*roles: Role) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A page dependency that lets only these roles in (others see a 403 page)."""
    allowed = frozenset(roles)

    async def guard(actor: WebUser) -> Actor:
        if actor.role not in allowed:
            raise Forbidden("this page is not for your role")
        return actor

    return guard


async def csrf_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form, after checking it repeats the CSRF cookie; uploads closed after."""
    form = await request.form()
    try:
        presented = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        check_csrf(request, presented if isinstance(presented, str) else None)
        yield form
    finally:
        await form.close()


CsrfForm = Annotated[FormData, Depends(csrf_form)]


def text(form: FormData, name: str) -> str:
    """A text field of a posted form, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def safe_next(path: str | None, default: str) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


def see_other(path: str) -> RedirectResponse:
    """Post/redirect/get."""
    return RedirectResponse(path, status_code=303)


@router.get("/")
async def home(request: Request, ctx: Context, session: SessionDep) -> Response:
    """Signed in: the role's start page. Otherwise the sign-in form."""
    try:
        actor = await web_actor(request, ctx, session)
    except SignInRequired:
        return see_other("/app/login")
    return see_other(HOME[actor.role])


@router.get("/app")
async def app_home() -> Response:
    """``/app`` is the start page too."""
    return see_other("/")


@router.get("/app/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    render = renderer(request)
    done = notice(request.query_params.get("done"))
    return render(
        request, "login.html", next=safe_next(next, ""), email="", error=None, notice=done
    )


@router.post("/app/login")
async def login(request: Request, form: CsrfForm, ctx: Context, session: SessionDep) -> Response:
    """Check the credentials (rate-limited like the API), start a session, go on."""
    render = renderer(request)
    email, password = text(form, "email"), form.get("password")
    next_path = text(form, "next")
    if not email or not isinstance(password, str) or not password:
        return render(
            request,
            "login.html",
            status_code=422,
            next=next_path,
            email=email,
            error="Enter your email and password.",
        )
    org_id = _organization_choice(form)
    by_email = ("login-email", identity.normalise_email(email))
    by_address = ("login-address", client_address(request))
    try:
        # Counted before the check, given back on success (as the API's login).
        await ctx.limits.begin_login(by_email, by_address)
        user = await identity.authenticate(session, ctx.passwords, email, password, org_id)
        await ctx.limits.login_succeeded(by_email, by_address)
    except identity.OrganizationRequired as exc:
        # The password opened several accounts: ask which (it counted as one attempt).
        await ctx.limits.login_succeeded(by_email, by_address)
        return render(
            request,
            "login.html",
            status_code=409,
            next=next_path,
            email=email,
            error=(
                "This email signs in to more than one organisation. "
                "Choose one, and enter your password again."
            ),
            organizations=exc.errors[0]["organizations"],
        )
    except DomainError as exc:
        status = 401 if isinstance(exc, Unauthorized) else exc.status
        if isinstance(exc, RateLimited):
            message = wording.wait(exc.retry_after_s)
        elif status == 401:
            message = "Wrong email or password."
        else:
            message = wording.sentence(exc.detail or "")
        return render(
            request, "login.html", status_code=status, next=next_path, email=email, error=message
        )
    web_session = await sessions.start(session, user.id, sessions.SessionKind.WEB)
    await ctx.commit(session)
    response = see_other(safe_next(next_path, HOME[Role(user.role)]))
    ctx.web.start(response, user.id, user.organization_id, user.full_name, web_session.id)
    return response


def _organization_choice(form: FormData) -> uuid.UUID | None:
    """The organisation picked on the second step of a sign-in (none on the first)."""
    value = text(form, "organization_id")
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None  # a tampered choice: sign-in asks again


@router.post("/app/logout")
async def logout(request: Request, form: CsrfForm, ctx: Context, session: SessionDep) -> Response:
    """End the session server-side (a copy of the cookie dies too), close the user's live
    connections, then drop the cookies."""
    try:
        claims = ctx.web.claims_in(request.cookies)
    except Unauthorized:
        pass  # no valid cookie: nothing to end server-side
    else:
        await sessions.end(session, claims.session_id, claims.user_id)
        await ctx.commit(session)
        await ctx.bus.notify([SessionsEnded(claims.user_id, "logout")])
    response = see_other("/app/login")
    ctx.web.end(response)
    return response


def sign_in_redirect(exc: SignInRequired) -> RedirectResponse:
    """Where a page without a session sends the browser."""
    return see_other(f"/app/login?next={quote(exc.next_path)}")
