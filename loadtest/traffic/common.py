"""What every simulated user shares: the seed, sign-in, JSON calls, request bodies."""

from __future__ import annotations

import itertools
import json
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

from locust import FastHttpUser

from loadtest.samples import CITIES, png_1x1

SEED_FILE = Path(__file__).resolve().parents[1] / "seed.json"  # unless LOADTEST_SEED says
ACTIVE = ("ASSIGNED", "PICKED_UP", "IN_TRANSIT")
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
        path = os.environ.get("LOADTEST_SEED", str(SEED_FILE))
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
