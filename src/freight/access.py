"""Who is calling, and the one helper that scopes every query to the caller's organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.db import TenantMixin
from freight.errors import NotFound


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    DRIVER = "driver"
    CUSTOMER = "customer"


STAFF = frozenset({Role.ADMIN, Role.DISPATCHER})


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller: a user, or an API key acting with the key's role."""

    organization_id: uuid.UUID
    role: Role
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        """Admins and dispatchers see the whole organisation."""
        return self.role in STAFF

    @property
    def principal(self) -> str:
        """A stable identifier for rate limits and audit (never a secret)."""
        return f"user:{self.user_id}" if self.user_id else f"key:{self.api_key_id}"


M = TypeVar("M", bound=TenantMixin)


def scoped(model: type[M], actor: Actor, stmt: Select[Any] | None = None) -> Select[Any]:
    """``stmt`` (default ``select(model)``) limited to the caller's organisation."""
    base = stmt if stmt is not None else select(model)
    return base.where(model.organization_id == actor.organization_id)


async def get_scoped(session: AsyncSession, model: type[M], actor: Actor, ident: Any) -> M:
    """One row of the caller's organisation by id; any other id is ``NotFound``."""
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        raise NotFound(model.__name__.lower()) from None
    row = (await session.execute(scoped(model, actor).where(model.id == key))).scalar_one_or_none()
    if row is None:
        raise NotFound(model.__name__.lower(), key)
    return row  # type: ignore[no-any-return]
