"""The sign-in form counts each attempt before checking the password, like the API."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.helpers import PASSWORD, register
from tests.web.clients import BrowserLike, csrf, form_value
from tests.web.conftest import World


async def test_twenty_parallel_wrong_passwords_on_the_form_evaluate_at_most_five(
    world: World,
) -> None:
    async with BrowserLike(world.url) as http:
        token = form_value((await http.get("/app/login")).text)

        async def attempt(password: str) -> httpx.Response:
            return await http.post(
                "/app/login",
                data={"email": "dan@acme.example", "password": password, "csrf_token": token},
            )

        replies = await asyncio.gather(*(attempt("nope-nope-nope") for _ in range(20)))
        codes = [r.status_code for r in replies]
        assert codes.count(401) <= 5, codes
        assert codes.count(401) + codes.count(429) == 20, codes
        blocked = await attempt(PASSWORD)
        assert blocked.status_code == 429
        # said as a person reads it: how long to wait, in minutes, never "retry in 900 s"
        said = re.search(r'id="login-error">([^<]*)<', blocked.text)
        assert said and re.fullmatch(r"Too many attempts: try again in \d+ minutes?\.", said[1])


async def test_an_email_in_two_organisations_signs_in_after_choosing_one(world: World) -> None:
    rival = await register(world.site.http, "Rival Logistics", "boss@rival.example")
    resp = await world.site.http.post(
        "/api/users",
        headers=rival.auth,
        json={
            "email": "dan@acme.example",
            "full_name": "Dan",
            "role": "admin",
            "password": PASSWORD,
        },
    )
    assert resp.status_code == 201, resp.text
    async with BrowserLike(world.url) as http:
        token = form_value((await http.get("/app/login")).text)
        form = {"email": "dan@acme.example", "password": PASSWORD, "csrf_token": token}
        first = await http.post("/app/login", data=form)
        assert first.status_code == 409
        assert "Choose one" in first.text
        assert "Acme Haulage" in first.text and "Rival Logistics" in first.text
        assert "freight_session" not in "".join(first.headers.get_list("set-cookie"))
        rival_org = str(rival.user["organization_id"])
        assert f'value="{rival_org}"' in first.text
        # A tampered choice asks again; a real one signs in to that organisation.
        again = await http.post("/app/login", data={**form, "organization_id": "not-an-id"})
        assert again.status_code == 409
        done = await http.post("/app/login", data={**form, "organization_id": rival_org})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/app/dispatch"
        me = await http.get("/api/auth/me", headers={"x-csrf-token": csrf(http)})
        assert me.json()["organization_id"] == rival_org
