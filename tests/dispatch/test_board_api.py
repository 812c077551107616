"""The dispatch board and a load's driver ranking on the JSON API: the same data as the
board page, scoped to the caller's organisation and to staff."""

from __future__ import annotations

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem


async def test_board_lists_pending_free_and_active_with_a_ranked_picker(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    near = await add_driver(client, admin, "near@acme.example", city="Chicago")
    far = await add_driver(client, admin, "far@acme.example", city="Dallas")
    flatbed_only = await add_driver(
        client, admin, "flat@acme.example", city="Chicago", equipment_types=["flatbed"]
    )
    pending = await book_load(client, admin, account)  # picks up in Chicago
    moving = await book_load(client, admin, account)
    await assign(client, admin, moving["id"], far)

    resp = await client.get("/api/dispatch/board", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    board = resp.json()
    assert [load["shipment_id"] for load in board["loads"]] == [pending["id"]]
    assert {d["driver_id"] for d in board["drivers"]} == {near.id, flatbed_only.id}
    assert [(a["shipment_id"], a["driver_id"]) for a in board["active"]] == [(moving["id"], far.id)]
    assert board["active"][0]["status"] == "ASSIGNED"
    picker = board["loads"][0]["candidates"]
    assert [c["driver_id"] for c in picker] == [near.id, flatbed_only.id]  # who fits first
    assert picker[0]["fits"] is True and picker[0]["problem"] is None
    assert picker[1]["fits"] is False and "dry_van" in picker[1]["problem"]
    assert board["more_loads"] is False


async def test_candidates_rank_by_deadhead_and_match_the_board(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    far = await add_driver(client, admin, "far@acme.example", city="Dallas")
    near = await add_driver(client, admin, "near@acme.example", city="Chicago")
    load = await book_load(client, admin, account)
    resp = await client.get(f"/api/shipments/{load['id']}/candidates", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    ranked = resp.json()
    assert [c["driver_id"] for c in ranked] == [near.id, far.id]
    assert ranked[0]["deadhead_km"] < 50 < 1000 < ranked[1]["deadhead_km"]
    board = (await client.get("/api/dispatch/board", headers=admin.auth)).json()
    assert board["loads"][0]["candidates"] == ranked


async def test_board_and_candidates_are_for_staff_of_the_organisation(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    account = await add_customer(client, admin)
    await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    theirs = (await client.get("/api/dispatch/board", headers=other_admin.auth)).json()
    assert (theirs["loads"], theirs["drivers"], theirs["active"]) == ([], [], [])
    assert_problem(
        await client.get(f"/api/shipments/{load['id']}/candidates", headers=other_admin.auth),
        404,
    )
    shipper = await add_user(client, admin, "customer", "ops@globex.example", customer_id=account)
    for path in ("/api/dispatch/board", f"/api/shipments/{load['id']}/candidates"):
        assert_problem(await client.get(path, headers=shipper.auth), 403)
        assert_problem(await client.get(path), 401)


async def test_candidates_of_an_unknown_load_is_404(client: AsyncClient, admin: Session) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(
        await client.get(f"/api/shipments/{missing}/candidates", headers=admin.auth), 404
    )
    assert_problem(
        await client.get("/api/shipments/not-a-uuid/candidates", headers=admin.auth), 422
    )
