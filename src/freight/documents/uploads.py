"""Documents people add to a load: lumper receipts, scale tickets, customs papers, others.

A file is taken for what its bytes are, never its name or claimed type: a PDF (``%PDF-``
that pypdf can open, with at least one page), a PNG or a JPEG (decoded and written anew
by ``dispatch.images``, so no metadata or trailing bytes are stored). The type is kept in
the basis (``lumper_receipt:{sha256}``): the same file added twice as the same type is
one document.

Staff and the load's driver may add them; customers may not (403), nor a driver of
another load (403); another organisation's load is not found.
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
from dataclasses import dataclass

import anyio
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, scoped
from freight.context import AppContext
from freight.dispatch import images
from freight.dispatch.pod import sniff_image
from freight.documents.models import Document, DocumentKind
from freight.documents.store import PDF, Wanted, insert
from freight.errors import Forbidden, NotFound, invalid
from freight.shipments.models import Shipment

UPLOAD_TYPES = {
    "lumper_receipt": "Lumper receipt",
    "scale_ticket": "Scale ticket",
    "customs": "Customs document",
    "other": "Other document",
}
KINDS = {"pdf": PDF, "png": "image/png", "jpg": "image/jpeg"}
_CHECKERS = anyio.CapacityLimiter(2)  # parsing and decoding are CPU heavy: a few at once
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def upload_type(document: Document) -> str | None:
    """The type of an uploaded document (``lumper_receipt``...), None for made ones."""
    return document.basis.split(":", 1)[0] if document.kind == DocumentKind.UPLOAD else None


@dataclass(frozen=True)
class Checked:
    extension: str
    data: bytes  # what is stored: the PDF as sent, an image written anew


def _pdf_opens(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(PdfReader(io.BytesIO(data), strict=False).pages) > 0
    except Exception:  # pypdf raises many kinds on a broken file; any of them refuses it
        return False


def check(data: bytes, max_bytes: int, max_pixels: int) -> Checked:
    """The file if it is a PDF, PNG or JPEG within the limits, else a 422 naming ``file``
    (blocking: call in a thread)."""
    if not data:
        raise invalid("body", "file", msg="the file is empty")
    if len(data) > max_bytes:
        raise invalid("body", "file", msg=f"larger than {max_bytes // (1024 * 1024)} MB")
    if data.startswith(b"%PDF-"):
        if not _pdf_opens(data):
            raise invalid("body", "file", msg="not a readable PDF")
        return Checked("pdf", data)
    kind = sniff_image(data)
    if kind not in ("png", "jpg"):
        raise invalid("body", "file", msg="not a PDF, PNG or JPEG file")
    try:
        return Checked(kind, images.sanitise(data, kind, max_pixels))
    except images.ImageRejected as exc:
        raise invalid("body", "file", msg=str(exc)) from None


def download_name(filename: str | None, type_: str, extension: str) -> str:
    """A safe file name for downloads, ending in what the file really is."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:100] or type_.replace("_", "-")
    return f"{stem}.{extension}"


async def may_upload(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    """The load, if this caller may add documents to it (checked before the body is read)."""
    if actor.role == Role.CUSTOMER:
        raise Forbidden("customers cannot add documents to a load; send them to the carrier")
    shipment = await session.scalar(scoped(Shipment, actor).where(Shipment.id == shipment_id))
    if not isinstance(shipment, Shipment):
        raise NotFound("shipment", shipment_id)
    if not actor.is_staff and (actor.driver_id is None or shipment.driver_id != actor.driver_id):
        raise Forbidden("only the load's driver and the office may add documents to it")
    return shipment


async def upload(
    ctx: AppContext,
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    type_: str,
    filename: str | None,
    data: bytes,
) -> Document:
    """Add a document of ``type_`` to the load in the caller's transaction (a
    ``document.uploaded`` event with its sha256); the same file added again as the same
    type answers the document already there.

    The file is stored before the row: if the caller's transaction then rolls back, it
    should ``await ctx.files.delete(document.name)``.
    """
    shipment = await may_upload(session, actor, shipment_id)
    if type_ not in UPLOAD_TYPES:
        raise invalid("body", "type", msg=f"one of {', '.join(UPLOAD_TYPES)}")
    settings = ctx.settings
    checked = await anyio.to_thread.run_sync(
        check, data, settings.document_max_upload_bytes, settings.pod_max_image_pixels,
        limiter=_CHECKERS,
    )  # fmt: skip
    saved = await ctx.files.save(checked.data, checked.extension, KINDS[checked.extension])
    basis = f"{type_}:{saved.sha256}"
    same = select(Document).where(
        Document.shipment_id == shipment.id,
        Document.kind == DocumentKind.UPLOAD,
        Document.basis == basis,
    )
    if (found := await session.scalar(same)) is not None:
        await ctx.files.delete(saved.name)
        return found
    want = Wanted(DocumentKind.UPLOAD, basis, download_name(filename, type_, checked.extension))
    try:
        async with events.savepoint(session):
            return await insert(
                session, actor, shipment, want, saved, "document.uploaded", type=type_
            )
    except IntegrityError:  # the same file, sent twice at once: the other one stands
        await ctx.files.delete(saved.name)
        return (await session.scalars(same)).one()
