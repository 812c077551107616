"""The invoice PDF opens, fits one page, and says what the invoice says."""

from __future__ import annotations

import io
from typing import Any

from httpx import AsyncClient
from pypdf import PdfReader

from freight import formatting as fmt
from tests.billing.conftest import Org, deliver, invoice
from tests.helpers import assert_problem


async def test_the_pdf_holds_number_total_and_every_shipment(client: AsyncClient, org: Org) -> None:
    shipments = [
        await deliver(client, org, org.account_a),
        await deliver(client, org, org.account_a, origin="Atlanta", destination="Memphis"),
        await deliver(client, org, org.account_a, origin="Denver", destination="Phoenix"),
    ]
    body = await invoice(client, org, org.account_a, [s["id"] for s in shipments])
    resp = await client.get(f"/api/invoices/{body['id']}/pdf", headers=org.customer_a.auth)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    assert body["number"] in resp.headers["content-disposition"]
    assert resp.content.startswith(b"%PDF-")

    reader = PdfReader(io.BytesIO(resp.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert body["number"] in text
    assert fmt.money(body["total_cents"], "USD") in text  # "$8,764.26"
    for shipment in shipments:
        assert shipment["reference"] in text
    for fragment in ("Acme Haulage LLC", "Chicago, IL 60607", "Globex Foods", "Bill to", "Net 30"):
        assert fragment in text
    assert fmt.day(body["due_at"], "America/Chicago") in text  # "Jan 2, 2027"


async def test_dispatchers_read_the_pdf_but_drivers_and_outsiders_do_not(
    client: AsyncClient, org: Org
) -> None:
    shipment = await deliver(client, org, org.account_a)
    body = await invoice(client, org, org.account_a, [shipment["id"]], issue=False)
    url = f"/api/invoices/{body['id']}/pdf"
    assert (await client.get(url, headers=org.dispatcher.auth)).status_code == 200
    assert_problem(await client.get(url, headers=org.customer_a.auth), 404)  # still a draft
    assert_problem(await client.get(url, headers=org.driver.auth), 403)
    assert_problem(await client.get(url, headers=org.outsider.auth), 404)


async def _pdf(client: AsyncClient, org: Org) -> tuple[PdfReader, dict[str, Any]]:
    shipment = await deliver(client, org, org.account_a)
    body = await invoice(client, org, org.account_a, [shipment["id"]])
    resp = await client.get(f"/api/invoices/{body['id']}/pdf", headers=org.customer_a.auth)
    assert resp.status_code == 200
    return PdfReader(io.BytesIO(resp.content)), body


async def test_a_us_organisation_prints_on_letter(client: AsyncClient, org: Org) -> None:
    box = (await _pdf(client, org))[0].pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


async def test_an_a4_organisation_prints_on_a4_in_its_locale(client: AsyncClient, org: Org) -> None:
    settings = {"paper_size": "a4", "locale": "de-DE", "timezone": "Europe/Berlin"}
    resp = await client.patch("/api/organization", headers=org.admin.auth, json=settings)
    assert resp.status_code == 200, resp.text
    reader, body = await _pdf(client, org)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert fmt.money(body["total_cents"], "USD", "de-DE") in text  # "4.083,72 US$"
    assert fmt.day(body["due_at"], "Europe/Berlin", "de-DE") in text  # "2. Jan. 2027"
    # The other organisation's invoices are not changed by this one's settings.
    other = await client.get("/api/organization", headers=org.outsider.auth)
    assert other.json()["paper_size"] == "letter"
