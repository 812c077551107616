"""Mails about a load reach the booking user and the account's contacts, through a real
SMTP server; unsubscribing and preferences stop the next one."""

from __future__ import annotations

import asyncio
import re

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, add_vehicle, book_load, move
from tests.helpers import Session, add_user, assert_problem
from tests.mail.conftest import Inbox, html_of, text_of
from tests.webhooks.conftest import eventually

CONTACT = "ops@globex.example"


async def shipper(http: AsyncClient, admin: Session, contacts: list[str] | None = None) -> str:
    resp = await http.post(
        "/api/customers",
        headers=admin.auth,
        json={
            "name": "Globex Foods",
            "billing_email": "ap@globex.example",
            "notification_emails": contacts if contacts is not None else [CONTACT.upper()],
        },
    )
    assert resp.status_code == 201, resp.text
    wanted = [CONTACT] if contacts is None else [c.lower() for c in contacts]
    assert resp.json()["notification_emails"] == wanted
    customer_id: str = resp.json()["id"]
    return customer_id


async def test_booking_mails_the_booker_and_the_contacts(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    account = await shipper(mailing, acme)
    load = await book_load(mailing, acme, account)
    [mail] = await inbox.wait_for(CONTACT)
    [own] = await inbox.wait_for("admin@acme.example")
    assert mail["Subject"] == own["Subject"]
    assert mail["Subject"].startswith(f"Booking confirmed: {load['reference']}")
    assert mail["From"] == "Acme Haulage <dispatch@acme.example>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = text_of(mail), html_of(mail)
    assert f"https://freight.acme.example/track/{load['reference']}" in text
    assert "Acme Haulage" in html and load["reference"] in html
    assert "<script" not in html
    assert mail["Message-ID"] != own["Message-ID"]  # one message per recipient


async def test_assigned_and_picked_up_name_the_driver_and_truck(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    account = await shipper(mailing, acme)
    driver = await add_driver(mailing, acme, "sam@acme.example", full_name="Sam Rivera")
    truck = await add_vehicle(mailing, acme, "T-204")
    load = await book_load(mailing, acme, account)
    resp = await mailing.post(
        f"/api/shipments/{load['id']}/assign",
        headers=acme.auth,
        json={"driver_id": driver.id, "vehicle_id": truck["id"]},
    )
    assert resp.status_code == 200, resp.text
    await move(mailing, driver, load["id"], "PICKED_UP")
    mails = await inbox.wait_for(CONTACT, count=3)
    subjects = [m["Subject"] for m in mails]
    assigned = next(m for m in mails if "on your load" in m["Subject"])
    assert "Sam" in text_of(assigned) and "Rivera" not in text_of(assigned)
    assert "T-204" in text_of(assigned)
    assert any(s.startswith(f"{load['reference']} picked up in Chicago") for s in subjects)


async def test_one_click_unsubscribe_stops_the_next_mail(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    account = await shipper(mailing, acme)
    await book_load(mailing, acme, account)
    [mail] = await inbox.wait_for(CONTACT)
    link = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"])
    assert link is not None
    path = link.group(1).removeprefix("https://freight.acme.example")
    resp = await mailing.post(path, data={"List-Unsubscribe": "One-Click"})  # no sign-in
    assert resp.status_code == 200, resp.text
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert (await mailing.post(forged)).status_code == 400
    second = await book_load(mailing, acme, account)
    await inbox.wait_for("admin@acme.example", count=2)  # the booker still gets it
    await asyncio.sleep(0.5)
    assert len(inbox.to(CONTACT)) == 1
    assert second["reference"] not in " ".join(m["Subject"] for m in inbox.to(CONTACT))


async def test_preferences_turn_a_mail_off_for_oneself(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    got = await mailing.get("/api/me/notifications", headers=acme.auth)
    assert got.status_code == 200 and got.json()["mails"]["booking_confirmed"] is True
    off = {"mails": {"booking_confirmed": False}}
    put = await mailing.put("/api/me/notifications", headers=acme.auth, json=off)
    assert put.status_code == 200 and put.json()["mails"]["booking_confirmed"] is False
    assert put.json()["mails"]["delivered"] is True  # the others stay as they were
    account = await shipper(mailing, acme)
    await book_load(mailing, acme, account)
    await inbox.wait_for(CONTACT)
    await asyncio.sleep(0.5)
    assert inbox.to("admin@acme.example") == []


async def test_preferences_refuse_unknown_and_foreign_mails(
    mailing: AsyncClient, acme: Session
) -> None:
    bad = {"mails": {"booking_confirmed": True, "lottery": False}}
    resp = await mailing.put("/api/me/notifications", headers=acme.auth, json=bad)
    body = assert_problem(resp, 422)
    assert body["errors"][0]["loc"] == ["body", "mails", "lottery"]
    dispatcher = await add_user(mailing, acme, "dispatcher", "disp@acme.example")
    admin_only = {"mails": {"webhook_disabled": False}}
    resp = await mailing.put("/api/me/notifications", headers=dispatcher.auth, json=admin_only)
    assert_problem(resp, 422)
    assert (await mailing.get("/api/me/notifications")).status_code == 401


async def test_a_refused_delivery_is_retried_with_the_same_message_id(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    inbox.refuse_next = 2
    account = await shipper(mailing, acme, contacts=[])
    await book_load(mailing, acme, account)
    [mail] = await inbox.wait_for("admin@acme.example", within=15)

    async def settled() -> list[dict[str, object]]:  # the record lands just after the send
        log = await mailing.get("/api/mail/messages", headers=acme.auth)
        return [m for m in log.json()["items"] if m["status"] == "sent"]

    [row] = await eventually(settled)
    assert row["template"] == "booking_confirmed" and row["attempts"] == 3
    assert mail["Message-ID"].startswith(f"<{str(row['id']).replace('-', '')}@")
