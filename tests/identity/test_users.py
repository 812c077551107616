"""User administration: admins only, inside their own organisation."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from httpx import AsyncClient

from tests.helpers import PASSWORD, Session, add_user, assert_problem, login


@pytest.mark.parametrize("role", ["dispatcher", "driver", "customer"])
async def test_only_admins_manage_users(client: AsyncClient, admin: Session, role: str) -> None:
    user = await add_user(client, admin, role, f"{role}@acme.example")
    assert_problem(await client.get("/api/users", headers=user.auth), 403, "forbidden")
    resp = await client.post(
        "/api/users",
        headers=user.auth,
        json={"email": "x@acme.example", "full_name": "X", "role": "admin", "password": PASSWORD},
    )
    assert_problem(resp, 403)
    assert_problem(await client.get(f"/api/users/{admin.id}", headers=user.auth), 403)


async def test_admin_creates_lists_reads_and_updates_users(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_user(client, admin, "driver", "driver@acme.example")
    listing = (await client.get("/api/users", headers=admin.auth)).json()
    assert [u["email"] for u in listing["items"]] == ["driver@acme.example", "admin@acme.example"]
    resp = await client.patch(
        f"/api/users/{driver.id}",
        headers=admin.auth,
        json={"full_name": "Dee River", "role": "dispatcher", "phone": "+1 555 0100"},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert (body["full_name"], body["role"], body["phone"]) == (
        "Dee River",
        "dispatcher",
        "+1 555 0100",
    )
    got = (await client.get(f"/api/users/{driver.id}", headers=admin.auth)).json()
    assert got["role"] == "dispatcher"


async def test_users_list_paginates_without_repeats(client: AsyncClient, admin: Session) -> None:
    for i in range(5):
        await client.post(
            "/api/users",
            headers=admin.auth,
            json={
                "email": f"u{i}@acme.example",
                "full_name": "U",
                "role": "driver",
                "password": PASSWORD,
            },
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/users", headers=admin.auth, params=params)).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 == len(set(seen))


async def test_bad_cursor_and_limit_are_422(client: AsyncClient, admin: Session) -> None:
    bad_cursor = await client.get("/api/users", headers=admin.auth, params={"cursor": "!!"})
    assert assert_problem(bad_cursor, 422)["errors"][0]["loc"] == ["query", "cursor"]
    bad_limit = await client.get("/api/users", headers=admin.auth, params={"limit": 500})
    assert assert_problem(bad_limit, 422)["errors"][0]["loc"] == ["query", "limit"]


async def test_another_organisations_user_is_404(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    assert_problem(await client.get(f"/api/users/{other_admin.id}", headers=admin.auth), 404)
    resp = await client.patch(
        f"/api/users/{other_admin.id}", headers=admin.auth, json={"is_active": False}
    )
    assert_problem(resp, 404)
    listing = (await client.get("/api/users", headers=admin.auth)).json()
    assert str(other_admin.id) not in {u["id"] for u in listing["items"]}


async def test_unknown_and_malformed_ids(client: AsyncClient, admin: Session) -> None:
    assert_problem(await client.get(f"/api/users/{uuid.uuid4()}", headers=admin.auth), 404)
    resp = await client.get("/api/users/1' OR '1'='1", headers=admin.auth)
    assert resp.status_code == 422


async def test_create_user_validation_names_fields_and_writes_nothing(
    client: AsyncClient, admin: Session
) -> None:
    resp = await client.post(
        "/api/users",
        headers=admin.auth,
        json={"email": "bad", "full_name": "", "role": "pilot", "password": PASSWORD},
    )
    locs = {tuple(e["loc"]) for e in assert_problem(resp, 422)["errors"]}
    assert {("body", "email"), ("body", "full_name"), ("body", "role")} <= locs
    listing = (await client.get("/api/users", headers=admin.auth)).json()
    assert len(listing["items"]) == 1


async def test_duplicate_email_is_409(client: AsyncClient, admin: Session) -> None:
    body = {"email": "admin@acme.example", "full_name": "X", "role": "driver", "password": PASSWORD}
    assert_problem(await client.post("/api/users", headers=admin.auth, json=body), 409)


async def test_admin_cannot_lock_themselves_out(client: AsyncClient, admin: Session) -> None:
    for change in ({"is_active": False}, {"role": "driver"}):
        resp = await client.patch(f"/api/users/{admin.id}", headers=admin.auth, json=change)
        assert_problem(resp, 409)


async def test_password_change_ends_sessions_and_the_new_password_works(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    new_password = "a-brand-new-password"
    resp = await client.patch(
        f"/api/users/{driver.id}", headers=admin.auth, json={"password": new_password}
    )
    assert resp.status_code == 200
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": driver.refresh_token})
    assert_problem(refresh, 401)
    login = await client.post(
        "/api/auth/login", json={"email": "d@acme.example", "password": new_password}
    )
    assert login.status_code == 200


async def test_role_change_takes_effect_on_the_next_request(
    client: AsyncClient, admin: Session
) -> None:
    user = await add_user(client, admin, "dispatcher", "disp@acme.example")
    await client.patch(f"/api/users/{user.id}", headers=admin.auth, json={"role": "admin"})
    assert (await client.get("/api/users", headers=user.auth)).status_code == 200


async def test_an_email_of_another_organisation_is_free_here_and_reveals_nothing(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    # Rival's admin adds a user whose email Acme already has: created, not a 409, so an
    # admin cannot probe which emails other carriers' users have.
    body = {"email": "Admin@Acme.example", "full_name": "Ada", "role": "dispatcher"}
    resp = await client.post(
        "/api/users", headers=other_admin.auth, json={**body, "password": "rival-password-1"}
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["email"] == "admin@acme.example"
    listing = (await client.get("/api/users", headers=other_admin.auth)).json()["items"]
    assert sorted(u["email"] for u in listing) == ["admin@acme.example", "admin@rival.example"]
    # Acme sees only its own admin; each password opens its own account.
    acme = (await client.get("/api/users", headers=admin.auth)).json()["items"]
    assert [u["id"] for u in acme] == [str(admin.id)]
    rival = await login(client, "admin@acme.example", "rival-password-1")
    assert rival.user["organization_id"] == other_admin.user["organization_id"]
    acme_again = await login(client, "admin@acme.example")
    assert acme_again.id == admin.id
    # Within one organisation the email stays unique.
    resp = await client.post(
        "/api/users", headers=other_admin.auth, json={**body, "password": "another-password"}
    )
    assert_problem(resp, 409)


async def test_one_password_for_two_organisations_asks_which(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    body = {"email": "admin@acme.example", "full_name": "Ada", "role": "dispatcher"}
    resp = await client.post(
        "/api/users", headers=other_admin.auth, json={**body, "password": PASSWORD}
    )
    assert resp.status_code == 201, resp.text
    resp = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": PASSWORD}
    )
    problem = assert_problem(resp, 409, "organization_required")
    (choice,) = problem["errors"]
    assert choice["loc"] == ["body", "organization_id"]
    names = [o["name"] for o in choice["organizations"]]
    assert names == ["Acme Haulage", "Rival Logistics"]
    assert "access_token" not in resp.text
    rival_org = other_admin.user["organization_id"]
    resp = await client.post(
        "/api/auth/login",
        json={"email": "admin@acme.example", "password": PASSWORD, "organization_id": rival_org},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["user"]["organization_id"] == rival_org
    assert resp.json()["user"]["role"] == "dispatcher"
    # A wrong password never lists organisations; an organisation the email is not in is a miss.
    resp = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": "wrong-password"}
    )
    assert "Rival" not in assert_problem(resp, 401)["detail"]
    resp = await client.post(
        "/api/auth/login",
        json={
            "email": "admin@rival.example",
            "password": PASSWORD,
            "organization_id": admin.user["organization_id"],
        },
    )
    assert_problem(resp, 401)


async def test_a_deactivated_account_does_not_make_sign_in_ambiguous(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    body = {"email": "admin@acme.example", "full_name": "Ada", "role": "dispatcher"}
    created = await client.post(
        "/api/users", headers=other_admin.auth, json={**body, "password": PASSWORD}
    )
    resp = await client.patch(
        f"/api/users/{created.json()['id']}", headers=other_admin.auth, json={"is_active": False}
    )
    assert resp.status_code == 200
    assert (await login(client, "admin@acme.example")).id == admin.id


async def test_the_same_email_added_at_once_in_one_organisation_makes_one_user(
    client: AsyncClient, admin: Session
) -> None:
    body = {
        "email": "twin@acme.example",
        "full_name": "Twin",
        "role": "driver",
        "password": PASSWORD,
    }
    answers = await asyncio.gather(
        *(client.post("/api/users", headers=admin.auth, json=body) for _ in range(4))
    )
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409]
    listing = (await client.get("/api/users", headers=admin.auth)).json()["items"]
    assert [u["email"] for u in listing].count("twin@acme.example") == 1
