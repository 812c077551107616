"""The card guard: every card-shaped number is refused anywhere, and nothing else is."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from freight.security.pan import looks_like_pan
from tests.helpers import Session, add_customer, assert_problem
from tests.shipments.factory import shipment_body

CARDS = [
    "4111111111111111",
    "4111.1111.1111.1111",
    "4111_1111_1111_1111",
    "4111/1111/1111/1111",
    "4111-1111-1111-1111",
    "4111  1111  1111  1111",  # doubled spaces
    "4111\u00a01111\u00a01111\u00a01111",  # NBSP
    "".join(chr(0xFF10 + int(d)) for d in "4111111111111111"),  # full-width digits
    "".join(chr(0x0660 + int(d)) for d in "4111111111111111"),  # Arabic-Indic digits
    "paid with 5555 5555 5555 4444, thanks",
    "amex: 378282246310005.",
    "order 12 4000 0566 5566 5556",
]
NOT_CARDS = [
    "8f-9959-375973060dd1",  # a cheque reference that was refused
    "0f3e2a1b-4242-4242-4242-424242424242",  # UUID digit groups pass Luhn
    "12345678-4242-4242-4242-424242424242",
    "ref_4242424242424242",
    "4242424242424242abc",
    "INV-4242424242424242",
    "1234567812345670",  # passes Luhn, but no card network starts with 1
    "call 555 0100 about pallet 12",
]


@pytest.mark.parametrize("text", CARDS)
def test_card_numbers_are_found_however_they_are_written(text: str) -> None:
    assert looks_like_pan(text)


@pytest.mark.parametrize("text", NOT_CARDS)
def test_digits_inside_longer_tokens_are_not_cards(text: str) -> None:
    assert not looks_like_pan(text)


def test_no_uuid_is_a_card() -> None:
    all_digits = "12345678-1234-1234-1234-123456789012"
    assert not any(looks_like_pan(str(uuid.uuid4())) for _ in range(20_000))
    assert not looks_like_pan(all_digits)


async def test_every_body_field_is_guarded(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    for card in ("4111.1111.1111.1111", "4111\u00a01111\u00a01111\u00a01111"):
        resp = await client.post(
            "/api/shipments", headers=admin.auth, json=shipment_body(account, notes=card)
        )
        body = assert_problem(resp, 422)
        assert body["errors"][0]["loc"] == ["body", "notes"]
        assert "1111" not in resp.text
    ok = await client.post(
        "/api/shipments",
        headers=admin.auth,
        json=shipment_body(account, notes="cheque 8f-9959-375973060dd1"),
    )
    assert ok.status_code == 201, ok.text
    message = await client.post(
        f"/api/shipments/{ok.json()['id']}/messages",
        headers=admin.auth,
        json={"body": "my card is 4111_1111_1111_1111"},
    )
    assert assert_problem(message, 422)["errors"][0]["loc"] == ["body", "body"]


async def test_query_strings_are_guarded(client: AsyncClient, admin: Session) -> None:
    resp = await client.get(
        "/api/shipments", headers=admin.auth, params={"q": "4111/1111/1111/1111"}
    )
    assert assert_problem(resp, 422)["errors"][0]["loc"] == ["query", "q"]
    fine = await client.get(
        "/api/shipments", headers=admin.auth, params={"q": "8f-9959-375973060dd1"}
    )
    assert fine.status_code == 200, fine.text


async def test_a_card_shaped_password_is_a_password_not_a_card_number(client: AsyncClient) -> None:
    """Passwords are hashed, never stored or shown: the guard leaves them alone."""
    card_shaped = "4111 1111 1111 1111"
    resp = await client.post(
        "/api/auth/register",
        json={
            "organization_name": "Numbers Ltd",
            "email": "ops@numbers.example",
            "password": card_shaped,
            "full_name": "Ops",
        },
    )
    assert resp.status_code == 201, resp.text
    login = {"email": "ops@numbers.example", "password": card_shaped}
    assert (await client.post("/api/auth/login", json=login)).status_code == 200
    named = {**login, "email": card_shaped}  # any other field is still guarded
    assert (await client.post("/api/auth/login", json=named)).status_code == 422
