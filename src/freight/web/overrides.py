"""Warnings on the pages, before a write lands: every page write is tried strictly.

While it raises warnings (``freight.shipments.warnings``) the person has not seen, the
service refuses it, ``submit`` rolls back and the page shows them (``_warnings.html``)
with an "Override: reason" field. The person changes what they typed, or goes ahead
with a reason (the ``override`` button), which the service records on the timeline.
The page sends back the codes it showed, so a new warning is shown again, not waved by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from freight.identity.organization import Presentation
from freight.shipments.heed import Heed, WarningsNotAcknowledged
from freight.shipments.warnings import CODES, ShipmentWarning
from freight.web.auth import text

REASON_LIMIT = 500
NO_REASON = "Say why you are going ahead despite the warning."
TOO_LONG = f"Keep the reason to {REASON_LIMIT} characters."


@dataclass
class Override:
    """What a posted form says about warnings: the codes it was shown, the reason typed,
    and whether the person pressed the button that goes ahead."""

    heed: Heed
    pressed: bool
    typed: str
    error: str | None = None


@dataclass(frozen=True)
class WarningBlock:
    """The warnings a page shows before the write, and the reason field's state."""

    warnings: list[ShipmentWarning]
    typed: str = ""
    error: str | None = None
    codes: list[str] = field(default_factory=list)


def override_of(form: FormData | None, shown: Presentation) -> Override:
    """The strict ``Heed`` of a page form: its shown codes count as acknowledged only
    when the person pressed the override button with a reason (of at most 500 chars)."""
    typed = text(form, "override_reason").strip() if form is not None else ""
    pressed = form is not None and bool(text(form, "override"))
    codes = [c for c in (form.getlist("acknowledge_warnings") if form else []) if c in CODES]
    error = None
    if pressed and not typed:
        error = NO_REASON
    elif len(typed) > REASON_LIMIT:
        error = TOO_LONG
    going_ahead = pressed and error is None
    heed = Heed(
        frozenset(codes if going_ahead else ()),
        typed if going_ahead else None,
        strict=True,
        shown=shown,
    )
    return Override(heed, pressed, typed, error)


def warning_block(error: Exception, override: Override) -> WarningBlock | None:
    """The block to show after a write refused for its warnings (None: refused otherwise)."""
    if not isinstance(error, WarningsNotAcknowledged):
        return None
    found = error.warnings
    return WarningBlock(found, override.typed, override.error, [w.code for w in found])
