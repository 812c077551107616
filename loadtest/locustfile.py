"""Freight's UAT traffic mix as Locust users.

Who does what (weight out of 50 users, think time per user):

- ``Customer`` (16, 2-6 s): opens and tracks its account's shipments (timeline, ETA,
  track), lists with filters, the public tracking page, messages, books loads, quotes.
- ``Driver`` (12, 3-6 s): posts GPS batches, moves its load through pickup, transit and
  delivery with a proof of delivery, messages.
- ``Subscriber`` (10, 10-20 s): a socket.io client watching its account's active loads
  (or the dispatch board); delivery latency is recorded as ``WS`` rows.
- ``Visitor`` (5, 5-15 s): anonymous, the public tracking page by reference.
- ``Dispatcher`` (4, 3-8 s): reads the board, opens loads, proposes and applies plans.
- ``Office`` (3, 5-15 s): issues draft invoices, records payments, reads history, aging.

Every simulated user signs in with its own account from the seed file (``LOADTEST_SEED``,
written by ``seed.py``), so no two share a rate limit, and sends its own
``X-Forwarded-For`` address, as visitors behind the load balancer would.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import socketio
from locust import FastHttpUser, between, events, task
from locust.env import Environment

HERE = Path(__file__).resolve().parent
ACTIVE = ("ASSIGNED", "PICKED_UP", "IN_TRANSIT")
CITIES = [
    ("Chicago", "IL", 41.8781, -87.6298),
    ("Dallas", "TX", 32.7767, -96.7970),
    ("Atlanta", "GA", 33.7490, -84.3880),
    ("Memphis", "TN", 35.1495, -90.0490),
    ("Indianapolis", "IN", 39.7684, -86.1581),
    ("Columbus", "OH", 39.9612, -82.9988),
    ("Kansas City", "MO", 39.0997, -94.5786),
    ("Nashville", "TN", 36.1627, -86.7816),
    ("Houston", "TX", 29.7604, -95.3698),
    ("Denver", "CO", 39.7392, -104.9903),
]
MESSAGES = [
    "Running about 20 minutes behind, traffic on the interstate.",
    "At the gate, waiting for a door.",
    "Please call the receiver before arrival.",
    "Dock 4 is reserved for you.",
    "Can you confirm the pallet count?",
    "Loaded and sealed, seal number on the BOL.",
]
WS_DELIVERY = "delivery"  # the suffix of every WS latency row ("shipment:updated delivery")

_seed_cache: dict[str, Any] = {}
_claims: dict[str, itertools.count[int]] = defaultdict(itertools.count)
_claims_lock = threading.Lock()
_addresses = itertools.count(1)


def seed_data() -> dict[str, Any]:
    """The seed file written by seed.py (path in ``LOADTEST_SEED``)."""
    if not _seed_cache:
        path = os.environ.get("LOADTEST_SEED", str(HERE / "seed.json"))
        _seed_cache.update(json.loads(Path(path).read_text()))
    return _seed_cache


def claim(kind: str) -> dict[str, Any]:
    """The next unused login of a kind (wrapping round when there are more users)."""
    pool = seed_data()["logins"][kind]
    with _claims_lock:
        n = next(_claims[kind])
    login: dict[str, Any] = pool[n % len(pool)]
    return login


def fake_address() -> str:
    """A distinct client address per simulated user (TEST-NET-style private range)."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def iso(at: datetime) -> str:
    """An aware timestamp on the wire."""
    return at.astimezone(UTC).isoformat()


def png_1x1() -> bytes:
    """The signature image a phone captures (1x1 PNG)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


SIGNATURE = png_1x1()


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type (FastHttpUser has no ``files=``)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content_type, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def booking(rng: random.Random) -> dict[str, Any]:
    """A shipment a shipper would book: a pickup in the next days, delivery after it."""
    origin, destination = rng.sample(CITIES, 2)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start += timedelta(hours=rng.randint(6, 96))
    stops = []
    for kind, (city, region, lat, lng), at in (
        ("pickup", origin, start),
        ("delivery", destination, start + timedelta(hours=rng.randint(20, 60))),
    ):
        stops.append(
            {
                "kind": kind,
                "name": f"{city} {'DC' if kind == 'pickup' else 'Store'} {rng.randint(1, 99)}",
                "address": f"{rng.randint(100, 9999)} Commerce Dr",
                "city": city,
                "region": region,
                "postal_code": f"{rng.randint(10000, 99999)}",
                "country": "US",
                "lat": lat,
                "lng": lng,
                "window_start": iso(at),
                "window_end": iso(at + timedelta(hours=4)),
            }
        )
    return {
        "equipment_type": rng.choice(["dry_van"] * 7 + ["reefer"] * 2 + ["flatbed"]),
        "weight_kg": rng.randint(2, 20) * 1000,
        "pieces": rng.randint(1, 26),
        "commodity": rng.choice(["Canned goods", "Auto parts", "Paper rolls", "Produce"]),
        "stops": stops,
    }


class FreightUser(FastHttpUser):
    """Signs in with its own account; re-signs before the access token expires."""

    abstract = True
    kind = ""
    login: dict[str, Any]
    token = ""
    token_at = 0.0

    def on_start(self) -> None:
        """Claim a login and sign in."""
        self.rng = random.Random()  # noqa: S311 (traffic shape, not security)
        self.address = fake_address()
        self.login = claim(self.kind)
        self.sign_in()

    def sign_in(self) -> None:
        """POST /api/auth/login (Argon2id on the server: deliberately slow)."""
        body = {"email": self.login["email"], "password": seed_data()["password"]}
        with self.client.post(
            "/api/auth/login",
            json=body,
            headers={"X-Forwarded-For": self.address},
            name="POST /api/auth/login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login {response.status_code}")
                return
            self.token = response.json()["access_token"]
            self.token_at = time.monotonic()

    @property
    def auth(self) -> dict[str, str]:
        """Headers of an authenticated call (signing in again after ten minutes)."""
        if time.monotonic() - self.token_at > 600:
            self.sign_in()
        return {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.address}

    def get_json(self, path: str, name: str, **params: Any) -> Any:
        """GET with the caller's token; None when it failed (already counted)."""
        url = f"{path}?{urlencode(params, doseq=True)}" if params else path
        response = self.client.get(url, headers=self.auth, name=name)
        if response.status_code != 200:
            return None
        return response.json()

    def post_json(self, path: str, name: str, body: Any, **headers: str) -> Any:
        """POST JSON with the caller's token; None when it failed (already counted)."""
        response = self.client.post(path, json=body, headers={**self.auth, **headers}, name=name)
        if response.status_code not in (200, 201, 202):
            return None
        return response.json() if response.text else {}


# --- shippers ---------------------------------------------------------------------------


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


# --- drivers ----------------------------------------------------------------------------


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
            data=form,
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


# --- the office -------------------------------------------------------------------------


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


# --- real-time subscribers ----------------------------------------------------------------


def fire(environment: Environment, name: str, started: float, exc: Exception | None = None) -> None:
    """Record one WS sample (ms since ``started``, a wall-clock time)."""
    environment.events.request.fire(
        request_type="WS",
        name=name,
        response_time=max(0.0, (time.time() - started) * 1000),
        response_length=0,
        exception=exc,
        context={},
    )


class Subscriber(FreightUser):
    """A screen with live updates: a shipper's active loads, or a dispatcher's board.

    Delivery latency is receipt time minus the event's server time (``at``), both on
    this machine's clock: ``WS shipment:updated delivery`` and ``WS dispatch:board delivery``.
    """

    weight = 10
    wait_time = between(10, 20)
    kind = "watcher"

    def on_start(self) -> None:
        """Every third subscriber is a dispatch board; the others watch an account."""
        self.board = next(_board_turn) % 3 == 0
        self.kind = "dispatcher" if self.board else "watcher"
        super().on_start()
        self.watching: set[str] = set()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=1)
        self.sio.on("shipment:updated", self._on_update)
        self.sio.on("dispatch:board", self._on_board)
        started = time.time()
        try:
            self.sio.connect(
                self.host,
                auth={"token": self.token},
                transports=["websocket"],
                wait_timeout=10,
            )
        except Exception as exc:  # counted as a failed WS connect
            fire(self.environment, "connect", started, exc)
            return
        fire(self.environment, "connect", started)
        if self.board:
            started = time.time()
            answer = self.sio.call("subscribe_dispatch", {}, timeout=10)
            ok = isinstance(answer, dict) and answer.get("ok")
            fire(
                self.environment,
                "subscribe_dispatch",
                started,
                None if ok else RuntimeError(str(answer)),
            )
        self.follow()

    def on_stop(self) -> None:
        """Close the socket."""
        if getattr(self, "sio", None) is not None and self.sio.connected:
            self.sio.disconnect()

    def _latency(self, name: str, payload: Any) -> None:
        at = payload.get("at") if isinstance(payload, dict) else None
        if not at:
            return
        sent = datetime.fromisoformat(at).timestamp()
        fire(self.environment, f"{name} {WS_DELIVERY}", sent)

    def _on_update(self, payload: Any) -> None:
        self._latency("shipment:updated", payload)

    def _on_board(self, payload: Any) -> None:
        self._latency("dispatch:board", payload)

    @task
    def follow(self) -> None:
        """Subscribe to the account's loads that are on the move (a shipper's screen)."""
        if self.board or not self.sio.connected:
            return
        page = self.get_json(
            "/api/shipments",
            "GET /api/shipments?status",
            status=list(ACTIVE),
            limit=50,
        )
        for shipment in (page or {}).get("items", []):
            if shipment["id"] in self.watching:
                continue
            started = time.time()
            try:
                answer = self.sio.call("subscribe", {"shipment_id": shipment["id"]}, timeout=10)
            except Exception as exc:
                fire(self.environment, "subscribe", started, exc)
                continue
            ok = isinstance(answer, dict) and answer.get("ok")
            fire(self.environment, "subscribe", started, None if ok else RuntimeError(str(answer)))
            if ok:
                self.watching.add(shipment["id"])


_board_turn = itertools.count()


@events.init.add_listener
def _check_seed(environment: Environment, **_: Any) -> None:
    """Fail fast when the seed file is missing."""
    seed_data()


__all__ = ["Customer", "Dispatcher", "Driver", "Office", "Subscriber", "Visitor"]
