"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from freight.billing.models import (
    Invoice,
    InvoiceCounter,
    InvoicedShipment,
    InvoiceLine,
    Payment,
    ProviderEvent,
    RateCard,
    Refund,
    ShipmentPrice,
)
from freight.dispatch.models import DispatchPlan, Offer, ProofOfDelivery
from freight.documents.models import Document
from freight.events import Event
from freight.fleet.models import Driver, Vehicle
from freight.idempotency import IdempotencyRecord
from freight.identity.models import ApiKey, Customer, Organization, RefreshToken, User
from freight.ifta.models import FuelPurchase
from freight.mail.models import MailMessage, MailPreference, PasswordReset
from freight.messaging.models import Message, ReadPointer
from freight.outbox.models import OutboxCursor, OutboxJob
from freight.shipments.models import Shipment, Stop
from freight.tracking.models import Position
from freight.webhooks.models import WebhookAttempt, WebhookEndpoint

__all__ = [
    "ApiKey",
    "Customer",
    "DispatchPlan",
    "Document",
    "Driver",
    "Event",
    "FuelPurchase",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoicedShipment",
    "MailMessage",
    "MailPreference",
    "Message",
    "Offer",
    "Organization",
    "OutboxCursor",
    "OutboxJob",
    "PasswordReset",
    "Payment",
    "Position",
    "ProofOfDelivery",
    "ProviderEvent",
    "RateCard",
    "ReadPointer",
    "RefreshToken",
    "Refund",
    "Shipment",
    "ShipmentPrice",
    "Stop",
    "User",
    "Vehicle",
    "WebhookAttempt",
    "WebhookEndpoint",
]
