"""A mail job made into a message: its facts read from the database as they are now,
rendered through a plain-text and an HTML template with the organisation's name, units,
locale and time zone.

Each mail type has a ``build`` function giving its subject and the facts its templates
show; ``compose`` adds what every mail has (the company, the unsubscribe link).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import formatting
from freight.access import Actor, Role
from freight.billing import invoices, pdf
from freight.billing.models import Invoice, Payment
from freight.db import utcnow
from freight.events import Event
from freight.fleet.models import Driver, Vehicle
from freight.identity import organization
from freight.identity.models import Organization
from freight.mail import tokens
from freight.mail.catalog import MailType, mail_for
from freight.mail.models import PasswordReset
from freight.mail.recipients import muted
from freight.settings import Settings
from freight.shipments.models import Shipment

TEMPLATES = Environment(
    loader=PackageLoader("freight.mail", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


class Skip(Exception):
    """There is nothing to send any more (the recipient opted out, the row is gone)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Composed:
    mail: str
    to: str
    subject: str
    text: str
    html: str
    shipment_id: uuid.UUID | None = None
    unsubscribe_url: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    sensitive: bool = False  # holds a secret link: not kept in full once sent


@dataclass
class Facts:
    """What a ``build`` function reads from."""

    session: AsyncSession
    settings: Settings
    event: Event
    to: str
    shown: organization.Presentation
    base_url: str

    def when(self, moment: datetime | str | None) -> str:
        return formatting.when(moment, self.shown.timezone, self.shown.locale)

    def money(self, cents: int | None, currency: str) -> str:
        return formatting.money(cents, currency, self.shown.locale)


Built = tuple[str, dict[str, Any], list[Attachment]]
BUILDERS: dict[str, Callable[[Facts], Awaitable[Built]]] = {}


def builds(name: str) -> Callable[[Callable[[Facts], Awaitable[Built]]], Any]:
    def register(fn: Callable[[Facts], Awaitable[Built]]) -> Any:
        BUILDERS[name] = fn
        return fn

    return register


def _place(stop: Any) -> str:
    return ", ".join(p for p in (stop.city, stop.region) if p)


async def _shipment(facts: Facts) -> tuple[Shipment, dict[str, Any]]:
    shipment = await facts.session.get(Shipment, facts.event.shipment_id)
    if shipment is None:
        raise Skip("the shipment no longer exists")
    stops = [
        {
            "kind": s.kind.title(),
            "name": s.name or _place(s),
            "place": _place(s),
            "window": f"{formatting.when(s.window_start, s.timezone, facts.shown.locale)} to "
            f"{formatting.when(s.window_end, s.timezone, facts.shown.locale)}",
        }
        for s in shipment.stops
    ]
    first, last = shipment.stops[0], shipment.stops[-1]
    facts_of = {
        "reference": shipment.reference,
        "lane": f"{_place(first)} to {_place(last)}",
        "origin": _place(first),
        "destination": _place(last),
        "stops": stops,
        "weight": formatting.weight(shipment.weight_kg, facts.shown.units, facts.shown.locale),
        "tracking_url": f"{facts.base_url}/track/{shipment.reference}",
        "shipment_url": f"{facts.base_url}/app/shipments/{shipment.id}",
    }
    return shipment, facts_of


@builds("booking_confirmed")
async def _booked(facts: Facts) -> Built:
    _, s = await _shipment(facts)
    return f"Booking confirmed: {s['reference']}, {s['lane']}", {"shipment": s}, []


@builds("assigned")
async def _assigned(facts: Facts) -> Built:
    shipment, s = await _shipment(facts)
    driver = await facts.session.get(Driver, shipment.driver_id) if shipment.driver_id else None
    truck = await facts.session.get(Vehicle, shipment.vehicle_id) if shipment.vehicle_id else None
    first_name = driver.full_name.split()[0] if driver and driver.full_name.split() else None
    facts_of = {"shipment": s, "driver": first_name, "truck": truck.number if truck else None}
    who = f"{first_name} is" if first_name else "a driver is"
    return f"{s['reference']}: {who} on your load", facts_of, []


@builds("picked_up")
async def _picked_up(facts: Facts) -> Built:
    _, s = await _shipment(facts)
    at = facts.when(facts.event.device_time or facts.event.occurred_at)
    return f"{s['reference']} picked up in {s['origin']}", {"shipment": s, "at": at}, []


@builds("eta_slipped")
async def _late(facts: Facts) -> Built:
    _, s = await _shipment(facts)
    data = facts.event.data or {}
    facts_of = {
        "shipment": s,
        "eta": facts.when(data.get("eta")),
        "previous": facts.when(data.get("previous_eta")) if data.get("previous_eta") else None,
        "late_risk": bool(data.get("late_risk")),
    }
    return f"{s['reference']} is running late: now expected {facts_of['eta']}", facts_of, []


@builds("delivered")
async def _delivered(facts: Facts) -> Built:
    _, s = await _shipment(facts)
    data = facts.event.data or {}
    files = data.get("files") or []
    facts_of = {
        "shipment": s,
        "at": facts.when(facts.event.device_time or facts.event.occurred_at),
        "received_by": data.get("recipient_name") or "",
        "signed": any(f.get("role") == "signature" for f in files),
        "photos": sum(1 for f in files if f.get("role") == "photos"),
    }
    return f"{s['reference']} delivered in {s['destination']}", facts_of, []


async def _invoice(facts: Facts, invoice_id: Any) -> Invoice:
    invoice = await facts.session.scalar(
        select(Invoice).where(
            Invoice.id == uuid.UUID(str(invoice_id)),
            Invoice.organization_id == facts.event.organization_id,
        )
    )
    if invoice is None:
        raise Skip("the invoice no longer exists")
    return invoice


@builds("invoice_issued")
async def _issued(facts: Facts) -> Built:
    data = facts.event.data or {}
    invoice = await _invoice(facts, data.get("invoice_id"))
    biller = Actor(facts.event.organization_id, Role.ADMIN)
    document = await invoices.pdf_of(
        facts.session, biller, invoice.id, pdf.company_party(facts.settings)
    )
    facts_of = {
        "number": invoice.number,
        "total": facts.money(invoice.total_cents, invoice.currency),
        "due": formatting.day(invoice.due_at, facts.shown.timezone, facts.shown.locale),
        "references": ", ".join(invoice.shipment_references),
        "invoice_url": f"{facts.base_url}/app/invoices/{invoice.id}",
    }
    attachment = Attachment(document.filename, "application/pdf", document.data)
    return f"Invoice {invoice.number}: {facts_of['total']}", facts_of, [attachment]


@builds("payment_received")
async def _paid(facts: Facts) -> Built:
    data = facts.event.data or {}
    invoice = await _invoice(facts, data.get("invoice_id"))
    payment = None
    if data.get("payment_id"):
        payment = await facts.session.get(Payment, uuid.UUID(str(data["payment_id"])))
    cents = payment.amount_cents if payment else int(data.get("amount_cents") or 0)
    facts_of = {
        "number": invoice.number,
        "amount": facts.money(cents, invoice.currency),
        "balance": facts.money(max(invoice.total_cents - invoice.paid_cents, 0), invoice.currency),
        "invoice_url": f"{facts.base_url}/app/invoices/{invoice.id}",
    }
    return f"Payment received for invoice {invoice.number}", facts_of, []


@builds("webhook_disabled")
async def _hook_off(facts: Facts) -> Built:
    data = facts.event.data or {}
    endpoint = str(data.get("endpoint_id") or "")
    facts_of = {
        "since": facts.when(data.get("failing_since")),
        "endpoint_url": f"{facts.base_url}/app/admin/webhooks/{endpoint}",
    }
    return "A webhook endpoint was disabled after failing for days", facts_of, []


def _pct(value: Any, locale: str, otherwise: str) -> str:
    return otherwise if value is None else f"{formatting.number(float(value), locale, 1)} %"


@builds("weekly_report")
async def _weekly(facts: Facts) -> Built:
    data = facts.event.data or {}
    locale = facts.shown.locale
    on_time = data.get("delivery_on_time_pct")
    revenue = [
        facts.money(int(r.get("revenue_cents") or 0), str(r.get("currency") or "USD"))
        for r in data.get("revenue", [])
    ]
    owed = [
        (
            facts.money(int(r.get("total_cents") or 0), str(r.get("currency") or "USD")),
            facts.money(int(r.get("over_90_cents") or 0), str(r.get("currency") or "USD")),
        )
        for r in data.get("receivables", [])
    ]
    deadhead = data.get("deadhead_pct")
    start = str(data.get("week_start", ""))
    facts_of = {
        "week": f"{start} to {data.get('week_end', '')}",
        "deliveries": data.get("deliveries", 0),
        "on_time": "no deliveries"
        if on_time is None
        else f"{formatting.number(on_time, locale, 1)} %",
        "revenue": ", ".join(revenue) or "nothing invoiced",
        "deadhead": "no GPS miles"
        if deadhead is None
        else f"{formatting.number(deadhead, locale, 1)} %",
        "owed": owed,
        "exceptions": data.get("exceptions", 0),
        "reports_url": f"{facts.base_url}/app/reports?from={start}",
    }
    subject = f"Week of {start}: {facts_of['deliveries']} delivered, {facts_of['on_time']} on time"
    return subject, facts_of, []


@builds("password_reset")
async def _reset(facts: Facts) -> Built:
    data = facts.event.data or {}
    reset = await facts.session.get(PasswordReset, uuid.UUID(str(data.get("reset_id"))))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise Skip("the reset link has been used or has expired")
    key = facts.settings.secret_key.get_secret_value()
    token = tokens.reset_token(key, reset.id, reset.expires_at)
    facts_of = {
        "reset_url": f"{facts.base_url}/app/reset-password?token={token}",
        "minutes": facts.settings.password_reset_minutes,
    }
    return "Reset your Freight password", facts_of, []


async def compose(session: AsyncSession, settings: Settings, event_id: int, to: str) -> Composed:
    """The message for address ``to`` about event ``event_id``, or ``Skip``."""
    event = await session.get(Event, event_id)
    if event is None:
        raise Skip("the event no longer exists")
    mail: MailType | None = mail_for(event.type, event.data or {})
    if mail is None:
        raise Skip("this event makes no mail")
    org = event.organization_id
    if mail.optional and mail.name in (await muted(session, org, [to])).get(to, set()):
        raise Skip("the recipient turned this mail off")
    company = await session.get(Organization, org)
    base_url = settings.public_base_url.rstrip("/")
    facts = Facts(
        session, settings, event, to, await organization.presentation(session, org), base_url
    )
    subject, context, attachments = await BUILDERS[mail.name](facts)
    unsubscribe = None
    if mail.optional:
        wish = tokens.Unsubscribe(org, to, mail.name)
        token = tokens.unsubscribe_token(settings.secret_key.get_secret_value(), wish)
        unsubscribe = f"{base_url}/app/unsubscribe?token={token}"
    context |= {
        "company": company.name if company else "Freight",
        "subject": subject,
        "mail_label": mail.label,
        "unsubscribe_url": unsubscribe,
        "preferences_url": f"{base_url}/app/me/notifications",
    }
    return Composed(
        mail=mail.name,
        to=to,
        subject=subject,
        text=TEMPLATES.get_template(f"{mail.name}.txt").render(context),
        html=TEMPLATES.get_template(f"{mail.name}.html").render(context),
        shipment_id=event.shipment_id,
        unsubscribe_url=unsubscribe,
        attachments=attachments,
        sensitive=mail.name == "password_reset",
    )
