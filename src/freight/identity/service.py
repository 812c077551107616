"""Identity use cases: registration, sessions and user administration (API keys are in
``identity/api_keys.py``).

Functions take the session first, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, get_scoped, scoped
from freight.db import end_read, utcnow
from freight.errors import Conflict, Unauthorized, invalid
from freight.identity import accounts, audit, sessions
from freight.identity.api_keys import revoke_keys_created_by
from freight.identity.models import Organization, RefreshToken, User, UserSession
from freight.identity.schemas import RegisterRequest, UserCreate, UserUpdate
from freight.pagination import page_newest_first
from freight.security.passwords import PasswordHasher
from freight.security.tokens import TokenService, digest, new_secret

REFRESH_PREFIX = "frt"


class TokenReuse(Unauthorized):
    """A spent refresh token came back: its whole family has been revoked."""

    def __init__(self) -> None:
        super().__init__("refresh token reuse detected; all sessions of this login were revoked")


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def normalise_email(email: str) -> str:
    """Emails are unique case-insensitively."""
    return email.strip().lower()


def check_password_policy(password: str, min_length: int, loc: str = "password") -> None:
    """Reject passwords too short to be safe, naming the field."""
    if len(password) < min_length:
        raise invalid("body", loc, msg=f"must be at least {min_length} characters")


async def _ensure_email_free(session: AsyncSession, org_id: uuid.UUID, email: str) -> None:
    """Refuse an email another user of this organisation has (other organisations' do not count)."""
    taken = await session.scalar(
        select(func.count()).where(User.organization_id == org_id, User.email == email)
    )
    if taken:
        raise Conflict("a user with this email already exists")


async def _flush_user(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("a user with this email already exists") from None


async def register(
    session: AsyncSession, hasher: PasswordHasher, body: RegisterRequest, min_length: int
) -> User | None:
    """Create an organisation and its first admin, or nothing if the email is taken.

    The caller answers both cases alike (and the password is hashed in both), so
    registering cannot tell anyone whether an email has an account.
    """
    check_password_policy(body.password, min_length)
    # Hashed before the first statement: the transaction (the SQLite write lock) is short.
    password_hash = await hasher.hash(body.password)
    email = normalise_email(body.email)
    taken = await session.scalar(select(func.count()).where(User.email == email))
    if taken:
        return None
    org = Organization(name=body.organization_name)
    session.add(org)
    await session.flush()
    user = User(
        organization_id=org.id,
        email=email,
        full_name=body.full_name,
        role=Role.ADMIN,
        password_hash=password_hash,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # taken by a concurrent registration: the same answer
        await session.rollback()
        return None
    await audit.user_created(session, None, user)
    return user


class OrganizationRequired(Conflict):
    """The email and password open accounts in several organisations: the caller picks one."""

    code = "organization_required"

    def __init__(self, organizations: list[Organization]) -> None:
        super().__init__(
            "this email signs in to more than one organisation: send organization_id",
            errors=[
                {
                    "loc": ["body", "organization_id"],
                    "msg": "choose one of these organisations",
                    "organizations": [{"id": str(o.id), "name": o.name} for o in organizations],
                }
            ],
        )


# Sign-in checks the password against at most this many accounts of one email.
MAX_ACCOUNTS_PER_EMAIL = 5


async def authenticate(
    session: AsyncSession,
    hasher: PasswordHasher,
    email: str,
    password: str,
    organization_id: uuid.UUID | None = None,
) -> User:
    """The active user with these credentials, or ``Unauthorized`` (same answer for every miss).

    An email is unique per organisation, so it can name accounts in several: the password
    is checked against each, and when it opens more than one the caller must say which
    organisation (``OrganizationRequired``, which lists only the organisations the password
    opened). An unknown email costs one hash, like a known one.
    """
    query = select(User).where(User.email == normalise_email(email))
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    candidates = list(
        await session.scalars(query.order_by(User.created_at).limit(MAX_ACCOUNTS_PER_EMAIL))
    )
    await end_read(session)  # verify outside any transaction: no lock held while hashing
    if not candidates:
        await hasher.verify(None, password)
        raise Unauthorized("invalid email or password")
    opened = [
        user
        for user in candidates
        if await hasher.verify(user.password_hash, password) and user.is_active
    ]
    if not opened:
        raise Unauthorized("invalid email or password")
    if len(opened) > 1:
        orgs = await session.scalars(
            select(Organization)
            .where(Organization.id.in_([u.organization_id for u in opened]))
            .order_by(Organization.name)
        )
        raise OrganizationRequired(list(orgs))
    user = opened[0]
    user.last_login_at = utcnow()
    return user


async def issue_tokens(
    session: AsyncSession, tokens: TokenService, user: User, family_id: uuid.UUID | None = None
) -> IssuedTokens:
    """A new access token and a refresh token in ``family_id`` (a new login by default).

    A login's refresh family is its server-side session: the family id is the session id
    that the access tokens carry, so ending the session ends them too.
    """
    if family_id is None:
        family_id = (await sessions.start(session, user.id, sessions.SessionKind.API)).id
    refresh = new_secret(REFRESH_PREFIX)
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=digest(refresh),
            expires_at=utcnow() + tokens.refresh_ttl,
        )
    )
    await session.flush()
    return IssuedTokens(
        access_token=tokens.issue_access(user.id, user.organization_id, user.role, family_id),
        refresh_token=refresh,
        expires_in=int(tokens.access_ttl.total_seconds()),
        user=user,
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    """Revoke every live token of one login, and end its session."""
    await sessions.end_login(session, family_id)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def rotate(session: AsyncSession, tokens: TokenService, refresh_token: str) -> IssuedTokens:
    """Spend a refresh token for a new pair; a spent token revokes its family (``TokenReuse``)."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token))
    )
    if row is None:
        raise Unauthorized("invalid refresh token")
    if row.revoked_at is not None and row.used_at is None:
        raise Unauthorized("refresh token revoked")
    # Refreshes of one login queue on its session row before touching any token, so the
    # winner and the losers (who revoke the family) lock rows in one order: no deadlock.
    await session.execute(
        select(UserSession.id).where(UserSession.id == row.family_id).with_for_update()
    )
    # Spend it atomically: of two concurrent refreshes with one token, only one wins.
    spent = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        await revoke_family(session, row.family_id)
        raise TokenReuse()
    if row.expires_at <= utcnow():
        raise Unauthorized("refresh token expired")
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("account disabled")
    await sessions.check(session, row.family_id, user.id, idle=timedelta.max)
    return await issue_tokens(session, tokens, user, row.family_id)


async def logout(session: AsyncSession, actor: Actor, refresh_token: str) -> None:
    """Revoke the caller's refresh token (and so its login); unknown tokens are ignored."""
    row = await session.scalar(
        select(RefreshToken).where(
            RefreshToken.token_hash == digest(refresh_token), RefreshToken.user_id == actor.user_id
        )
    )
    if row is not None:
        await revoke_family(session, row.family_id)
    if actor.user_id is not None:
        events.end_live_sessions(session, actor.user_id, "logout")


async def active_user(session: AsyncSession, user_id: uuid.UUID, org_id: uuid.UUID) -> User:
    """The user an access token names, if still active in that organisation."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active or user.organization_id != org_id:
        raise Unauthorized("account disabled")
    return user


# --- user administration -------------------------------------------------------------


async def list_users(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> tuple[Sequence[User], str | None]:
    """Users of the caller's organisation, newest first."""
    return await page_newest_first(session, User, scoped(User, actor), limit, cursor)


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    """One user of the caller's organisation."""
    return await get_scoped(session, User, actor, user_id)


async def user_names(
    session: AsyncSession, actor: Actor, user_ids: set[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """Full names of these users of the caller's organisation, by id."""
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(User.id, User.full_name).where(
            User.id.in_(wanted), User.organization_id == actor.organization_id
        )
    )
    return {user_id: name for user_id, name in rows}


async def _check_account_link(
    session: AsyncSession, actor: Actor, role: Role, customer_id: uuid.UUID | None
) -> None:
    """Customer users belong to exactly one shipper account of the organisation; others to none."""
    if role == Role.CUSTOMER:
        await accounts.require_in_org(session, actor, customer_id)
    elif customer_id is not None:
        raise invalid("body", "customer_id", msg="only for the customer role")


async def create_user(
    session: AsyncSession, actor: Actor, hasher: PasswordHasher, body: UserCreate, min_length: int
) -> User:
    """Add a user to the caller's organisation."""
    check_password_policy(body.password, min_length)
    email = normalise_email(body.email)
    await _ensure_email_free(session, actor.organization_id, email)
    await _check_account_link(session, actor, body.role, body.customer_id)
    user = User(
        organization_id=actor.organization_id,
        email=email,
        full_name=body.full_name,
        role=body.role,
        phone=body.phone,
        customer_id=body.customer_id,
        password_hash=await hasher.hash(body.password),
    )
    session.add(user)
    await _flush_user(session)
    await audit.user_created(session, actor, user)
    return user


async def update_user(
    session: AsyncSession,
    actor: Actor,
    hasher: PasswordHasher,
    user_id: uuid.UUID,
    body: UserUpdate,
    min_length: int,
) -> User:
    """Change a user; deactivation and password changes end their sessions."""
    user = await get_scoped(session, User, actor, user_id)
    changes = body.model_dump(exclude_unset=True)
    if user.id == actor.user_id and (
        changes.get("is_active") is False or changes.get("role", Role.ADMIN) != Role.ADMIN
    ):
        raise Conflict("admins cannot deactivate or demote themselves")
    before = audit.snapshot(user)
    access_before = (user.role, user.customer_id, user.is_active)
    for field in ("full_name", "role", "phone", "customer_id", "is_active"):
        if field in changes and (changes[field] is not None or field in ("phone", "customer_id")):
            setattr(user, field, changes[field])
    if "role" in changes or "customer_id" in changes:
        await _check_account_link(session, actor, Role(user.role), user.customer_id)
    end_sessions = changes.get("is_active") is False
    if end_sessions or (user.role != Role.ADMIN and "role" in changes):
        await revoke_keys_created_by(session, user.id)
    if body.password is not None:
        await set_password(session, hasher, user, body.password, min_length)
    elif end_sessions or access_before != (user.role, user.customer_id, user.is_active):
        events.end_live_sessions(session, user.id, "access changed")
        if end_sessions:
            await end_every_session(session, user.id)
    await session.flush()
    await audit.user_changed(session, actor, user, before)
    return user


async def end_every_session(session: AsyncSession, user_id: uuid.UUID) -> None:
    """End the user's web sessions and revoke every refresh token they hold."""
    await sessions.end_all(session, user_id)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def set_password(
    session: AsyncSession, hasher: PasswordHasher, user: User, password: str, min_length: int
) -> None:
    """A new password (checked against the policy), and every session of the user ended."""
    check_password_policy(password, min_length)
    user.password_hash = await hasher.hash(password)
    events.end_live_sessions(session, user.id, "password changed")
    await end_every_session(session, user.id)
