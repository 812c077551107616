"""Shippers: a customer's user watching and booking loads, and a consignee with a link."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import FastHttpUser, between, task

from loadtest.samples import CITIES
from loadtest.traffic.common import (
    ACTIVE,
    MESSAGES,
    FreightUser,
    booking,
    fake_address,
    iso,
    seed_data,
)


class Customer(FreightUser):
    """A shipper's user: watches and books its own account's loads."""

    weight = 16
    wait_time = between(2, 6)
    kind = "customer"

    def on_start(self) -> None:
        """Sign in and load the first page of the account's shipments."""
        super().on_start()
        self.known: list[dict[str, Any]] = []
        self.refresh()

    def refresh(self) -> None:
        """The account's newest shipments (the landing page)."""
        page = self.get_json("/api/shipments", "GET /api/shipments", limit=50)
        if page:
            self.known = page["items"]

    def pick(self) -> dict[str, Any] | None:
        """One of the account's shipments, active ones more often."""
        if not self.known:
            self.refresh()
            return None
        active = [s for s in self.known if s["status"] in ACTIVE]
        pool = active if active and self.rng.random() < 0.7 else self.known
        return self.rng.choice(pool)

    @task(8)
    def open_shipment(self) -> None:
        """Open a shipment, then its timeline, ETA and track now and then."""
        shipment = self.pick()
        if shipment is None:
            return
        sid = shipment["id"]
        self.get_json(f"/api/shipments/{sid}", "GET /api/shipments/{id}")
        if self.rng.random() < 0.5:
            self.get_json(f"/api/shipments/{sid}/events", "GET /api/shipments/{id}/events")
        if shipment["status"] in ACTIVE:
            self.get_json(f"/api/shipments/{sid}/eta", "GET /api/shipments/{id}/eta")
            if self.rng.random() < 0.5:
                self.get_json(
                    f"/api/shipments/{sid}/positions", "GET /api/shipments/{id}/positions"
                )

    @task(5)
    def list_filtered(self) -> None:
        """The list with the filters the shipper's screen offers."""
        choice = self.rng.random()
        if choice < 0.4:
            status = self.rng.choice(["PENDING", "IN_TRANSIT", "DELIVERED", "ASSIGNED"])
            page = self.get_json("/api/shipments", "GET /api/shipments?status", status=status)
        elif choice < 0.7:
            city = self.rng.choice(CITIES)[0].split()[0].lower()
            page = self.get_json("/api/shipments", "GET /api/shipments?q", q=city, limit=20)
        elif choice < 0.85:
            since = iso(datetime.now(UTC) - timedelta(days=self.rng.choice((1, 7, 30))))
            page = self.get_json(
                "/api/shipments", "GET /api/shipments?created_from", created_from=since
            )
        else:
            page = self.get_json("/api/shipments", "GET /api/shipments", limit=50)
            if page:
                self.known = page["items"]
        if page and page["items"] and self.rng.random() < 0.3:
            self.known = (page["items"] + self.known)[:80]

    @task(3)
    def public_tracking(self) -> None:
        """The public tracking page a shipper shares with its consignee (no sign-in)."""
        shipment = self.pick()
        if shipment is not None:
            self.client.get(
                f"/api/track/{shipment['reference']}",
                headers={"X-Forwarded-For": self.address},
                name="GET /api/track/{reference}",
            )

    @task(3)
    def messages(self) -> None:
        """Read a shipment's thread, mark it read, sometimes write."""
        shipment = self.pick()
        if shipment is None:
            return
        sid = shipment["id"]
        page = self.get_json(f"/api/shipments/{sid}/messages", "GET /api/shipments/{id}/messages")
        if page and page["items"]:
            last = page["items"][-1]["id"]
            self.post_json(
                f"/api/shipments/{sid}/messages/read",
                "POST /api/shipments/{id}/messages/read",
                {"up_to_id": last},
            )
        if self.rng.random() < 0.3:
            self.post_json(
                f"/api/shipments/{sid}/messages",
                "POST /api/shipments/{id}/messages",
                {"body": self.rng.choice(MESSAGES)},
            )

    @task(2)
    def book(self) -> None:
        """Book a load (the price is the organisation's quote, frozen)."""
        created = self.post_json("/api/shipments", "POST /api/shipments", booking(self.rng))
        if created:
            self.known.insert(0, created)

    @task(1)
    def quote(self) -> None:
        """Price a prospective load."""
        body = booking(self.rng)
        stops = [{"lat": s["lat"], "lng": s["lng"], "city": s["city"]} for s in body["stops"]]
        self.post_json(
            "/api/quotes",
            "POST /api/quotes",
            {"equipment_type": body["equipment_type"], "stops": stops},
        )

    @task(1)
    def invoices(self) -> None:
        """The account's invoices."""
        self.get_json("/api/invoices", "GET /api/invoices")


class Visitor(FastHttpUser):
    """A consignee with a tracking link: the public page by reference, no sign-in.

    Each visitor follows one delivery of its own, reloading the page, and now and then
    opens another link (a new delivery to wait for).
    """

    weight = 5
    wait_time = between(5, 15)

    def on_start(self) -> None:
        """A client address of its own (the public page is rate-limited per address)."""
        self.address = fake_address()
        self.rng = random.Random()  # noqa: S311
        self.reference = self.rng.choice(seed_data()["references"])

    @task
    def track(self) -> None:
        """Reload the tracking page, or open another link."""
        if self.rng.random() < 0.2:
            self.reference = self.rng.choice(seed_data()["references"])
        self.client.get(
            f"/api/track/{self.reference}",
            headers={"X-Forwarded-For": self.address},
            name="GET /api/track/{reference}",
        )
