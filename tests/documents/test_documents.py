"""A shipment's documents through the API: the bill of lading and the proof-of-delivery
certificate as real PDFs read back (text, barcodes, hashes), kept by sha256 on the
timeline, one per basis however many ask at once, and only for who may see the load."""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any

import zxingcpp
from httpx import AsyncClient
from PIL import Image
from pypdf import PdfReader

from freight.settings import Settings
from tests.fleet_helpers import TINY_JPEG, add_driver, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, add_user, assert_problem
from tests.web.conftest import ARTIFACTS

REVIEW = ARTIFACTS / "documents"  # when it exists, the PDFs land there to look at


async def _documents(client: AsyncClient, who: Session, load_id: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{load_id}/documents", headers=who.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def _pdf(client: AsyncClient, who: Session, document: dict[str, Any]) -> PdfReader:
    resp = await client.get(document["url"], headers=who.auth)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    if REVIEW.exists():
        (REVIEW / document["name"]).write_bytes(resp.content)
    assert hashlib.sha256(resp.content).hexdigest() == document["sha256"]
    return PdfReader(io.BytesIO(resp.content))


def _text(pdf: PdfReader) -> str:
    return " ".join((page.extract_text() or "") for page in pdf.pages)


def _codes(pdf: PdfReader) -> dict[str, str]:
    """Every barcode in the document's images, decoded: format name -> text."""
    found = {}
    for page in pdf.pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            for result in zxingcpp.read_barcodes(picture):
                found[result.format.name] = result.text
    return found


async def _events(client: AsyncClient, who: Session, load_id: str) -> list[dict[str, Any]]:
    body = (await client.get(f"/api/shipments/{load_id}/events", headers=who.auth)).json()
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_the_bill_of_lading_reads_back_with_its_barcodes_and_hash(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    account = await add_customer(client, admin, "Prairie Foods")
    load = await book_load(client, admin, account, hazmat=True, notes="Dock 4, call ahead")
    (bol,) = await _documents(client, admin, load["id"])
    assert (bol["kind"], bol["name"]) == ("bol", f"{load['reference']}-bill-of-lading.pdf")
    pdf = await _pdf(client, admin, bol)
    text = _text(pdf)
    for expected in (
        "BILL OF LADING",
        load["reference"],
        "Prairie Foods",
        "Canned goods",
        "Chicago, IL",
        "Dallas, TX",
        "26,455 lb",
        "YES",
        "Dock 4, call ahead",
    ):
        assert expected in text, expected
    codes = _codes(pdf)
    assert codes["Code128"] == load["reference"]
    assert codes["QRCode"] == f"{settings.public_base_url}/track/{load['reference']}"
    # the hash is in the shipment's chain, and asking again makes nothing new
    made = [
        e for e in await _events(client, admin, load["id"]) if e["type"] == "document.generated"
    ]
    assert [(e["data"]["kind"], e["data"]["sha256"]) for e in made] == [("bol", bol["sha256"])]
    assert await _documents(client, admin, load["id"]) == [bol]
    # a changed load gets a new bill of lading; the old one stays as it was
    resp = await client.patch(
        f"/api/shipments/{load['id']}",
        headers={**admin.auth, "If-Match": "*"},
        json={"weight_kg": 9000},
    )
    assert resp.status_code == 200, resp.text
    old, new = await _documents(client, admin, load["id"])
    assert old == bol and new["sha256"] != bol["sha256"]
    assert "19,842 lb" in _text(await _pdf(client, admin, new))


async def test_the_proof_of_delivery_certificate_is_anchored_to_the_delivery_event(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    assert [d["kind"] for d in await _documents(client, admin, load["id"])] == ["bol"]
    await assign(client, admin, load["id"], driver)
    await move(client, driver, load["id"], "PICKED_UP")
    await move(client, driver, load["id"], "IN_TRANSIT")
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "Rita Receiver", "lat": "32.78", "lng": "-96.80",
              "delivered_at": "2026-11-29T16:05:00-06:00"},
        files=[("signature", ("sig.png", tiny_png(40, 20), "image/png")),
               ("photos", ("dock.jpg", TINY_JPEG, "image/jpeg"))],
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    proof = resp.json()
    documents = await _documents(client, driver.session, load["id"])
    certificate = next(d for d in documents if d["kind"] == "pod_certificate")
    text = _text(await _pdf(client, admin, certificate))
    delivered = next(
        e for e in await _events(client, admin, load["id"]) if e["type"] == "shipment.delivered"
    )
    assert "PROOF OF DELIVERY" in text and "Rita Receiver" in text
    assert delivered["hash"] in text.replace("\n", "")
    for entry in proof["files"]:
        assert entry["sha256"] in text.replace("\n", "")
    assert "freight audit verify" in text
    assert "Nov 29, 4:05 PM CST" in text  # the device's clock, in the stop's zone


async def test_documents_follow_the_shipment_s_access_rules(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    mine = await add_customer(client, admin, "Globex Foods")
    theirs = await add_customer(client, admin, "Initech")
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", customer_id=mine)
    stranger = await add_user(
        client, admin, "customer", "buyer@initech.example", customer_id=theirs
    )
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, mine)
    (bol,) = await _documents(client, buyer, load["id"])  # the shipper downloads theirs
    await _pdf(client, buyer, bol)
    for who in (stranger, other_admin, driver.session):
        listed = await client.get(f"/api/shipments/{load['id']}/documents", headers=who.auth)
        assert_problem(listed, 404)
        fetched = await client.get(bol["url"], headers=who.auth)
        assert_problem(fetched, 404)
    assert_problem(await client.get(f"/api/shipments/{load['id']}/documents"), 401)
    missing = bol["url"].rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert_problem(await client.get(missing, headers=admin.auth), 404)


async def test_many_asking_at_once_make_one_document(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    load = await book_load(client, admin, account)
    answers = await asyncio.gather(*(_documents(client, admin, load["id"]) for _ in range(4)))
    assert all(len(a) == 1 for a in answers)
    assert len({a[0]["id"] for a in answers}) == 1
    made = [
        e for e in await _events(client, admin, load["id"]) if e["type"] == "document.generated"
    ]
    assert len(made) == 1
