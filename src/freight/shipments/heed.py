"""What a write does about the warnings it raises (``freight.shipments.warnings``).

By default nothing: the write lands and the warnings go back with it (the API is
informational). A ``strict`` write (the pages, and API clients sending
``Prefer: handling=strict``) is refused with ``WarningsNotAcknowledged`` while a warning
it raises is not acknowledged, and its owner rolls back: nothing lands until a person
has seen the warnings. Acknowledged warnings need a reason; the override lands on the
shipment's timeline as ``shipment.warning_overridden`` with the codes, the action and
the reason (nothing personal: no names, no positions).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.errors import Conflict, invalid
from freight.identity import organization
from freight.identity.organization import Presentation
from freight.shipments.models import Shipment
from freight.shipments.warnings import ShipmentWarning

OVERRIDDEN = "shipment.warning_overridden"
NO_REASON = "say why you go ahead despite the warnings"


class WarningsNotAcknowledged(Conflict):
    """A strict write raised warnings its author has not acknowledged: nothing was saved."""

    code = "warnings_not_acknowledged"

    def __init__(self, warnings: list[ShipmentWarning]) -> None:
        codes = ", ".join(w.code for w in warnings)
        super().__init__(
            f"nothing was saved: check the warnings ({codes}); to go ahead, send the write "
            "again with acknowledge_warnings and an override_reason",
            extra={"warnings": [{"code": w.code, "message": w.message} for w in warnings]},
        )
        self.warnings = warnings


@dataclass
class Heed:
    """How one write treats its warnings, and (after it) the warnings it raised."""

    acknowledged: frozenset[str] = frozenset()
    reason: str | None = None
    strict: bool = False
    shown: Presentation | None = None  # how to word numbers; looked up when None
    raised: list[ShipmentWarning] = field(default_factory=list)

    def overridden(self, warning: ShipmentWarning) -> bool:
        """Whether the author acknowledged this warning (and so went ahead despite it)."""
        return warning.code in self.acknowledged


async def shown_for(session: AsyncSession, heed: Heed, organization_id: uuid.UUID) -> Presentation:
    """The presentation the messages are worded in (the organisation's)."""
    if heed.shown is None:
        heed.shown = await organization.presentation(session, organization_id)
    return heed.shown


def screen(heed: Heed, found: Iterable[ShipmentWarning]) -> None:
    """Keep the write's warnings; a strict write with one not acknowledged is refused."""
    found = list(found)
    heed.raised.extend(found)
    if heed.strict and any(not heed.overridden(w) for w in found):
        raise WarningsNotAcknowledged(found)


async def record_override(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    heed: Heed,
    found: Iterable[ShipmentWarning],
    action: str,
) -> None:
    """Put the acknowledged warnings of this write on the timeline, with the reason."""
    codes = list(dict.fromkeys(w.code for w in found if heed.overridden(w)))
    if not codes:
        return
    if not heed.reason:
        raise invalid("body", "override_reason", msg=NO_REASON)
    data = {"action": action, "codes": codes, "reason": heed.reason}
    await events.record(
        session, actor, shipment.organization_id, OVERRIDDEN, data, shipment_id=shipment.id
    )


async def settle(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    heed: Heed,
    found: Iterable[ShipmentWarning],
    action: str,
) -> None:
    """``screen`` the warnings, then ``record_override`` the acknowledged ones."""
    found = list(found)
    screen(heed, found)
    await record_override(session, actor, shipment, heed, found, action)
