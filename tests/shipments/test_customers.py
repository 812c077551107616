"""Shipper accounts: staff manage them inside their organisation."""

from __future__ import annotations

from httpx import AsyncClient

from tests.helpers import assert_problem
from tests.shipments.conftest import World


async def test_staff_create_list_read_and_update_accounts(
    client: AsyncClient, world: World
) -> None:
    listing = (await client.get("/api/customers", headers=world.dispatcher.auth)).json()
    assert [c["name"] for c in listing["items"]] == ["Initech Parts", "Globex Foods"]
    resp = await client.patch(
        f"/api/customers/{world.account_a}",
        headers=world.dispatcher.auth,
        json={"payment_terms_days": 45, "credit_limit_cents": 5_000_000},
    )
    assert resp.status_code == 200
    got = (await client.get(f"/api/customers/{world.account_a}", headers=world.admin.auth)).json()
    assert (got["payment_terms_days"], got["credit_limit_cents"]) == (45, 5_000_000)


async def test_customers_and_outsiders_cannot_see_accounts(
    client: AsyncClient, world: World
) -> None:
    assert_problem(await client.get("/api/customers", headers=world.customer_a.auth), 403)
    resp = await client.get(f"/api/customers/{world.account_a}", headers=world.outsider.auth)
    assert_problem(resp, 404)


async def test_account_validation_names_fields(client: AsyncClient, world: World) -> None:
    resp = await client.post(
        "/api/customers",
        headers=world.admin.auth,
        json={"name": "", "billing_email": "nope", "payment_terms_days": -1},
    )
    locs = {tuple(e["loc"]) for e in assert_problem(resp, 422)["errors"]}
    assert {("body", "name"), ("body", "billing_email"), ("body", "payment_terms_days")} <= locs


async def test_customer_user_must_name_an_account_of_the_organisation(
    client: AsyncClient, world: World
) -> None:
    body = {
        "email": "x@x.example",
        "full_name": "X",
        "role": "customer",
        "password": "long-password-1",
    }
    missing = await client.post("/api/users", headers=world.admin.auth, json=body)
    assert assert_problem(missing, 422)["errors"][0]["loc"] == ["body", "customer_id"]
    theirs = await client.post(
        "/api/customers",
        headers=world.outsider.auth,
        json={"name": "T", "billing_email": "t@t.example"},
    )
    foreign = await client.post(
        "/api/users", headers=world.admin.auth, json=body | {"customer_id": theirs.json()["id"]}
    )
    assert_problem(foreign, 422)
    driver_with_account = await client.post(
        "/api/users",
        headers=world.admin.auth,
        json=body | {"role": "driver", "customer_id": world.account_a},
    )
    assert_problem(driver_with_account, 422)
