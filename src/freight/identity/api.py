"""Identity routes: auth, users, API keys and shipper accounts. Thin: validate, call the
service, commit."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from freight import idempotency as idem
from freight.deps import (
    DEFAULT_LIMIT,
    Admin,
    Context,
    CurrentUser,
    Cursor,
    Limit,
    SessionDep,
    Staff,
    client_address,
)
from freight.errors import Unauthorized
from freight.identity import accounts, service
from freight.identity import api_keys as keys
from freight.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    CustomerCreate,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
    LoginRequest,
    RefreshRequest,
    RegisterAccepted,
    RegisterRequest,
    TokenPair,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from freight.openapi import problems

auth = APIRouter(prefix="/api/auth", tags=["auth"])
users = APIRouter(prefix="/api/users", tags=["users"])
api_keys = APIRouter(prefix="/api/api-keys", tags=["api keys"])
customers = APIRouter(prefix="/api/customers", tags=["customers"])


def _pair(issued: service.IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=UserRead.model_validate(issued.user),
    )


@auth.post("/register", status_code=status.HTTP_201_CREATED, responses=problems(429))
async def register(
    body: RegisterRequest, request: Request, session: SessionDep, ctx: Context
) -> RegisterAccepted:
    """Create an organisation and its first admin; the answer never says if the email was taken.

    The new admin signs in with ``/api/auth/login``. (Once Freight sends email, the
    owner of the address will confirm it by a link before the account exists.)
    """
    await ctx.limits.hit(ctx.limits.login, "register", client_address(request))
    await service.register(session, ctx.passwords, body, ctx.settings.password_min_length)
    await ctx.commit(session)
    return RegisterAccepted()


@auth.post("/login", responses=problems(401, 409, 429))
async def login(
    body: LoginRequest, request: Request, session: SessionDep, ctx: Context
) -> TokenPair:
    """Exchange email and password for a token pair; repeated failures are rate-limited."""
    by_email = ("login-email", service.normalise_email(body.email))
    by_address = ("login-address", client_address(request))
    # The attempt takes its slots before the password is checked (parallel guesses
    # cannot all pass a check made before any was counted); a success gives them back.
    await ctx.limits.begin_login(by_email, by_address)
    try:
        user = await service.authenticate(
            session, ctx.passwords, body.email, body.password, body.organization_id
        )
    except service.OrganizationRequired:
        await ctx.limits.login_succeeded(by_email, by_address)  # the password was right
        raise
    await ctx.limits.login_succeeded(by_email, by_address)
    issued = await service.issue_tokens(session, ctx.tokens, user)
    await ctx.commit(session)
    return _pair(issued)


@auth.post("/refresh", responses=problems(401))
async def refresh(body: RefreshRequest, session: SessionDep, ctx: Context) -> TokenPair:
    """Rotate a refresh token; a reused one revokes every token of its login."""
    try:
        issued = await service.rotate(session, ctx.tokens, body.refresh_token)
    except service.TokenReuse:
        await ctx.commit(session)  # the family revocation must stick
        raise
    await ctx.commit(session)
    return _pair(issued)


@auth.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    body: RefreshRequest, actor: CurrentUser, session: SessionDep, ctx: Context
) -> Response:
    """Revoke this login's refresh tokens (and close the user's live connections)."""
    await service.logout(session, actor, body.refresh_token)
    await ctx.commit(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@auth.get("/me")
async def me(actor: CurrentUser, session: SessionDep) -> UserRead:
    """The signed-in user."""
    if actor.user_id is None:
        raise Unauthorized("API keys have no user; use a user's access token")
    return UserRead.model_validate(await service.get_user(session, actor, actor.user_id))


@users.get("")
async def list_users(
    actor: Admin, session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> UserPage:
    """Users of the organisation, newest first."""
    rows, next_cursor = await service.list_users(session, actor, limit, cursor)
    return UserPage(items=[UserRead.model_validate(u) for u in rows], next_cursor=next_cursor)


@users.post("", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_user(
    body: UserCreate, actor: Admin, session: SessionDep, ctx: Context
) -> UserRead:
    """Add a user with a role."""
    user = await service.create_user(
        session, actor, ctx.passwords, body, ctx.settings.password_min_length
    )
    await ctx.commit(session)
    return UserRead.model_validate(user)


@users.get("/{user_id}")
async def get_user(user_id: uuid.UUID, actor: Admin, session: SessionDep) -> UserRead:
    """One user."""
    return UserRead.model_validate(await service.get_user(session, actor, user_id))


@users.patch("/{user_id}", responses=problems(409))
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, actor: Admin, session: SessionDep, ctx: Context
) -> UserRead:
    """Change a user's name, role, password, phone or active flag."""
    user = await service.update_user(
        session, actor, ctx.passwords, user_id, body, ctx.settings.password_min_length
    )
    # Publishes the notice that closes the user's sockets, and the event that drops
    # their cached access facts (role, account or active flag may differ).
    await ctx.commit(session)
    return UserRead.model_validate(user)


@api_keys.get("")
async def list_api_keys(
    actor: Admin, session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> ApiKeyPage:
    """The organisation's API keys (never their secrets)."""
    rows, next_cursor = await keys.list_api_keys(session, actor, limit, cursor)
    return ApiKeyPage(items=[ApiKeyRead.model_validate(k) for k in rows], next_cursor=next_cursor)


@api_keys.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: ApiKeyCreate, actor: Admin, session: SessionDep, ctx: Context
) -> ApiKeyCreated:
    """Create a key; its secret is in this response only."""
    key, secret = await keys.create_api_key(session, actor, body)
    await ctx.commit(session)
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@api_keys.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID, actor: Admin, session: SessionDep, ctx: Context
) -> Response:
    """Revoke a key."""
    await keys.revoke_api_key(session, actor, key_id)
    await ctx.commit(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- shipper accounts ----------------------------------------------------------------


@customers.get("")
async def list_customers(
    actor: Staff, session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> CustomerPage:
    """Shipper accounts, newest first."""
    rows, next_cursor = await accounts.list_page(session, actor, limit, cursor)
    return CustomerPage(
        items=[CustomerRead.model_validate(c) for c in rows], next_cursor=next_cursor
    )


@customers.post("", status_code=status.HTTP_201_CREATED)
async def create_customer(
    body: CustomerCreate,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    response: Response,
    idempotency_key: idem.KeyHeader = None,
) -> CustomerRead:
    """Open a shipper account (``Idempotency-Key``: a retry returns the first one)."""
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        "POST /api/customers",
        body.model_dump(mode="json"),
        lambda ident: accounts.get(session, actor, ident),
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        return CustomerRead.model_validate(once.replay.body)
    customer = await accounts.create(session, actor, body)
    await session.flush()
    read = CustomerRead.model_validate(customer)
    await once.done(session, 201, read.model_dump(mode="json"), customer.id)
    await ctx.commit(session)
    return read


@customers.get("/{customer_id}")
async def get_customer(customer_id: uuid.UUID, actor: Staff, session: SessionDep) -> CustomerRead:
    """One shipper account."""
    return CustomerRead.model_validate(await accounts.get(session, actor, customer_id))


@customers.patch("/{customer_id}")
async def update_customer(
    customer_id: uuid.UUID, body: CustomerUpdate, actor: Staff, session: SessionDep, ctx: Context
) -> CustomerRead:
    """Change a shipper account."""
    customer = await accounts.update(session, actor, customer_id, body)
    await ctx.commit(session)
    return CustomerRead.model_validate(customer)
