"""Who may read and write a shipment's thread, and who gets a 404."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.helpers import assert_problem
from tests.messaging.conftest import Thread, said, say

PARTICIPANTS = ["buyer", "driver", "dispatcher", "admin"]
STRANGERS = ["other_buyer", "other_driver", "outsider"]


@pytest.mark.parametrize("who", PARTICIPANTS)
async def test_participants_read_and_post(client: AsyncClient, thread: Thread, who: str) -> None:
    person = getattr(thread, who)
    message = await said(client, thread, person, f"hello from {who}")
    assert message["author_role"] == ("customer" if who == "buyer" else who)
    listing = await client.get(thread.url, headers=person.auth)
    assert listing.status_code == 200
    assert [m["body"] for m in listing.json()["items"]] == [f"hello from {who}"]


@pytest.mark.parametrize("who", STRANGERS)
async def test_everyone_else_gets_404(client: AsyncClient, thread: Thread, who: str) -> None:
    await said(client, thread, thread.buyer, "where is my load?")
    person = getattr(thread, who)
    assert_problem(await client.get(thread.url, headers=person.auth), 404, "not_found")
    assert_problem(await say(client, thread, person, "let me in"), 404, "not_found")
    resp = await client.post(f"{thread.url}/read", headers=person.auth, json={"up_to_id": 1})
    assert_problem(resp, 404, "not_found")
    listing = await client.get(thread.url, headers=thread.admin.auth)
    assert len(listing.json()["items"]) == 1  # nothing was added


async def test_api_keys_take_no_part(client: AsyncClient, thread: Thread) -> None:
    resp = await client.post(
        "/api/api-keys", headers=thread.admin.auth, json={"name": "x", "role": "dispatcher"}
    )
    key = {"X-API-Key": resp.json()["key"]}
    assert_problem(await client.get(thread.url, headers=key), 403, "forbidden")
    resp = await client.post(thread.url, headers=key, json={"body": "beep"})
    assert_problem(resp, 403, "forbidden")


async def test_unauthenticated_is_401(client: AsyncClient, thread: Thread) -> None:
    assert_problem(await client.get(thread.url), 401)
