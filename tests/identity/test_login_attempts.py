"""Login attempts are counted before the password is checked, so parallel guesses cannot
outrun the lockout (on the in-process counters and on Redis alike)."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient

from tests.helpers import PASSWORD, Session, assert_problem


async def test_twenty_parallel_wrong_passwords_evaluate_at_most_five(
    client: AsyncClient, admin: Session
) -> None:
    body = {"email": "admin@acme.example", "password": "wrong-password"}
    answers = await asyncio.gather(*(client.post("/api/auth/login", json=body) for _ in range(20)))
    codes = [a.status_code for a in answers]
    assert codes.count(401) <= 5, codes
    assert codes.count(401) + codes.count(429) == 20, codes
    correct = await client.post(
        "/api/auth/login", json={"email": "admin@acme.example", "password": PASSWORD}
    )
    assert_problem(correct, 429, "rate_limited")


async def test_successful_logins_do_not_count_towards_the_lockout(
    client: AsyncClient, admin: Session
) -> None:
    body = {"email": "admin@acme.example", "password": PASSWORD}
    for _ in range(8):
        ok = await client.post("/api/auth/login", json=body)
        assert ok.status_code == 200, ok.text
    for _ in range(5):
        bad = await client.post(
            "/api/auth/login", json={"email": "admin@acme.example", "password": "nope-nope"}
        )
        assert bad.status_code == 401
    assert_problem(await client.post("/api/auth/login", json=body), 429, "rate_limited")
