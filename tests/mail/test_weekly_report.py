"""The weekly report mail: last week's figures to the admins, once per week however
often cron runs it, and not to a staff member who is not an admin."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from freight.reports.weekly import last_week, record_all
from tests.billing.conftest import invoice
from tests.fleet_helpers import assign, book_load, due_now, move, tiny_png
from tests.helpers import Session
from tests.mail.conftest import Inbox, html_of, text_of
from tests.mail.test_billing_and_kept_mails import make_org

CHICAGO = ZoneInfo("America/Chicago")


def test_last_week_is_monday_to_sunday_in_the_organisation_s_zone() -> None:
    # Monday 2026-12-07 03:00 UTC is still Sunday evening in Chicago.
    monday_utc = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    assert last_week(monday_utc, "America/Chicago") == (
        datetime(2026, 11, 23).date(),
        datetime(2026, 11, 29).date(),
    )
    assert last_week(monday_utc, "UTC") == (
        datetime(2026, 11, 30).date(),
        datetime(2026, 12, 6).date(),
    )


async def test_the_admins_get_last_week_s_figures_once(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    org = await make_org(mailing, acme)
    load = await due_now(
        mailing, org.dispatcher, await book_load(mailing, org.dispatcher, org.account_a)
    )
    await assign(mailing, org.dispatcher, load["id"], org.driver)
    await move(mailing, org.driver, load["id"], "PICKED_UP")
    await move(mailing, org.driver, load["id"], "IN_TRANSIT")
    proof = await mailing.post(
        f"/api/shipments/{load['id']}/pod",
        headers=org.driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert proof.status_code == 201, proof.text
    issued = await invoice(mailing, org, org.account_a, [load["id"]])
    transport = mailing._transport
    assert isinstance(transport, ASGITransport)
    sessions = cast(FastAPI, transport.app).state.ctx.sessions
    # The Monday after the week the delivery window opened in, in Chicago (the default zone).
    opened = datetime.fromisoformat(load["stops"][1]["window_start"]).astimezone(CHICAGO)
    next_week = opened + timedelta(days=7 - opened.weekday(), hours=12 - opened.hour)
    made = await asyncio.gather(record_all(sessions, next_week), record_all(sessions, next_week))
    assert sum(made) == 2  # each organisation once, by whichever run came first
    assert await record_all(sessions, next_week) == 0  # cron again: nothing new

    [mail] = [m for m in await inbox.wait_for("admin@acme.example") if "delivered" in m["Subject"]]
    assert "1 delivered, 100.0 % on time" in mail["Subject"]
    text = text_of(mail)
    total = issued["subtotal_cents"]
    assert f"${total // 100:,}.{total % 100:02d}" in text
    assert "https://freight.acme.example/app/reports?from=" in text
    assert "Owed to you" in html_of(mail)
    await asyncio.sleep(0.5)
    assert not [m for m in inbox.to("dispatch@acme.example") if "Week of" in m["Subject"]]
