"""The events of user changes, recorded in the caller's transaction.

``user.created``; then, for an edit, ``user.deactivated`` or ``user.reactivated`` when
the active flag changed, else ``user.role_changed`` when the role did, else
``user.updated``. Each names every field that changed and carries the values of the
access facts only (role, shipper account, active flag): never the email, name, phone
or password. Committed, they drop the user's cached principal (``principals``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.identity.models import User

ACCESS = ("role", "customer_id", "is_active")
WATCHED = ("full_name", "phone", "password_hash", *ACCESS)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value) if isinstance(value, str) else value  # a Role becomes its value


def snapshot(user: User) -> dict[str, Any]:
    """The user's fields an edit may change, to compare with afterwards."""
    return {field: getattr(user, field) for field in WATCHED}


async def user_created(session: AsyncSession, actor: Actor | None, user: User) -> None:
    """Record a new user (``actor`` is None for a self-registration)."""
    data = {"user_id": str(user.id)} | {f: _plain(getattr(user, f)) for f in ACCESS}
    await events.record(session, actor, user.organization_id, "user.created", data)


async def user_changed(
    session: AsyncSession, actor: Actor, user: User, before: dict[str, Any]
) -> None:
    """Record what an edit changed since ``before``; nothing when it changed nothing."""
    changed = [f for f in WATCHED if getattr(user, f) != before[f]]
    if not changed:
        return
    values = {f: [_plain(before[f]), _plain(getattr(user, f))] for f in ACCESS if f in changed}
    if "is_active" in values:
        kind = "user.reactivated" if user.is_active else "user.deactivated"
    elif "role" in values:
        kind = "user.role_changed"
    else:
        kind = "user.updated"
    fields = sorted("password" if f == "password_hash" else f for f in changed)
    data = {"user_id": str(user.id), "fields": fields, "changes": values}
    await events.record(session, actor, user.organization_id, kind, data)
