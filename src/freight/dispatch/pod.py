"""Proof of delivery: the signature and photos, checked by content, then DELIVERED atomically."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing import invoices
from freight.db import utcnow
from freight.dispatch.models import ProofOfDelivery
from freight.errors import Conflict, Forbidden, NotFound, ValidationFailed, invalid
from freight.shipments import service as shipments
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment
from freight.storage import FileStore, StoredFile

IMAGE_KINDS = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def sniff_image(data: bytes) -> str | None:
    """The image kind from its first bytes (PNG, JPEG or WebP), whatever the upload claims."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class Upload:
    field: str  # "signature" or "photos"
    index: int | None
    data: bytes


@dataclass(frozen=True)
class PodInput:
    recipient_name: str
    signature: Upload | None
    photos: list[Upload]
    lat: float | None
    lng: float | None
    delivered_at: datetime | None


def check_files(body: PodInput, max_bytes: int, max_photos: int) -> list[tuple[Upload, str]]:
    """Every file's kind, or one 422 naming each bad file."""
    errors: list[dict[str, Any]] = []
    if body.signature is None or not body.signature.data:
        errors.append({"loc": ["body", "signature"], "msg": "a signature image is required"})
    if len(body.photos) > max_photos:
        errors.append({"loc": ["body", "photos"], "msg": f"at most {max_photos} photos"})
    checked = []
    for upload in ([body.signature] if body.signature else []) + body.photos:
        loc: list[str | int] = ["body", upload.field] + (
            [upload.index] if upload.index is not None else []
        )
        kind = sniff_image(upload.data)
        if len(upload.data) > max_bytes:
            errors.append({"loc": loc, "msg": f"larger than {max_bytes // (1024 * 1024)} MB"})
        elif kind is None:
            errors.append({"loc": loc, "msg": "not a PNG, JPEG or WebP image"})
        else:
            checked.append((upload, kind))
    if errors:
        raise ValidationFailed("the proof of delivery is not valid", errors=errors)
    return checked


async def deliver(
    session: AsyncSession,
    actor: Actor,
    store: FileStore,
    shipment_id: uuid.UUID,
    body: PodInput,
    max_bytes: int,
    max_photos: int,
) -> tuple[Shipment, ProofOfDelivery, list[StoredFile]]:
    """Check, store the files, record the proof and move IN_TRANSIT -> DELIVERED.

    The caller commits; if that fails it must delete the returned files.
    """
    shipment = await shipments.get_visible(session, actor, shipment_id)
    if actor.role == Role.CUSTOMER:
        raise Forbidden("customers cannot deliver a load")
    if shipment.status != Status.IN_TRANSIT:
        raise Conflict(f"a {shipment.status} shipment cannot be delivered; it must be IN_TRANSIT")
    if not body.recipient_name.strip():
        raise invalid("body", "recipient_name", msg="the recipient's name is required")
    checked = check_files(body, max_bytes, max_photos)
    device_time = body.delivered_at.astimezone(UTC) if body.delivered_at else None
    stored: list[StoredFile] = []
    try:
        for upload, kind in checked:
            stored.append(await store.save(upload.data, kind, IMAGE_KINDS[kind]))
        now = utcnow()
        files = [
            {
                "role": u.field,
                "name": f.name,
                "sha256": f.sha256,
                "size": f.size,
                "content_type": f.content_type,
            }
            for (u, _), f in zip(checked, stored, strict=True)
        ]
        proof = ProofOfDelivery(
            organization_id=shipment.organization_id,
            shipment_id=shipment.id,
            recipient_name=body.recipient_name.strip(),
            files=files,
            lat=body.lat,
            lng=body.lng,
            delivered_at=device_time,
            received_at=now,
            captured_by=actor.user_id or actor.api_key_id,
        )
        session.add(proof)
        shipment.delivered_at = now
        extra = {
            "recipient_name": proof.recipient_name,
            "files": [{"role": f["role"], "sha256": f["sha256"]} for f in files],
            "lat": body.lat,
            "lng": body.lng,
        }
        await shipments.move(
            session,
            actor,
            shipment,
            Status.DELIVERED,
            via="deliver",
            extra=extra,
            at=device_time,
        )
        # A draft invoice in the same transaction, when the organisation bills on delivery.
        await invoices.auto_invoice(session, actor, shipment)
    except BaseException:
        for f in stored:
            await store.delete(f.name)
        raise
    return shipment, proof, stored


async def get_proof(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> ProofOfDelivery:
    """The proof of a shipment the caller may see."""
    await shipments.get_visible(session, actor, shipment_id)
    proof = await session.scalar(
        select(ProofOfDelivery).where(ProofOfDelivery.shipment_id == shipment_id)
    )
    if proof is None:
        raise NotFound("proof of delivery")
    return proof
