"""The one form shape every page post follows (``freight.web.forms.submit``), seen through
real pages: a refused form comes back with its messages and writes nothing, a form sent
twice does its work once, and a success redirects with its notice."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.web.billing_world import delivered, invoiced, set_rates
from tests.web.clients import csrf, form_value, signed_in
from tests.web.conftest import World

ADMIN = "admin@acme.example"


async def invoices_of(world: World) -> list[dict[str, Any]]:
    resp = await world.site.http.get("/api/invoices", headers=world.admin.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_an_invoice_form_sent_twice_makes_one_invoice_and_uses_up_no_number(
    world: World,
) -> None:
    await set_rates(world)
    load = await delivered(world)
    async with signed_in(world.url, ADMIN) as admin:
        form = {
            "csrf_token": csrf(admin),
            "customer_id": world.customer_id,
            "shipment_ids": load["id"],
        }
        replies = await asyncio.gather(*(admin.post("/app/invoices/new", data=form) for _ in "ab"))
        statuses = sorted(r.status_code for r in replies)
        assert statuses == [303, 409], [r.text[:300] for r in replies]
        made = next(r for r in replies if r.status_code == 303)
        assert "?done=invoice-created" in made.headers["location"]
        refused = next(r for r in replies if r.status_code == 409)
        said = re.search(r'id="form-error"[^>]*>(.*?)<', refused.text, re.S)
        assert form_value(refused.text) and said, refused.text  # the form again, with why
    [invoice] = await invoices_of(world)
    assert said.group(1).strip() in (  # refused up front, or by the claim after a race
        f"{load['reference']} is already on {invoice['number']}.",
        "One of these shipments was just invoiced by someone else.",
    )
    assert invoice["status"] == "draft"
    # The refused one rolled back its whole unit of work, the number it may have drawn too.
    after = await invoiced(world, [(await delivered(world))["id"]], issue=False)
    first, second = (int(n.rsplit("-", 1)[1]) for n in (invoice["number"], after["number"]))
    assert second == first + 1


async def test_a_refused_booking_names_each_bad_field_keeps_the_typing_and_books_nothing(
    world: World,
) -> None:
    async def bookings() -> int:
        resp = await world.site.http.get("/api/shipments", headers=world.admin.auth)
        assert resp.status_code == 200, resp.text
        return len(resp.json()["items"])

    before = await bookings()
    async with signed_in(world.url, "dan@acme.example") as http:
        token = form_value((await http.get("/app/shipments/new")).text)
        booking = {"csrf_token": token, "stop_count": "2", "equipment_type": "dry_van"}
        booking |= {"weight": "1800", "stops-0-kind": "pickup", "stops-1-kind": "delivery"}
        booking |= {"stops-0-city": "Memphis", "stops-1-city": "Atlanta"}
        booking |= {"declared_value": "12.345", "commodity": "Paper rolls"}
        when = datetime.now(UTC) + timedelta(days=2)
        for i, hour in ((0, 8), (1, 30)):
            start = (when + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M")
            end = (when + timedelta(hours=hour + 4)).strftime("%Y-%m-%dT%H:%M")
            booking |= {f"stops-{i}-window_start": start, f"stops-{i}-window_end": end}
        refused = await http.post("/app/shipments/new", data=booking)
        assert refused.status_code == 422
        shown = set(re.findall(r'id="([^"]*)-error"', refused.text))
        assert shown == {"declared_value", "customer_id"}  # each said at once, nothing else
        assert "Enter an amount such as 4500.00." in refused.text
        assert 'value="Paper rolls"' in refused.text and 'value="12.345"' in refused.text
        assert await bookings() == before

        booking |= {"customer_id": world.customer_id, "declared_value": "4500"}
        booked = await http.post("/app/shipments/new", data=booking)
        assert booked.status_code == 303, booked.text
        assert booked.headers["location"].endswith("?done=booked")
    assert await bookings() == before + 1
