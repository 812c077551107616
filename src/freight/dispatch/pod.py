"""Proof of delivery: the signature and photos, checked by content, then DELIVERED atomically."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing import invoices
from freight.db import utcnow
from freight.dispatch import images
from freight.dispatch.models import ProofOfDelivery
from freight.errors import Conflict, Forbidden, NotFound, ValidationFailed, invalid
from freight.settings import Settings
from freight.shipments import service as shipments
from freight.shipments.checks import site_warnings
from freight.shipments.heed import Heed, record_override, screen
from freight.shipments.lifecycle import DELIVERABLE, Status
from freight.shipments.models import Shipment
from freight.storage import FileStore, StoredFile, served_file_headers

IMAGE_KINDS = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
# Decoding is CPU and memory heavy: a few at a time per process.
_DECODERS = anyio.CapacityLimiter(2)


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
class PodLimits:
    """How much a proof may hold: bytes per file, photos, pixels per image."""

    max_file_bytes: int
    max_photos: int
    max_pixels: int

    @classmethod
    def of(cls, settings: Settings) -> PodLimits:
        """The limits configured in the settings."""
        return cls(
            settings.pod_max_file_bytes, settings.pod_max_photos, settings.pod_max_image_pixels
        )


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


async def clean_files(
    checked: list[tuple[Upload, str]], max_pixels: int
) -> list[tuple[Upload, str, bytes]]:
    """Each image decoded and re-encoded without metadata (off the event loop), or a 422."""
    errors: list[dict[str, Any]] = []
    cleaned = []
    for upload, kind in checked:
        try:
            data = await anyio.to_thread.run_sync(
                images.sanitise, upload.data, kind, max_pixels, limiter=_DECODERS
            )
        except images.ImageRejected as exc:
            loc = ["body", upload.field] + ([upload.index] if upload.index is not None else [])
            errors.append({"loc": loc, "msg": str(exc)})
            continue
        cleaned.append((upload, kind, data))
    if errors:
        raise ValidationFailed("the proof of delivery is not valid", errors=errors)
    return cleaned


async def deliverable(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    """The shipment, if this caller may deliver it now (checked before any upload is read)."""
    shipment = await shipments.get_visible(session, actor, shipment_id)
    if actor.role == Role.CUSTOMER:
        raise Forbidden("customers cannot deliver a load")
    if shipment.status not in DELIVERABLE:
        raise Conflict(
            f"a {shipment.status} shipment cannot be delivered; it must be IN_TRANSIT "
            "(or ATTEMPT_FAILED)"
        )
    return shipment


async def deliver(
    session: AsyncSession,
    actor: Actor,
    store: FileStore,
    shipment_id: uuid.UUID,
    body: PodInput,
    limits: PodLimits,
    heed: Heed | None = None,
) -> tuple[Shipment, ProofOfDelivery, list[StoredFile]]:
    """Check, store the files, record the proof and move IN_TRANSIT -> DELIVERED.

    With ``heed``, a delivery far from its stop or far outside its window is a warning;
    a strict one is refused before any image is decoded or stored. The caller commits;
    if that fails it must delete the returned files.
    """
    shipment = await deliverable(session, actor, shipment_id)
    if not body.recipient_name.strip():
        raise invalid("body", "recipient_name", msg="the recipient's name is required")
    checked = check_files(body, limits.max_file_bytes, limits.max_photos)
    found = []
    if heed is not None:
        at = body.delivered_at or utcnow()
        found = await site_warnings(session, shipment, heed, "delivery", at, body.lat, body.lng)
        screen(heed, found)
    cleaned = await clean_files(checked, limits.max_pixels)
    stored: list[StoredFile] = []
    try:
        for _, kind, data in cleaned:
            stored.append(await store.save(data, kind, IMAGE_KINDS[kind]))
        proof = await _record(session, actor, shipment, body, cleaned, stored)
        if heed is not None:
            await record_override(session, actor, shipment, heed, found, "deliver")
    except BaseException:
        for f in stored:
            await store.delete(f.name)
        raise
    return shipment, proof, stored


async def _record(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    body: PodInput,
    cleaned: list[tuple[Upload, str, bytes]],
    stored: list[StoredFile],
) -> ProofOfDelivery:
    """The proof of the stored files, the move to DELIVERED and, if billed so, the invoice."""
    device_time = body.delivered_at.astimezone(UTC) if body.delivered_at else None
    now = utcnow()
    files = [
        {
            "role": u.field,
            "name": f.name,
            "sha256": f.sha256,
            "size": f.size,
            "content_type": f.content_type,
        }
        for (u, _, _), f in zip(cleaned, stored, strict=True)
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
    return proof


async def get_proof(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> ProofOfDelivery:
    """The proof of a shipment the caller may see."""
    await shipments.get_visible(session, actor, shipment_id)
    proof = await session.scalar(
        select(ProofOfDelivery).where(ProofOfDelivery.shipment_id == shipment_id)
    )
    if proof is None:
        raise NotFound("proof of delivery")
    return proof


async def delivered_proof(session: AsyncSession, shipment: Shipment) -> ProofOfDelivery | None:
    """The proof of a shipment the caller already holds (and may see), once delivered."""
    if shipment.status != Status.DELIVERED:
        return None
    return await session.scalar(
        select(ProofOfDelivery).where(ProofOfDelivery.shipment_id == shipment.id)
    )


@dataclass(frozen=True, slots=True)
class ServedFile:
    """A stored proof file as it is sent back: bytes, type and the headers every route uses."""

    data: bytes
    content_type: str
    headers: dict[str, str]


async def proof_file(
    session: AsyncSession, actor: Actor, files: FileStore, shipment_id: uuid.UUID, name: str
) -> ServedFile:
    """One file of a shipment's proof for someone who may see the shipment (API and pages)."""
    proof = await get_proof(session, actor, shipment_id)
    entry = next((f for f in proof.files if f["name"] == name), None)
    if entry is None:
        raise NotFound("file")
    return ServedFile(await files.read(name), entry["content_type"], served_file_headers(name))
