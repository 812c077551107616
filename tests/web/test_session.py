"""Signing in and out, the session and CSRF cookies, and the page security headers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import socketio
from sqlalchemy import update

from freight.db import utcnow
from freight.identity.models import UserSession
from freight.security.web_sessions import WebSessions
from tests.conftest import base_settings
from tests.helpers import PASSWORD
from tests.web.clients import BrowserLike, csrf, form_value, signed_in
from tests.web.conftest import OpenPage, World, check_page, sign_in


async def test_sign_in_sets_hardened_cookies_and_lands_on_the_roles_page(world: World) -> None:
    http = BrowserLike(world.url)
    async with http:
        page = await http.get("/app/login")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        csrf_cookie = page.headers["set-cookie"]
        assert "HttpOnly" in csrf_cookie and "SameSite=strict" in csrf_cookie
        assert "Secure" in csrf_cookie
        resp = await http.post(
            "/app/login",
            data={
                "email": "dan@acme.example",
                "password": PASSWORD,
                "csrf_token": form_value(page.text),
            },
        )
        assert resp.status_code == 303, (resp.text, resp.request.headers)
        assert resp.headers["location"] == "/app/dispatch"
        session_cookie = next(
            c
            for c in resp.headers.get_list("set-cookie")
            if c.startswith("__Host-freight_session=")
        )
        # __Host-: Secure, Path=/ and no Domain, so no subdomain can plant or read it.
        for flag in ("HttpOnly", "Secure", "SameSite=lax", "Max-Age=43200", "Path=/"):
            assert flag in session_cookie
        assert "domain" not in session_cookie.lower()


async def test_a_form_without_its_csrf_token_is_refused(world: World) -> None:
    async with BrowserLike(world.url) as http:
        await http.get("/app/login")
        no_token = await http.post(
            "/app/login", data={"email": "dan@acme.example", "password": PASSWORD}
        )
        assert no_token.status_code == 403
        assert "CSRF" in no_token.text and "freight_session" not in str(no_token.headers)
        wrong = await http.post(
            "/app/login",
            data={"email": "dan@acme.example", "password": PASSWORD, "csrf_token": "x" * 43},
        )
        assert wrong.status_code == 403


async def test_wrong_password_and_empty_fields_say_so_without_a_session(world: World) -> None:
    async with BrowserLike(world.url) as http:
        token = form_value((await http.get("/app/login")).text)
        wrong = await http.post(
            "/app/login",
            data={"email": "dan@acme.example", "password": "nope-nope-nope", "csrf_token": token},
        )
        assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
        empty = await http.post(
            "/app/login", data={"email": "", "password": "", "csrf_token": token}
        )
        assert empty.status_code == 422 and "Enter your email and password" in empty.text
        assert "__Host-freight_session" not in http.kept


async def test_pages_need_a_session_and_the_right_role(world: World) -> None:
    async with BrowserLike(world.url) as anonymous:
        resp = await anonymous.get("/app/driver")
        assert resp.status_code == 303
        assert resp.headers["location"] == "/app/login?next=/app/driver"
        forged = await anonymous.get(
            "/app/driver", headers={"Cookie": "__Host-freight_session=forged"}
        )
        assert forged.status_code == 303
    async with signed_in(world.url, "buyer@globex.example") as customer:
        assert (await customer.get("/")).headers["location"] == "/app/shipments"
        assert (await customer.get("/app/admin")).status_code == 403


async def test_sign_in_follows_only_same_site_next_paths(world: World) -> None:
    async with BrowserLike(world.url) as http:
        token = form_value((await http.get("/app/login")).text)
        resp = await http.post(
            "/app/login",
            data={
                "email": "dan@acme.example",
                "password": PASSWORD,
                "csrf_token": token,
                "next": "//evil.example/",
            },
        )
        assert resp.headers["location"] == "/app/dispatch"


async def test_the_api_takes_the_session_cookie_only_with_the_csrf_header(world: World) -> None:
    async with signed_in(world.url, "buyer@globex.example") as http:
        without = await http.get("/api/auth/me")
        assert without.status_code == 401
        token = csrf(http)
        me = await http.get("/api/auth/me", headers={"X-CSRF-Token": token})
        assert me.status_code == 200 and me.json()["email"] == "buyer@globex.example"
        assert (
            await http.get("/api/auth/me", headers={"X-CSRF-Token": "wrong"})
        ).status_code == 401


async def test_deactivated_users_lose_their_web_session(world: World) -> None:
    async with signed_in(world.url, "buyer@globex.example") as http:
        token = csrf(http)
        resp = await world.site.http.patch(
            f"/api/users/{world.customer.id}", headers=world.admin.auth, json={"is_active": False}
        )
        assert resp.status_code == 200
        me = await http.get("/api/auth/me", headers={"X-CSRF-Token": token})
        assert me.status_code == 401
        assert (await http.get("/app/shipments")).status_code == 303


async def test_sign_out_ends_the_session(world: World) -> None:
    async with signed_in(world.url, "dan@acme.example") as http:
        token = csrf(http)
        resp = await http.post("/app/logout", data={"csrf_token": token})
        assert resp.status_code == 303 and resp.headers["location"] == "/app/login"
        assert "__Host-freight_session" not in http.kept
        assert (await http.get("/app/dispatch")).status_code == 303


@pytest.mark.parametrize("with_csrf", [True, False])
async def test_live_updates_connect_with_the_session_cookie_andform_value(
    world: World, with_csrf: bool
) -> None:
    async with signed_in(world.url, "buyer@globex.example") as http:
        cookie = "; ".join(f"{name}={value}" for name, value in http.kept.items())
        client = socketio.AsyncClient(reconnection=False)
        auth = {"csrf": csrf(http)} if with_csrf else {}
        try:
            if with_csrf:
                await client.connect(
                    world.url, auth=auth, headers={"Cookie": cookie}, transports=["websocket"]
                )
                ack = await client.call("subscribe", {"shipment_id": world.load["id"]}, timeout=5)
                assert ack == {"ok": True, "replayed": 0}
            else:
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await client.connect(
                        world.url, auth=auth, headers={"Cookie": cookie}, transports=["websocket"]
                    )
        finally:
            await client.disconnect()


async def test_the_sign_in_page_in_a_browser(world: World, open_page: OpenPage) -> None:
    for phone in (False, True):
        page = await open_page(phone=phone)
        await page.goto(f"{world.url}/app/login")
        await check_page(page, f"sign-in-{'phone' if phone else 'desktop'}")
    page = await open_page()
    await sign_in(page, world.url, "dan@acme.example")
    assert page.url.endswith("/app/dispatch")


async def test_page_errors_are_html_pages_and_the_api_keeps_problem_json(world: World) -> None:
    async with signed_in(world.url, "buyer@globex.example") as http:
        missing = await http.get("/app/no-such-page")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "Page not found" in missing.text
        bad_query = await http.get("/app/shipments?limit=0")
        assert bad_query.status_code == 422 and "limit" in bad_query.text
        assert bad_query.headers["content-type"].startswith("text/html")
        forbidden = await http.get("/app/admin")
        assert forbidden.status_code == 403 and "Forbidden" in forbidden.text
        assert "None" not in forbidden.text
        api = await http.get("/api/no-such-thing")
        assert api.headers["content-type"] == "application/problem+json"


def cookie_header(http: BrowserLike) -> dict[str, str]:
    """The browser's cookies as a header another client can replay (a stolen copy)."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in http.kept.items())}


async def test_a_copied_session_cookie_dies_with_sign_out(world: World) -> None:
    async with signed_in(world.url, "dan@acme.example") as http:
        stolen, token = cookie_header(http), csrf(http)
        assert (await world.site.http.get("/app/dispatch", headers=stolen)).status_code == 200
        await http.post("/app/logout", data={"csrf_token": token})
    replay = await world.site.http.get("/app/dispatch", headers=stolen)
    assert replay.status_code == 303
    api = await world.site.http.get("/api/auth/me", headers={**stolen, "X-CSRF-Token": token})
    assert api.status_code == 401


async def test_a_password_change_ends_the_web_sessions_of_that_user(world: World) -> None:
    async with signed_in(world.url, "buyer@globex.example") as http:
        resp = await world.site.http.patch(
            f"/api/users/{world.customer.id}",
            headers=world.admin.auth,
            json={"password": "a-brand-new-password"},
        )
        assert resp.status_code == 200
        assert (await http.get("/app/shipments")).status_code == 303


async def test_an_idle_web_session_is_over(world: World) -> None:
    async with signed_in(world.url, "dan@acme.example") as http:
        assert (await http.get("/app/dispatch")).status_code == 200
        idle = timedelta(minutes=world.site.settings.web_session_idle_minutes + 1)
        async with world.site.ctx.sessions() as db:
            await db.execute(
                update(UserSession)
                .where(UserSession.kind == "web")
                .values(last_seen_at=utcnow() - idle)
            )
            await db.commit()
        assert (await http.get("/app/dispatch")).status_code == 303


async def test_the_csrf_token_is_bound_to_the_session_not_to_a_cookie(world: World) -> None:
    async with signed_in(world.url, "dan@acme.example") as http:
        # A CSRF cookie planted by someone else (a sibling subdomain, a plain-HTTP page)
        # with a token they know does not pass: the token is derived from the session.
        planted = "attacker-chosen-token-value"
        session_cookie = http.kept["__Host-freight_session"]
        headers = {
            "Cookie": f"__Host-freight_session={session_cookie}; __Host-freight_csrf={planted}",
            "X-CSRF-Token": planted,
        }
        assert (await world.site.http.get("/api/auth/me", headers=headers)).status_code == 401
        posted = await world.site.http.post(
            "/app/logout", headers=headers, data={"csrf_token": planted}
        )
        assert posted.status_code == 403
    async with (
        signed_in(world.url, "dan@acme.example") as first,
        signed_in(world.url, "dan@acme.example") as second,
    ):
        assert csrf(first) != csrf(second)  # one token per session
        other = {**cookie_header(second), "X-CSRF-Token": csrf(first)}
        assert (await world.site.http.get("/api/auth/me", headers=other)).status_code == 401


def test_cookies_have_plain_names_without_secure(tmp_path: Path) -> None:
    settings = base_settings("sqlite+aiosqlite:///unused.db", tmp_path, web_secure_cookies=False)
    sessions = WebSessions(settings)
    assert (sessions.session_cookie, sessions.csrf_cookie) == ("freight_session", "freight_csrf")
