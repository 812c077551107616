"""Proof of delivery: files checked by content, hashed into the event, nothing half-done."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from freight.settings import Settings
from tests.conftest import base_settings
from tests.fleet_helpers import TINY_JPEG, DriverAt, add_driver, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, add_user, assert_problem, running_client


async def _in_transit(client: AsyncClient, admin: Session) -> tuple[dict[str, Any], DriverAt, str]:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], driver)
    await move(client, driver, load["id"], "PICKED_UP")
    await move(client, driver, load["id"], "IN_TRANSIT")
    return load, driver, account


def _files(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


async def test_delivery_with_proof(client: AsyncClient, admin: Session, settings: Settings) -> None:
    load, driver, account = await _in_transit(client, admin)
    signature, photo = tiny_png(3, 2), TINY_JPEG
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={
            "recipient_name": "Rita Receiver",
            "lat": "32.78",
            "lng": "-96.80",
            "delivered_at": "2026-11-29T16:05:00-06:00",
        },
        files=[
            ("signature", ("sig.png", signature, "image/png")),
            ("photos", ("dock.jpg", photo, "image/jpeg")),
        ],
    )
    assert resp.status_code == 201, resp.text
    proof = resp.json()
    assert proof["delivered_at"].startswith("2026-11-29T22:05:00") and proof["received_at"]
    # The stored files are re-encoded (pixels only), so their hashes are of what is stored.
    hashes = {f["role"]: f["sha256"] for f in proof["files"]}
    assert set(hashes) == {"signature", "photos"}

    shipment = (await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)).json()
    assert shipment["status"] == "DELIVERED" and shipment["delivered_at"]
    event = (await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)).json()[
        "items"
    ][-1]
    assert event["type"] == "shipment.delivered"
    assert {f["sha256"] for f in event["data"]["files"]} == set(hashes.values())
    assert event["device_time"].startswith("2026-11-29T22:05:00")

    buyer = await add_user(client, admin, "customer", "buyer@globex.example", account)
    seen = await client.get(f"/api/shipments/{load['id']}/pod", headers=buyer.auth)
    assert seen.status_code == 200
    for f in seen.json()["files"]:
        download = await client.get(f["url"], headers=buyer.auth)
        assert (
            download.status_code == 200
            and hashlib.sha256(download.content).hexdigest() == f["sha256"]
        )
    driver_record = (await client.get(f"/api/drivers/{driver.id}", headers=admin.auth)).json()
    assert driver_record["current_shipment_id"] is None  # free for the next load


async def test_pod_and_files_follow_the_shipment_access_rules(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    load, driver, _ = await _in_transit(client, admin)
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "R"},
        files={"signature": ("s.png", tiny_png(), "image/png")},
    )
    url = resp.json()["files"][0]["url"]
    stranger = await add_user(client, admin, "customer", "other@initech.example")
    for who in (stranger, other_admin):
        assert_problem(await client.get(f"/api/shipments/{load['id']}/pod", headers=who.auth), 404)
        assert_problem(await client.get(url, headers=who.auth), 404)
    assert_problem(
        await client.get(
            f"/api/shipments/{load['id']}/pod/files/..%2F..%2Fetc%2Fpasswd", headers=admin.auth
        ),
        404,
    )


@pytest.mark.parametrize(
    ("files", "loc"),
    [
        ({"photos": ("a.png", tiny_png(), "image/png")}, ["body", "signature"]),
        ({"signature": ("sig.png", b"%PDF-1.7 not an image", "image/png")}, ["body", "signature"]),
        (
            {"signature": ("sig.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")},
            ["body", "signature"],
        ),
    ],
    ids=["missing-signature", "pdf-named-png", "svg"],
)
async def test_bad_proof_is_422_and_changes_nothing(
    client: AsyncClient, admin: Session, settings: Settings, files: dict[str, Any], loc: list[str]
) -> None:
    load, driver, _ = await _in_transit(client, admin)
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "R"},
        files=files,
    )
    errors = assert_problem(resp, 422)["errors"]
    assert loc in [e["loc"] for e in errors]
    assert (await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)).json()[
        "status"
    ] == "IN_TRANSIT"
    assert _files(settings.file_store_dir) == []


async def test_oversize_file_is_422_and_leaves_no_file(clean_db: str, tmp_path: Path) -> None:
    settings = base_settings(clean_db, tmp_path, pod_max_file_bytes=2048)
    async with running_client(settings) as client:
        from tests.helpers import register

        admin = await register(client, "Acme", "admin@acme.example")
        load, driver, _ = await _in_transit(client, admin)
        big = tiny_png() + b"\0" * 4096
        resp = await client.post(
            f"/api/shipments/{load['id']}/pod",
            headers=driver.auth,
            data={"recipient_name": "R"},
            files=[
                ("signature", ("s.png", tiny_png(), "image/png")),
                ("photos", ("p.png", big, "image/png")),
            ],
        )
        assert ["body", "photos", 0] in [e["loc"] for e in assert_problem(resp, 422)["errors"]]
    assert _files(settings.file_store_dir) == []


async def test_wrong_state_is_409_and_leaves_no_file(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], driver)
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "R"},
        files={"signature": ("s.png", tiny_png(), "image/png")},
    )
    assert_problem(resp, 409)
    assert _files(settings.file_store_dir) == []


async def test_customers_cannot_deliver(client: AsyncClient, admin: Session) -> None:
    load, _, account = await _in_transit(client, admin)
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", account)
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=buyer.auth,
        data={"recipient_name": "R"},
        files={"signature": ("s.png", tiny_png(), "image/png")},
    )
    assert_problem(resp, 403)
