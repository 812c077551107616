"""What people do with mail: choose which they get, unsubscribe from a link, reset a
forgotten password; and what staff read: the messages sent, overall and per load."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, get_scoped, scoped
from freight.db import utcnow
from freight.errors import Forbidden, invalid
from freight.identity import service as identity
from freight.identity.models import Organization, User
from freight.mail import tokens
from freight.mail.catalog import OPTIONAL, TYPES, MailType
from freight.mail.models import MailMessage, MailPreference, PasswordReset
from freight.pagination import page_newest_first
from freight.security.passwords import PasswordHasher
from freight.settings import Settings

# What each role may be mailed about (and so sees on its preferences page).
AUDIENCES = {
    Role.ADMIN: ("shipment", "billing", "admins"),
    Role.DISPATCHER: ("shipment",),
    Role.CUSTOMER: ("shipment", "billing"),
    Role.DRIVER: (),
}
RESETS_PER_EMAIL = 5  # accounts of one address (one per organisation) a request reaches


def label_of(name: str) -> str:
    """How a mail type is named to people."""
    mail = TYPES.get(name)
    return mail.label if mail else name


def choices_for(role: Role) -> list[MailType]:
    """The mails a user of this role can turn on and off."""
    return [TYPES[n] for n in OPTIONAL if TYPES[n].audience in AUDIENCES[role]]


async def _preference(session: AsyncSession, org: uuid.UUID, email: str) -> MailPreference:
    row = await session.scalar(
        select(MailPreference).where(
            MailPreference.organization_id == org, MailPreference.email == email
        )
    )
    if row is None:
        row = MailPreference(organization_id=org, email=email, muted=[])
        session.add(row)
    return row


async def _own_email(session: AsyncSession, actor: Actor) -> str:
    if actor.user_id is None:
        raise Forbidden("mail preferences belong to users, not to API keys")
    user = await identity.active_user(session, actor.user_id, actor.organization_id)
    return user.email.lower()


async def preferences(session: AsyncSession, actor: Actor) -> dict[str, bool]:
    """Mail type -> whether the caller gets it."""
    email = await _own_email(session, actor)
    muted = await session.scalar(
        select(MailPreference.muted).where(
            MailPreference.organization_id == actor.organization_id,
            MailPreference.email == email,
        )
    )
    off = set(muted or [])
    return {t.name: t.name not in off for t in choices_for(actor.role)}


async def set_preferences(
    session: AsyncSession, actor: Actor, wanted: dict[str, bool]
) -> dict[str, bool]:
    """Turn the named mails on or off (the others stay as they are)."""
    allowed = {t.name for t in choices_for(actor.role)}
    for name in wanted:
        if name not in allowed:
            choices = ", ".join(sorted(allowed)) or "none"
            raise invalid("body", "mails", name, msg=f"not a mail you can choose ({choices})")
    email = await _own_email(session, actor)
    row = await _preference(session, actor.organization_id, email)
    off = set(row.muted or [])
    off |= {n for n, on in wanted.items() if not on}
    off -= {n for n, on in wanted.items() if on}
    row.muted, row.updated_at = sorted(off), utcnow()
    await session.flush()
    return await preferences(session, actor)


async def unsubscribe(session: AsyncSession, wish: tokens.Unsubscribe) -> str:
    """Turn one mail off for the address of a signed link; returns the mail's label."""
    mail = TYPES.get(wish.mail)
    if mail is None or not mail.optional:
        raise tokens.BadToken("this unsubscribe link is not valid")
    if await session.get(Organization, wish.organization_id) is None:
        raise tokens.BadToken("this unsubscribe link is not valid")
    row = await _preference(session, wish.organization_id, wish.email)
    row.muted, row.updated_at = sorted({*(row.muted or []), mail.name}), utcnow()
    await session.flush()
    return mail.label


async def request_reset(session: AsyncSession, settings: Settings, email: str) -> int:
    """A reset mail for each active account of this address (none: nothing happens, and
    the caller answers the same). Earlier unused links of those accounts stop working."""
    users = list(
        await session.scalars(
            select(User)
            .where(User.email == identity.normalise_email(email), User.is_active)
            .order_by(User.created_at)
            .limit(RESETS_PER_EMAIL)
        )
    )
    now = utcnow()
    for user in users:
        await _retire_resets(session, user.id)
        reset = PasswordReset(
            organization_id=user.organization_id,
            user_id=user.id,
            expires_at=now + timedelta(minutes=settings.password_reset_minutes),
        )
        session.add(reset)
        await session.flush()
        data = {"user_id": str(user.id), "reset_id": str(reset.id)}
        await events.record(
            session, None, user.organization_id, "user.password_reset_requested", data
        )
    return len(users)


async def _retire_resets(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )


async def confirm_reset(
    session: AsyncSession,
    settings: Settings,
    hasher: PasswordHasher,
    token: str,
    password: str,
) -> User:
    """Set the password of a valid, unused link's account and end all its sessions.

    The link is used up by one conditional UPDATE, so of two concurrent uses one wins.
    """
    expired = invalid("body", "token", msg="this reset link has expired or was already used")
    try:
        reset_id = tokens.read_reset(settings.secret_key.get_secret_value(), token)
    except tokens.BadToken:
        raise expired from None
    identity.check_password_policy(password, settings.password_min_length)
    now = utcnow()
    used = await session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == reset_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .returning(PasswordReset.user_id)
    )
    user_id = used.scalar_one_or_none()
    user = await session.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        raise expired
    await identity.set_password(session, hasher, user, password, settings.password_min_length)
    await _retire_resets(session, user.id)
    await session.flush()
    return user


async def list_messages(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> tuple[Sequence[MailMessage], str | None]:
    """The organisation's mails, newest first (admins)."""
    if actor.role != Role.ADMIN:
        raise Forbidden("only admins read the organisation's mail")
    stmt = scoped(MailMessage, actor)
    return await page_newest_first(session, MailMessage, stmt, limit, cursor)


async def get_message(session: AsyncSession, actor: Actor, message_id: uuid.UUID) -> MailMessage:
    """One mail (admins)."""
    if actor.role != Role.ADMIN:
        raise Forbidden("only admins read the organisation's mail")
    return await get_scoped(session, MailMessage, actor, message_id)


async def for_shipment(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID
) -> list[MailMessage]:
    """The mails about one load, oldest first (staff: "did the customer get it?")."""
    if not actor.is_staff:
        return []
    rows = await session.scalars(
        scoped(MailMessage, actor)
        .where(MailMessage.shipment_id == shipment_id)
        .order_by(MailMessage.created_at)
        .limit(200)
    )
    return list(rows)
