"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from freight.events import Event
from freight.identity.models import ApiKey, Organization, RefreshToken, User
from freight.shipments.models import Customer, Shipment, Stop

__all__ = [
    "ApiKey",
    "Customer",
    "Event",
    "Organization",
    "RefreshToken",
    "Shipment",
    "Stop",
    "User",
]
