"""Documents added to a load (lumper receipts, scale tickets, customs papers): judged by
their bytes, kept by sha256 on the load's timeline, for staff and the load's driver to
add and read; not for shippers, nor another load's driver."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from fpdf import FPDF
from httpx import AsyncClient, Response
from PIL import Image

from freight.settings import Settings
from tests.conftest import base_settings
from tests.documents.helpers import documents, events, of_kind
from tests.fleet_helpers import DriverAt, add_driver, assign, book_load, tiny_png
from tests.helpers import Session, add_customer, add_user, assert_problem

LIMIT = 64 * 1024


@pytest.fixture
def settings(clean_db: str, tmp_path: Path) -> Settings:
    return base_settings(clean_db, tmp_path, document_max_upload_bytes=LIMIT)


def a_pdf(words: str = "Scale ticket 4471: gross 71,240 lb") -> bytes:
    sheet = FPDF()
    sheet.add_page()
    sheet.set_font("helvetica", size=12)
    sheet.cell(0, 10, words)
    return bytes(sheet.output())


def noise_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


async def _send(
    client: AsyncClient,
    who: Session | DriverAt,
    load_id: str,
    data: bytes,
    filename: str = "receipt.png",
    content_type: str = "image/png",
    kind: str = "lumper_receipt",
) -> Response:
    return await client.post(
        f"/api/shipments/{load_id}/documents",
        headers=who.auth,
        data={"type": kind},
        files={"file": (filename, data, content_type)},
    )


def _names_file(resp: Response, field: str = "file") -> str:
    body = assert_problem(resp, 422)
    (error,) = body["errors"]
    assert error["loc"] == ["body", field]
    message: str = error["msg"]
    return message


@pytest.fixture
async def load(client: AsyncClient, admin: Session) -> dict[str, object]:
    account = await add_customer(client, admin)
    shipment = await book_load(client, admin, account)
    return shipment | {"account": account}


async def test_staff_and_the_load_s_driver_add_real_files_kept_by_their_sha256(
    client: AsyncClient, admin: Session, load: dict[str, str]
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    await assign(client, admin, load["id"], dee)
    png = tiny_png(30, 20)
    resp = await _send(client, admin, load["id"], png, "C:\\scans\\lumper 12.PNG")
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    assert (receipt["kind"], receipt["type"], receipt["content_type"]) == (
        "upload",
        "lumper_receipt",
        "image/png",
    )
    assert receipt["name"] == "lumper 12.png"
    served = await client.get(receipt["url"], headers=dee.auth)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["content-security-policy"]
    assert hashlib.sha256(served.content).hexdigest() == receipt["sha256"]
    assert Image.open(io.BytesIO(served.content)).size == (30, 20)
    # the driver adds a PDF named as anything; it is a PDF by its bytes
    ticket = await _send(client, dee, load["id"], a_pdf(), "ticket", "text/plain", "scale_ticket")
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["name"] == "ticket.pdf"
    again = await _send(client, dee, load["id"], a_pdf(), "again.pdf", kind="scale_ticket")
    assert again.json()["id"] == ticket.json()["id"]
    added = [e for e in await events(client, admin, load["id"]) if e["type"] == "document.uploaded"]
    assert [(e["data"]["type"], e["data"]["sha256"]) for e in added] == [
        ("lumper_receipt", receipt["sha256"]),
        ("scale_ticket", ticket.json()["sha256"]),
    ]
    for who in (admin, dee):
        listed = of_kind(await documents(client, who, load["id"]), "upload")
        assert [d["type"] for d in listed] == ["lumper_receipt", "scale_ticket"]


async def test_a_file_is_judged_by_its_bytes_and_its_size(
    client: AsyncClient, admin: Session, load: dict[str, str]
) -> None:
    text = b"Lumper paid $180, cash. Not a PDF at all.\n"
    assert "PDF, PNG or JPEG" in _names_file(
        await _send(client, admin, load["id"], text, "receipt.pdf", "application/pdf")
    )
    fake = b"%PDF-1.7\nthis only starts like one\n"
    assert "not a readable PDF" in _names_file(
        await _send(client, admin, load["id"], fake, "receipt.pdf", "application/pdf")
    )
    broken = tiny_png(4, 4)[:40]
    assert "PNG" in _names_file(await _send(client, admin, load["id"], broken))
    big = noise_png(160)
    assert LIMIT < len(big) < 2 * LIMIT
    assert "larger than" in _names_file(await _send(client, admin, load["id"], big))
    huge = await _send(client, admin, load["id"], noise_png(400))
    assert_problem(huge, 413)
    wrong = await _send(client, admin, load["id"], tiny_png(), kind="invoice")
    assert "lumper_receipt" in _names_file(wrong, "type")
    assert of_kind(await documents(client, admin, load["id"]), "upload") == []


async def test_shippers_and_other_drivers_may_not_add_documents(
    client: AsyncClient, admin: Session, other_admin: Session, load: dict[str, str]
) -> None:
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", load["account"])
    dee = await add_driver(client, admin, "dee@acme.example")
    eve = await add_driver(client, admin, "eve@acme.example")
    await assign(client, admin, load["id"], dee)
    assert_problem(await _send(client, buyer, load["id"], tiny_png()), 403)
    assert_problem(await _send(client, eve, load["id"], tiny_png()), 403)
    assert_problem(await _send(client, other_admin, load["id"], tiny_png()), 404)
    resp = await client.post(
        f"/api/shipments/{load['id']}/documents",
        data={"type": "other"},
        files={"file": ("x.png", tiny_png(), "image/png")},
    )
    assert_problem(resp, 401)
    # what was added is the carrier's: the shipper neither lists nor fetches it
    added = (await _send(client, admin, load["id"], tiny_png(), kind="customs")).json()
    assert of_kind(await documents(client, buyer, load["id"]), "upload") == []
    assert_problem(await client.get(added["url"], headers=buyer.auth), 404)
    assert_problem(await client.get(added["url"], headers=eve.auth), 404)
