"""The office: dispatchers on the board and the optimiser, billing staff on invoices."""

from __future__ import annotations

import uuid
from typing import Any

from locust import between, task

from loadtest.traffic.common import FreightUser


class Dispatcher(FreightUser):
    """Reads the board and keeps loads moving with the optimiser's plans."""

    weight = 4
    wait_time = between(3, 8)
    kind = "dispatcher"

    def board(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Pending loads and free drivers, newest first."""
        pending = self.get_json(
            "/api/shipments", "GET /api/shipments?status", status="PENDING", limit=25
        )
        free = self.get_json("/api/drivers", "GET /api/drivers?status", status="free", limit=25)
        return (pending or {}).get("items", []), (free or {}).get("items", [])

    @task(5)
    def read_board(self) -> None:
        """The dispatch board."""
        self.board()

    @task(3)
    def on_the_road(self) -> None:
        """Loads in transit, and one of them opened."""
        page = self.get_json(
            "/api/shipments", "GET /api/shipments?status", status="IN_TRANSIT", limit=50
        )
        if page and page["items"]:
            sid = self.rng.choice(page["items"])["id"]
            self.get_json(f"/api/shipments/{sid}", "GET /api/shipments/{id}")
            self.get_json(f"/api/shipments/{sid}/events", "GET /api/shipments/{id}/events")

    @task(2)
    def plan_and_apply(self) -> None:
        """Propose a plan for some pending loads and free drivers, then apply it."""
        pending, free = self.board()
        if not pending or not free:
            return
        body = {
            "shipment_ids": [s["id"] for s in pending[:10]],
            "driver_ids": [d["id"] for d in free[:10]],
        }
        plan = self.post_json("/api/dispatch/plans", "POST /api/dispatch/plans", body)
        if plan:
            self.post_json(
                f"/api/dispatch/plans/{plan['id']}/apply",
                "POST /api/dispatch/plans/{id}/apply",
                None,
            )

    @task(1)
    def accounts(self) -> None:
        """Shipper accounts and vehicles."""
        self.get_json("/api/customers", "GET /api/customers")
        self.get_json("/api/vehicles", "GET /api/vehicles")


class Office(FreightUser):
    """Billing: issues the draft invoices that deliveries create, records payments."""

    weight = 3
    wait_time = between(5, 15)
    kind = "office"

    @task(3)
    def issue_and_collect(self) -> None:
        """Issue a draft invoice of its accounts and record a cheque, ACH or wire for it."""
        account = self.login["customer_id"]
        drafts = self.get_json(
            "/api/invoices",
            "GET /api/invoices?status",
            status="draft",
            customer_id=account,
            limit=10,
        )
        if not drafts or not drafts["items"]:
            return
        invoice = self.post_json(
            f"/api/invoices/{drafts['items'][0]['id']}/issue",
            "POST /api/invoices/{id}/issue",
            None,
        )
        if not invoice or invoice["balance_cents"] <= 0:
            return
        amount = invoice["balance_cents"]
        if self.rng.random() < 0.3:
            amount = max(1, amount // 2)  # a partial payment
        body = {
            "invoice_id": invoice["id"],
            "amount_cents": amount,
            "method": self.rng.choice(["check", "ach", "wire"]),
            "reference": f"REF-{self.rng.randint(100000, 999999)}",
        }
        self.post_json(
            "/api/payments", "POST /api/payments", body, **{"Idempotency-Key": str(uuid.uuid4())}
        )

    @task(2)
    def history(self) -> None:
        """Billing history and open invoices."""
        self.get_json("/api/payments", "GET /api/payments")
        self.get_json("/api/invoices", "GET /api/invoices?status", status="issued")

    @task(1)
    def aging(self) -> None:
        """Receivables aging."""
        self.get_json("/api/invoices/aging", "GET /api/invoices/aging")
