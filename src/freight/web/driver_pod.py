"""Proof of delivery on the driver's pages: reading the posted form into the POD
service's input, and the stored proof as the page shows it (images served through the
session, since an ``<img>`` cannot send the API's CSRF header)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.datastructures import FormData, UploadFile

from freight.access import Actor
from freight.deps import SessionDep
from freight.dispatch import pod
from freight.errors import ValidationFailed
from freight.web.auth import text

if TYPE_CHECKING:
    from freight.shipments.models import Shipment


@dataclass(frozen=True)
class ProofImage:
    url: str
    alt: str


@dataclass(frozen=True)
class Proof:
    recipient_name: str
    received_at: datetime
    images: list[ProofImage]


async def _read(upload: UploadFile, cap: int) -> bytes:
    return await upload.read(cap + 1)  # one byte over the cap is enough for the check


def _number(form: FormData, name: str) -> float | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed(
            f"{name}: not a number", errors=[{"loc": ["body", name], "msg": "not a number"}]
        ) from None


async def pod_input(
    form: FormData, signature: object, photos: list[UploadFile], cap: int
) -> pod.PodInput:
    """The POD service's input from a posted form (the service checks the content)."""
    sig = None
    if isinstance(signature, UploadFile) and signature.filename:
        sig = pod.Upload("signature", None, await _read(signature, cap))
    shots = [pod.Upload("photos", i, await _read(p, cap)) for i, p in enumerate(photos)]
    lat, lng = _number(form, "lat"), _number(form, "lng")
    if (lat is not None and not -90 <= lat <= 90) or (lng is not None and not -180 <= lng <= 180):
        lat = lng = None  # a bad device fix does not block the delivery
    return pod.PodInput(text(form, "recipient_name"), sig, shots, lat, lng, None)


def file_url(shipment: Shipment, name: str) -> str:
    """Where the driver's page loads one file of the proof."""
    return f"/app/driver/loads/{shipment.id}/proof/{name}"


async def pod_context(session: SessionDep, actor: Actor, shipment: Shipment) -> Proof | None:
    """The proof of a delivered load, with image links and alt texts."""
    proof = await pod.delivered_proof(session, shipment)
    if proof is None:
        return None
    images, photo = [], 0
    for f in proof.files:
        if f["role"] == "signature":
            alt = f"Signature of {proof.recipient_name}"
        else:
            photo += 1
            alt = f"Delivery photo {photo}"
        images.append(ProofImage(file_url(shipment, f["name"]), alt))
    return Proof(proof.recipient_name, proof.received_at, images)
