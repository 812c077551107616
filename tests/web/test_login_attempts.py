"""The sign-in form counts each attempt before checking the password, like the API."""

from __future__ import annotations

import asyncio

from tests.helpers import PASSWORD
from tests.web.clients import BrowserLike, form_value
from tests.web.conftest import World


async def test_twenty_parallel_wrong_passwords_on_the_form_evaluate_at_most_five(
    world: World,
) -> None:
    async with BrowserLike(world.url) as http:
        token = form_value((await http.get("/app/login")).text)

        async def attempt(password: str) -> int:
            resp = await http.post(
                "/app/login",
                data={"email": "dan@acme.example", "password": password, "csrf_token": token},
            )
            return resp.status_code

        codes = await asyncio.gather(*(attempt("nope-nope-nope") for _ in range(20)))
        assert codes.count(401) <= 5, codes
        assert codes.count(401) + codes.count(429) == 20, codes
        assert await attempt(PASSWORD) == 429
