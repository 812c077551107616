"""The invoice PDF opens, fits one page, and says what the invoice says."""

from __future__ import annotations

import io

from httpx import AsyncClient
from pypdf import PdfReader

from freight.billing.money import format_cents
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
    assert format_cents(body["total_cents"], "USD") in text
    for shipment in shipments:
        assert shipment["reference"] in text
    for fragment in ("Acme Haulage LLC", "Chicago, IL 60607", "Globex Foods", "Bill to", "Net 30"):
        assert fragment in text
    assert body["due_at"][:10] in text


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
