"""What goes wrong on the road: failed pickups and deliveries, OS&D, lumpers, reattempts.

A report names its kind and reason (``EXCEPTION_REASONS``) and may carry photos; it is
kept as a ``ShipmentException`` and moves the load as the state machine allows:

- ``delivery_failed`` (refused, damaged, closed, no access, wrong address, other):
  IN_TRANSIT -> ATTEMPT_FAILED. The office then reattempts (``reattempt``: back to
  IN_TRANSIT with a new delivery window, a reattempt charge and a layover per night
  waited) or returns the load (ATTEMPT_FAILED -> RETURNING -> RETURNED, by transitions).
  The consignee may still take it, or part of it: a proof of delivery is accepted from
  ATTEMPT_FAILED too.
- ``pickup_failed`` (not ready, no freight, other) on an ASSIGNED load: the load stays
  where it is (waiting at the dock is billed as detention from the stop's times), except
  that the office's report of "no freight" cancels it with a TONU charge. A driver's
  report of it waits for the office, which confirms with the shipper.
- ``osd`` (over, short, damaged, refused pieces) while the freight is on board or just
  delivered: no move; a partial delivery is an ``osd`` of the refused pieces and a proof.
- ``lumper``: the fee paid at the dock, with its receipt, billed at cost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role
from freight.billing import accessorials
from freight.billing.models import AccessorialKind
from freight.db import utcnow
from freight.dispatch import receipts
from freight.dispatch.models import EXCEPTION_REASONS, ExceptionKind, ShipmentException
from freight.dispatch.pod import PodLimits, Upload, clean_files, sniff_image
from freight.errors import Conflict, Forbidden, NotFound, ValidationFailed, invalid
from freight.shipments import service as shipments
from freight.shipments.lifecycle import ACTIVE, LOADED, Status
from freight.shipments.models import Shipment
from freight.storage import FileStore, StoredFile

STAFF = frozenset({Role.ADMIN, Role.DISPATCHER})
# Where each kind may be reported.
WHEN: dict[str, frozenset[Status]] = {
    ExceptionKind.PICKUP_FAILED: frozenset({Status.ASSIGNED}),
    ExceptionKind.DELIVERY_FAILED: frozenset({Status.IN_TRANSIT}),
    ExceptionKind.OSD: LOADED | {Status.DELIVERED},
    ExceptionKind.LUMPER: ACTIVE | {Status.DELIVERED},
}
NO_FREIGHT = "truck ordered, not used: no freight at the pickup"


@dataclass(frozen=True)
class ExceptionInput:
    kind: str
    reason: str
    pieces_affected: int | None = None
    note: str | None = None
    amount_cents: int | None = None  # a lumper's fee
    photos: tuple[Upload, ...] = ()
    receipt: Upload | None = None  # a lumper's receipt: an image or a PDF
    lat: float | None = None
    lng: float | None = None
    at: datetime | None = None  # the device's clock


def _check(body: ExceptionInput, shipment: Shipment, limits: PodLimits) -> None:
    """One 422 naming every field that is wrong for this kind of report."""
    errors: list[dict[str, Any]] = []

    def bad(field: str, msg: str) -> None:
        errors.append({"loc": ["body", field], "msg": msg})

    reasons = EXCEPTION_REASONS.get(body.kind)
    if reasons is None:
        kinds = ", ".join(EXCEPTION_REASONS)
        raise invalid("body", "kind", msg=f"must be one of {kinds}")
    if body.reason not in reasons:
        bad("reason", f"for {body.kind} must be one of {', '.join(reasons)}")
    if body.kind == ExceptionKind.OSD:
        if body.pieces_affected is None:
            bad("pieces_affected", "how many pieces are over, short, damaged or refused")
        elif (
            body.reason != "over"
            and shipment.pieces is not None
            and body.pieces_affected > shipment.pieces
        ):
            bad("pieces_affected", f"more than the load's {shipment.pieces} pieces")
    if body.kind == ExceptionKind.LUMPER:
        if not body.amount_cents:
            bad("amount_cents", "the lumper's fee is required")
        if body.receipt is None:
            bad("receipt", "the lumper's receipt is required")
    elif body.amount_cents is not None:
        bad("amount_cents", "only a lumper report has an amount")
    if len(body.photos) > limits.max_photos:
        bad("photos", f"at most {limits.max_photos} photos")
    for photo in body.photos:
        if len(photo.data) > limits.max_file_bytes:
            errors.append({"loc": ["body", "photos", photo.index], "msg": "too large"})
        elif sniff_image(photo.data) is None:
            errors.append(
                {"loc": ["body", "photos", photo.index], "msg": "not a PNG, JPEG or WebP image"}
            )
    if errors:
        raise ValidationFailed("the exception report is not valid", errors=errors)


async def reportable(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    """The shipment, if this caller may report on it (checked before any upload is read)."""
    shipment = await shipments.get_visible(session, actor, shipment_id)
    if actor.role == Role.CUSTOMER:
        raise Forbidden("customers cannot report an exception; message the carrier instead")
    return shipment


async def _store(
    store: FileStore, body: ExceptionInput, limits: PodLimits
) -> list[tuple[str, StoredFile]]:
    """The photos (decoded and re-encoded) and the receipt, saved; each with its role."""
    checked = [(p, kind) for p in body.photos if (kind := sniff_image(p.data))]
    cleaned = await clean_files(checked, limits.max_pixels)
    receipt = None
    if body.receipt is not None:
        receipt = await receipts.check(body.receipt, limits)
    saved: list[tuple[str, StoredFile]] = []
    try:
        for _, kind, data in cleaned:
            saved.append(("photo", await store.save(data, kind, receipts.IMAGE_TYPES[kind])))
        if receipt is not None:
            data, kind = receipt
            saved.append(("receipt", await store.save(data, kind, receipts.TYPES[kind])))
    except BaseException:
        for _, f in saved:
            await store.delete(f.name)
        raise
    return saved


async def report(
    session: AsyncSession,
    actor: Actor,
    store: FileStore,
    shipment_id: uuid.UUID,
    body: ExceptionInput,
    limits: PodLimits,
) -> tuple[ShipmentException, list[StoredFile]]:
    """Record the exception, store its files and move the load as its kind says.

    The caller commits; if that fails it must delete the returned files.
    """
    shipment = await reportable(session, actor, shipment_id)
    # Hold the load while deciding: a second report at once waits, then reads the move the
    # first made (409), instead of losing the version race (412).
    await session.refresh(shipment, with_for_update=True)
    _check(body, shipment, limits)
    if shipment.status not in WHEN[body.kind]:
        raise Conflict(
            f"a {body.kind.replace('_', ' ')} cannot be reported on a {shipment.status} load"
        )
    saved = await _store(store, body, limits)
    try:
        row = await _record(session, actor, shipment, body, saved)
    except BaseException:
        for _, f in saved:
            await store.delete(f.name)
        raise
    return row, [f for _, f in saved]


def _stop_of(shipment: Shipment, kind: str) -> int | None:
    if not shipment.stops:
        return None
    if kind == ExceptionKind.PICKUP_FAILED:
        return shipment.stops[0].sequence
    return shipment.stops[-1].sequence


async def _record(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    body: ExceptionInput,
    saved: list[tuple[str, StoredFile]],
) -> ShipmentException:
    before = Status(shipment.status)
    row = ShipmentException(
        id=uuid.uuid4(),
        organization_id=shipment.organization_id,
        shipment_id=shipment.id,
        kind=body.kind,
        reason=body.reason,
        pieces_affected=body.pieces_affected,
        note=body.note,
        amount_cents=body.amount_cents,
        files=[
            {
                "role": role,
                "name": f.name,
                "sha256": f.sha256,
                "size": f.size,
                "content_type": f.content_type,
            }
            for role, f in saved
        ],
        status_before=before,
        status_after=before,
        stop_sequence=_stop_of(shipment, body.kind),
        lat=body.lat,
        lng=body.lng,
        reported_at=body.at,
        reported_by=actor.user_id,
        reported_role=actor.role,
    )
    data: dict[str, Any] = {
        "exception_id": str(row.id),
        "kind": body.kind,
        "reason": body.reason,
        "files": [{"role": f["role"], "sha256": f["sha256"]} for f in row.files],
    }
    for key, value in (("pieces_affected", body.pieces_affected), ("note", body.note)):
        if value is not None:
            data[key] = value
    target = _target(actor, body)
    if target is not None:
        cancel = target == Status.CANCELLED
        await shipments.move(
            session,
            actor,
            shipment,
            target,
            via="cancel" if cancel else "fail_delivery",
            extra=data,
            at=body.at,
            reason=NO_FREIGHT if cancel else None,
            lat=body.lat,
            lng=body.lng,
        )
        row.status_after = target
    else:
        if body.kind == ExceptionKind.PICKUP_FAILED and body.reason == "no_freight":
            data["awaiting"] = "the office to confirm with the shipper and cancel with a TONU"
        await events.record(
            session,
            actor,
            shipment.organization_id,
            "shipment.exception",
            data,
            shipment_id=shipment.id,
            device_time=body.at,
        )
    session.add(row)
    await _charge(session, actor, shipment, body, row)
    return row


def _target(actor: Actor, body: ExceptionInput) -> Status | None:
    """The status the report moves the load to, if any."""
    if body.kind == ExceptionKind.DELIVERY_FAILED:
        return Status.ATTEMPT_FAILED
    if body.kind == ExceptionKind.PICKUP_FAILED and body.reason == "no_freight":
        return Status.CANCELLED if actor.role in STAFF else None
    return None


async def _charge(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    body: ExceptionInput,
    row: ShipmentException,
) -> None:
    if row.status_after == Status.CANCELLED:
        price = await accessorials.rate(session, shipment, AccessorialKind.TONU)
        await accessorials.charge(
            session, actor, shipment, AccessorialKind.TONU, unit_price_cents=price, source_id=row.id
        )
    if body.kind == ExceptionKind.LUMPER and body.amount_cents:
        await accessorials.charge(
            session,
            actor,
            shipment,
            AccessorialKind.LUMPER,
            unit_price_cents=body.amount_cents,
            detail=body.reason,
            source_id=row.id,
        )


async def reattempt(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    window_start: datetime,
    window_end: datetime,
    note: str | None = None,
) -> Shipment:
    """Back to IN_TRANSIT with a new delivery window, charging the reattempt and a layover
    for each night between the failed attempt and the new window (in the stop's zone)."""
    shipment = await shipments.get_visible(session, actor, shipment_id)
    if window_end <= window_start:
        raise invalid("body", "window_end", msg="the new window ends before it starts")
    if window_end <= utcnow():
        raise invalid("body", "window_end", msg="the new window is over already")
    if shipment.status != Status.ATTEMPT_FAILED:
        raise Conflict(f"a {shipment.status} load has no failed delivery to reattempt")
    failed = await last_failure(session, shipment.id)
    stop = shipment.stops[-1]
    zone = ZoneInfo(stop.timezone)
    failed_at = (failed.reported_at or failed.created_at) if failed else utcnow()
    nights = max(0, (window_start.astimezone(zone).date() - failed_at.astimezone(zone).date()).days)
    data: dict[str, Any] = {
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
        "layover_nights": nights,
        "sequence": stop.sequence,
    }
    if note:
        data["note"] = note
    await shipments.move(session, actor, shipment, Status.IN_TRANSIT, via="reattempt", extra=data)
    stop.window_start, stop.window_end = window_start, window_end
    stop.arrived_at = stop.departed_at = None  # the next arrival is the reattempt's
    source = failed.id if failed else None
    fee = await accessorials.rate(session, shipment, AccessorialKind.REATTEMPT)
    await accessorials.charge(
        session, actor, shipment, AccessorialKind.REATTEMPT, unit_price_cents=fee, source_id=source
    )
    night = await accessorials.rate(session, shipment, AccessorialKind.LAYOVER)
    await accessorials.charge(
        session,
        actor,
        shipment,
        AccessorialKind.LAYOVER,
        unit_price_cents=night,
        quantity=nights,
        unit="night",
        source_id=source,
    )
    return shipment


async def last_failure(session: AsyncSession, shipment_id: uuid.UUID) -> ShipmentException | None:
    """The latest failed delivery attempt of the load."""
    return (
        await session.execute(
            select(ShipmentException)
            .where(
                ShipmentException.shipment_id == shipment_id,
                ShipmentException.kind == ExceptionKind.DELIVERY_FAILED,
            )
            .order_by(ShipmentException.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def listed(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID
) -> list[ShipmentException]:
    """The load's exceptions, oldest first, for those who may see the load."""
    shipment = await shipments.get_visible(session, actor, shipment_id)
    rows = await session.execute(
        select(ShipmentException)
        .where(ShipmentException.shipment_id == shipment.id)
        .order_by(ShipmentException.created_at, ShipmentException.id)
    )
    return list(rows.scalars())


async def exception_file(
    session: AsyncSession,
    actor: Actor,
    store: FileStore,
    shipment_id: uuid.UUID,
    exception_id: uuid.UUID,
    name: str,
) -> tuple[bytes, str]:
    """One photo or receipt of a report, for those who may see the load."""
    for row in await listed(session, actor, shipment_id):
        if row.id != exception_id:
            continue
        for f in row.files:
            if f["name"] == name:
                return await store.read(name), f["content_type"]
    raise NotFound("file", name)
