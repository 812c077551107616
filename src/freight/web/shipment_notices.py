"""The timeline's side entries for staff: each mail and webhook delivery about the load,
so "did the customer get the delivery mail?" is answered on the load's own page.

They sit beside the timeline, not in it: they are not events of the hash chain.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from freight.access import Actor, Role
from freight.mail import service as mail
from freight.mail.catalog import TYPES
from freight.webhooks import service as webhooks

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

MAIL_STATES = {
    "sent": "sent",
    "kept": "kept in the Outbox (no mail server)",
    "failed": "failed, retrying",
    "skipped": "not sent",
}
HOOK_STATES = {"pending": "waiting", "delivered": "delivered", "dead": "gave up"}


@dataclass(frozen=True)
class SideEntry:
    at: datetime
    text: str
    kind: str  # "mail" or "webhook"
    href: str | None  # where an admin reads more (None for dispatchers)
    ok: bool


async def side_entries(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID
) -> list[SideEntry]:
    """The load's mails and webhook deliveries, oldest first (empty for non-staff)."""
    if not actor.is_staff:
        return []
    admin = actor.role == Role.ADMIN
    entries = [
        SideEntry(
            m.created_at,
            f"Mail “{TYPES[m.template].label if m.template in TYPES else m.template}” to "
            f"{m.to_address}: {MAIL_STATES.get(m.status, m.status)}",
            "mail",
            f"/app/admin/outbox/{m.id}" if admin else None,
            m.status in ("sent", "kept"),
        )
        for m in await mail.for_shipment(session, actor, shipment_id)
    ]
    entries += [
        SideEntry(
            d.created_at,
            f"Webhook {d.event_type} to {d.url}: {HOOK_STATES.get(d.status, d.status)}"
            + (f" after {d.attempts} attempts" if d.attempts > 1 else ""),
            "webhook",
            f"/app/admin/webhooks/{d.endpoint_id}" if admin else None,
            d.status == "delivered",
        )
        for d in await webhooks.for_shipment(session, actor, shipment_id)
    ]
    return sorted(entries, key=lambda e: e.at)
