"""Drivers' phones: GPS batches, the load moved along, a proof of delivery, messages."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import between, task

from loadtest.traffic.common import MESSAGES, SIGNATURE, FreightUser, iso, multipart


def toward(lat: float, lng: float, target: tuple[float, float], km: float) -> tuple[float, float]:
    """Move ``km`` along the straight line to ``target`` (stopping there)."""
    dlat, dlng = target[0] - lat, target[1] - lng
    dist = math.hypot(dlat * 111.0, dlng * 111.0 * math.cos(math.radians(lat)))
    if dist <= km or dist == 0:
        return target
    f = km / dist
    return lat + dlat * f, lng + dlng * f


class Driver(FreightUser):
    """A driver's phone: GPS every few seconds, the load moved along, a proof at the end."""

    weight = 12
    wait_time = between(3, 6)
    kind = "driver"
    # Ticks (GPS batches) spent in each status before the next move.
    TICKS = {"ASSIGNED": 2, "PICKED_UP": 2, "IN_TRANSIT": 4}

    def on_start(self) -> None:
        """Sign in; the first load comes from the seed (one is assigned to every driver)."""
        super().on_start()
        self.load: dict[str, Any] | None = None
        self.ticks = 0
        self.position: tuple[float, float] | None = None
        self.last_fix = datetime.now(UTC) - timedelta(seconds=30)

    def target(self) -> tuple[float, float]:
        """The next stop of the load."""
        assert self.load is not None
        stop = self.load["stops"][0 if self.load["status"] == "ASSIGNED" else -1]
        return stop["lat"], stop["lng"]

    @task
    def drive(self) -> None:
        """One tick: find a load when idle, report GPS, move the load when it is time."""
        if self.load is None:
            loads = self.get_json("/api/drivers/me/loads", "GET /api/drivers/me/loads")
            if not loads or not loads["items"]:
                return
            self.load, self.ticks = loads["items"][0], 0
            if self.position is None:
                lat, lng = self.target()
                self.position = (lat + 0.2, lng + 0.2)  # some 25 km out
        self.gps()
        self.ticks += 1
        if self.rng.random() < 0.15:
            self.chat()
        if self.ticks >= self.TICKS[self.load["status"]]:
            self.advance()

    def gps(self) -> None:
        """A batch of fixes since the last one, at highway speed toward the next stop."""
        assert self.position is not None
        now = datetime.now(UTC)
        span = (now - self.last_fix).total_seconds()
        n = max(1, min(10, int(span)))
        fixes = []
        lat, lng = self.position
        for i in range(1, n + 1):
            lat, lng = toward(lat, lng, self.target(), 88 * span / n / 3600)
            fixes.append(
                {
                    "lat": round(lat, 6),
                    "lng": round(lng, 6),
                    "recorded_at": iso(self.last_fix + timedelta(seconds=span * i / n)),
                    "speed_kmh": 88.0,
                    "heading": 180.0,
                    "accuracy_m": 8.0,
                }
            )
        self.position, self.last_fix = (lat, lng), now
        self.post_json(
            "/api/tracking/positions", "POST /api/tracking/positions", {"positions": fixes}
        )

    def advance(self) -> None:
        """ASSIGNED -> PICKED_UP -> IN_TRANSIT by transitions, then DELIVERED with a proof."""
        assert self.load is not None and self.position is not None
        sid, status = self.load["id"], self.load["status"]
        lat, lng = self.position
        self.ticks = 0
        if status in ("ASSIGNED", "PICKED_UP"):
            move = "PICKED_UP" if status == "ASSIGNED" else "IN_TRANSIT"
            body = {"status": move, "at": iso(datetime.now(UTC)), "lat": lat, "lng": lng}
            updated = self.post_json(
                f"/api/shipments/{sid}/transitions", "POST /api/shipments/{id}/transitions", body
            )
            self.load = updated if updated else None
            return
        fields = {
            "recipient_name": "Receiving clerk",
            "lat": f"{lat:.6f}",
            "lng": f"{lng:.6f}",
            "delivered_at": iso(datetime.now(UTC)),
        }
        form, content_type = multipart(fields, {"signature": ("sig.png", "image/png", SIGNATURE)})
        self.client.post(
            f"/api/shipments/{sid}/pod",
            # locust annotates data as str | dict, yet sends bytes as they are (its docstring
            # says "String/bytes"); a multipart body with a PNG in it is bytes.
            data=form,  # type: ignore[arg-type]
            headers={**self.auth, "Content-Type": content_type},
            name="POST /api/shipments/{id}/pod",
        )
        self.load = None

    def chat(self) -> None:
        """Read the load's thread and post to it."""
        assert self.load is not None
        sid = self.load["id"]
        self.get_json(f"/api/shipments/{sid}/messages", "GET /api/shipments/{id}/messages")
        self.post_json(
            f"/api/shipments/{sid}/messages",
            "POST /api/shipments/{id}/messages",
            {"body": self.rng.choice(MESSAGES)},
        )
