"""Registration, login, token refresh and every way a credential is refused."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from httpx import AsyncClient

from freight.settings import Settings
from tests.helpers import PASSWORD, Session, add_user, assert_problem, login, register


async def test_register_creates_an_organisation_and_its_admin(client: AsyncClient) -> None:
    admin = await register(client, "Acme", "Boss@Acme.example")
    assert admin.user["role"] == "admin"
    assert admin.user["email"] == "boss@acme.example"
    me = await client.get("/api/auth/me", headers=admin.auth)
    assert me.status_code == 200 and me.json()["id"] == str(admin.id)


async def test_register_answers_alike_whether_or_not_the_email_is_taken(
    client: AsyncClient, admin: Session
) -> None:
    def body(email: str) -> dict[str, str]:
        return {"organization_name": "Copy", "email": email, "password": "x" * 12, "full_name": "X"}

    taken = await client.post("/api/auth/register", json=body("ADMIN@acme.example"))
    free = await client.post("/api/auth/register", json=body("new@copy.example"))
    assert taken.status_code == free.status_code == 201
    assert taken.json() == free.json()
    assert "access_token" not in taken.text
    # The taken email's account is untouched; the free one now exists.
    assert (await client.get("/api/auth/me", headers=admin.auth)).json()["role"] == "admin"
    stolen = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": "x" * 12}
    )
    assert_problem(stolen, 401)
    fresh = await client.post(
        "/api/auth/login", json={"email": "new@copy.example", "password": "x" * 12}
    )
    assert fresh.status_code == 200


async def test_register_refuses_a_short_password_naming_the_field(client: AsyncClient) -> None:
    resp = await client.post(
        "/api/auth/register",
        json={
            "organization_name": "A",
            "email": "a@a.example",
            "password": "short",
            "full_name": "A",
        },
    )
    body = assert_problem(resp, 422)
    assert body["errors"][0]["loc"] == ["body", "password"]


async def test_login_returns_a_token_pair(client: AsyncClient, admin: Session) -> None:
    resp = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": PASSWORD}
    )
    body = resp.json()
    assert resp.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    assert body["user"]["email"] == "admin@acme.example"
    assert "password_hash" not in body["user"]


async def test_wrong_password_and_unknown_email_answer_the_same_401(
    client: AsyncClient, admin: Session
) -> None:
    wrong = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": "x"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"email": "no@acme.example", "password": "x"}
    )
    assert assert_problem(wrong, 401)["detail"] == assert_problem(unknown, 401)["detail"]


async def test_me_without_credentials_is_401(client: AsyncClient) -> None:
    assert_problem(await client.get("/api/auth/me"), 401, "unauthorized")


async def test_malformed_authorization_headers_are_401(client: AsyncClient, admin: Session) -> None:
    for header in (
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Token x",
        "Bearer not-a-jwt",
        admin.access_token,
    ):
        resp = await client.get("/api/auth/me", headers={"Authorization": header})
        assert_problem(resp, 401)


def _forge(settings: Settings, admin: Session, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(admin.id),
        "org": str(admin.organization_id),
        "role": "admin",
        "sid": jwt.decode(admin.access_token, options={"verify_signature": False})["sid"],
        "typ": "access",
        "iss": "freight",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return claims


async def test_expired_token_is_401(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    token = jwt.encode(
        _forge(settings, admin, exp=past), settings.secret_key.get_secret_value(), "HS256"
    )
    resp = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert assert_problem(resp, 401)["detail"] == "token expired"


async def test_token_signed_with_another_key_is_401(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    token = jwt.encode(_forge(settings, admin), "another-key-of-sufficient-length!!", "HS256")
    assert_problem(
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}), 401
    )


async def test_unsigned_alg_none_token_is_401(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    token = jwt.encode(_forge(settings, admin), "", algorithm="none")  # "" is PyJWT's no key
    assert_problem(
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}), 401
    )


async def test_token_naming_another_organisation_is_401(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    claims = _forge(settings, admin, org=str(uuid.uuid4()))
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), "HS256")
    assert_problem(
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}), 401
    )


async def test_refresh_token_is_not_an_access_token(client: AsyncClient, admin: Session) -> None:
    headers = {"Authorization": f"Bearer {admin.refresh_token}"}
    assert_problem(await client.get("/api/auth/me", headers=headers), 401)


async def test_deactivated_users_token_is_refused(client: AsyncClient, admin: Session) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    resp = await client.patch(
        f"/api/users/{driver.id}", headers=admin.auth, json={"is_active": False}
    )
    assert resp.status_code == 200
    assert_problem(await client.get("/api/auth/me", headers=driver.auth), 401)
    refresh = await client.post("/api/auth/refresh", json={"refresh_token": driver.refresh_token})
    assert_problem(refresh, 401)
    relogin = await client.post(
        "/api/auth/login", json={"email": "d@acme.example", "password": PASSWORD}
    )
    assert_problem(relogin, 401)


async def test_refresh_rotates_and_the_old_token_stops_working(
    client: AsyncClient, admin: Session
) -> None:
    first = await client.post("/api/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != admin.refresh_token
    assert (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {new['access_token']}"})
    ).status_code == 200
    again = await client.post("/api/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert_problem(again, 401)


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    client: AsyncClient, admin: Session
) -> None:
    rotated = (
        await client.post("/api/auth/refresh", json={"refresh_token": admin.refresh_token})
    ).json()
    reuse = await client.post("/api/auth/refresh", json={"refresh_token": admin.refresh_token})
    assert "reuse" in assert_problem(reuse, 401)["detail"]
    # The legitimate holder's newer token is dead too: the thief and the victim both sign in again.
    after = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert_problem(after, 401)
    # Another login of the same user (another family) is untouched.
    other = await login(client, "admin@acme.example")
    ok = await client.post("/api/auth/refresh", json={"refresh_token": other.refresh_token})
    assert ok.status_code == 200


async def test_concurrent_refreshes_with_one_token_give_one_pair(
    client: AsyncClient, admin: Session
) -> None:
    results = await asyncio.gather(
        *[
            client.post("/api/auth/refresh", json={"refresh_token": admin.refresh_token})
            for _ in range(5)
        ]
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1, codes
    assert set(codes[1:]) == {401}


async def test_unknown_refresh_token_is_401(client: AsyncClient) -> None:
    assert_problem(await client.post("/api/auth/refresh", json={"refresh_token": "frt_nope"}), 401)


async def test_logout_revokes_the_refresh_token(client: AsyncClient, admin: Session) -> None:
    resp = await client.post(
        "/api/auth/logout", headers=admin.auth, json={"refresh_token": admin.refresh_token}
    )
    assert resp.status_code == 204
    assert_problem(
        await client.post("/api/auth/refresh", json={"refresh_token": admin.refresh_token}), 401
    )


async def test_logout_cannot_revoke_another_users_token(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    await client.post(
        "/api/auth/logout", headers=admin.auth, json={"refresh_token": driver.refresh_token}
    )
    ok = await client.post("/api/auth/refresh", json={"refresh_token": driver.refresh_token})
    assert ok.status_code == 200


async def test_five_failed_logins_per_email_then_429_with_retry_after(
    client: AsyncClient, admin: Session
) -> None:
    for _ in range(5):
        bad = await client.post(
            "/api/auth/login", json={"email": "admin@acme.example", "password": "x"}
        )
        assert bad.status_code == 401
    locked = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": PASSWORD}
    )
    assert_problem(locked, 429, "rate_limited")
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60


async def test_failed_logins_are_limited_per_client_address_across_emails(
    client: AsyncClient,
) -> None:
    for i in range(5):
        resp = await client.post(
            "/api/auth/login", json={"email": f"u{i}@x.example", "password": "x"}
        )
        assert resp.status_code == 401
    resp = await client.post("/api/auth/login", json={"email": "fresh@x.example", "password": "x"})
    assert_problem(resp, 429)
