"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from freight.dispatch.models import DispatchPlan, ProofOfDelivery
from freight.events import Event
from freight.fleet.models import Driver, Vehicle
from freight.identity.models import ApiKey, Organization, RefreshToken, User
from freight.shipments.models import Customer, Shipment, Stop

__all__ = [
    "ApiKey",
    "Customer",
    "DispatchPlan",
    "Driver",
    "Event",
    "Organization",
    "ProofOfDelivery",
    "RefreshToken",
    "Shipment",
    "Stop",
    "User",
    "Vehicle",
]
