"""The read cache: fresh after every change, never shared across scopes, correct on its own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis

from freight.cache import Cache, MemoryCache, RedisCache
from freight.settings import Settings
from tests.conftest import REDIS_URL
from tests.helpers import Session, add_user, assert_problem, running_client
from tests.shipments.conftest import World, book


async def read(client: AsyncClient, who: Session, shipment_id: str) -> tuple[str, dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{shipment_id}", headers=who.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return resp.headers["etag"], body


async def test_a_read_right_after_a_patch_serves_the_new_version(
    client: AsyncClient, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    assert (await read(client, world.customer_a, sid))[0] == '"1"'
    assert (await read(client, world.customer_a, sid))[0] == '"1"'  # now from the cache
    resp = await client.patch(
        f"/api/shipments/{sid}",
        headers={**world.customer_a.auth, "If-Match": '"1"'},
        json={"notes": "Dock 7", "weight_kg": 8000},
    )
    assert resp.status_code == 200, resp.text
    etag, body = await read(client, world.customer_a, sid)
    assert etag == '"2"'
    assert (body["version"], body["notes"], body["weight_kg"]) == (2, "Dock 7", 8000.0)
    etag, body = await read(client, world.dispatcher, sid)
    assert etag == '"2"' and body["notes"] == "Dock 7"


async def test_a_cancel_is_seen_at_once(client: AsyncClient, world: World) -> None:
    sid = (await book(client, world.customer_a))["id"]
    await read(client, world.dispatcher, sid)
    resp = await client.post(
        f"/api/shipments/{sid}/cancel", headers=world.dispatcher.auth, json={"reason": "dup"}
    )
    assert resp.status_code == 200
    etag, body = await read(client, world.customer_a, sid)
    assert (etag, body["status"], body["cancel_reason"]) == ('"2"', "CANCELLED", "dup")


async def counted(cache: Cache, request: Awaitable[Any]) -> tuple[int, int]:
    """The (hits, misses) one request adds to the cache's counters."""
    hits, misses = cache.stats.hits, cache.stats.misses
    await request
    return cache.stats.hits - hits, cache.stats.misses - misses


async def test_hits_and_misses_are_counted(client: AsyncClient, app: FastAPI, world: World) -> None:
    cache: Cache = app.state.ctx.cache
    sid = (await book(client, world.customer_a))["id"]
    url = f"/api/shipments/{sid}"
    who = world.customer_a.auth
    # Whatever a signed-in request costs the cache anyway (the caller's identity), measured
    # on a request that reads no shipment.
    auth_hits, auth_misses = await counted(cache, client.get("/api/auth/me", headers=who))

    def shipment_part(delta: tuple[int, int]) -> tuple[int, int]:
        return delta[0] - auth_hits, delta[1] - auth_misses

    entries = await cache.entries()
    assert shipment_part(await counted(cache, client.get(url, headers=who))) == (0, 1)
    assert await cache.entries() == entries + 1
    assert shipment_part(await counted(cache, client.get(url, headers=who))) == (1, 0)
    assert shipment_part(await counted(cache, client.get(url, headers=who))) == (1, 0)

    resp = await client.patch(url, headers=who, json={"notes": "x"})
    assert resp.status_code == 200
    assert await cache.entries() == entries  # the change dropped the entry
    assert shipment_part(await counted(cache, client.get(url, headers=who))) == (0, 1)
    assert shipment_part(await counted(cache, client.get(url, headers=who))) == (1, 0)
    assert 0 < cache.stats.hit_rate < 1


async def test_a_list_page_warms_its_shipments_and_a_change_still_shows(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    cache: Cache = app.state.ctx.cache
    ids = [(await book(client, world.customer_a))["id"] for _ in range(3)]
    who = world.customer_a.auth
    auth_hits, _ = await counted(cache, client.get("/api/auth/me", headers=who))
    listed = await client.get("/api/shipments", headers=who, params={"limit": 2})
    assert listed.status_code == 200
    page = listed.json()
    assert [item["id"] for item in page["items"]] == ids[:0:-1]  # newest first
    assert page["next_cursor"]
    assert page["items"][0] == (await read(client, world.customer_a, ids[2]))[1]
    # Opening a listed shipment is a hit; the one on the next page was not warmed.
    hits, misses = await counted(cache, client.get(f"/api/shipments/{ids[1]}", headers=who))
    assert (hits - auth_hits, misses) == (1, 0)
    hits, misses = await counted(cache, client.get(f"/api/shipments/{ids[0]}", headers=who))
    assert (hits - auth_hits, misses) == (0, 1)
    # A change after the list drops the warmed entry like any other.
    resp = await client.patch(f"/api/shipments/{ids[1]}", headers=who, json={"notes": "x"})
    assert resp.status_code == 200
    etag, body = await read(client, world.customer_a, ids[1])
    assert (etag, body["notes"]) == ('"2"', "x")
    # Warmed entries keep their scope: another account still cannot read them.
    hidden = await client.get(f"/api/shipments/{ids[2]}", headers=world.customer_b.auth)
    assert_problem(hidden, 404, "not_found")


async def test_cached_shipment_is_still_hidden_from_other_accounts_and_tenants(
    client: AsyncClient, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    driver = await add_user(client, world.admin, "driver", "drv@acme.example")
    await read(client, world.dispatcher, sid)  # cached by a reader who may see it

    missing = str(uuid.uuid4())
    for stranger in (world.customer_b, world.outsider, driver):
        hidden = await client.get(f"/api/shipments/{sid}", headers=stranger.auth)
        absent = await client.get(f"/api/shipments/{missing}", headers=stranger.auth)
        body = assert_problem(hidden, 404, "not_found")
        assert "etag" not in hidden.headers
        # Same answer as for an id that does not exist: no way to tell the two apart.
        assert body["detail"].replace(sid, "?") == absent.json()["detail"].replace(missing, "?")
    assert (await read(client, world.customer_a, sid))[1]["id"] == sid


async def test_a_refused_read_does_not_poison_the_cache(client: AsyncClient, world: World) -> None:
    sid = (await book(client, world.customer_a))["id"]
    assert_problem(await client.get(f"/api/shipments/{sid}", headers=world.outsider.auth), 404)
    assert_problem(await client.get(f"/api/shipments/{sid}", headers=world.customer_b.auth), 404)
    assert (await read(client, world.customer_a, sid))[1]["id"] == sid
    assert (await read(client, world.admin, sid))[1]["id"] == sid


@pytest.mark.skipif(
    not REDIS_URL, reason="needs a shared Redis; runs in the PostgreSQL + Redis pass"
)
async def test_two_instances_sharing_redis_never_serve_a_stale_shipment(
    client: AsyncClient, settings: Settings, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    ref = (await read(client, world.customer_a, sid))[1]["reference"]
    async with running_client(settings) as other:
        # Warm the second instance, change through the first, read through the second.
        assert (await read(other, world.customer_a, sid))[0] == '"1"'
        assert (await other.get(f"/api/track/{ref}")).json()["stops"][0]["city"] == "Chicago"
        resp = await client.patch(
            f"/api/shipments/{sid}", headers=world.customer_a.auth, json={"notes": "via A"}
        )
        assert resp.status_code == 200
        etag, body = await read(other, world.customer_a, sid)
        assert (etag, body["notes"]) == ('"2"', "via A")

        # And the other way round, including the public tracking view.
        resp = await other.post(
            f"/api/shipments/{sid}/cancel", headers=world.dispatcher.auth, json={"reason": "x"}
        )
        assert resp.status_code == 200
        etag, body = await read(client, world.customer_a, sid)
        assert (etag, body["status"]) == ('"3"', "CANCELLED")
        assert (await other.get(f"/api/track/{ref}")).json()["status"] == "CANCELLED"
        assert (await client.get(f"/api/track/{ref}")).json()["status"] == "CANCELLED"


# --- the cache classes themselves ------------------------------------------------------


async def test_memory_cache_expires_entries_after_their_ttl() -> None:
    cache = MemoryCache()
    await cache.set("short", {"v": 1}, ttl_s=1)
    await cache.set("long", {"v": 2}, ttl_s=60)
    assert await cache.get("short") == {"v": 1}
    await asyncio.sleep(1.1)
    assert await cache.get("short") is None
    assert await cache.get("long") == {"v": 2}
    assert await cache.entries() == 1  # the expired entry is gone, not just hidden
    assert (cache.stats.hits, cache.stats.misses) == (2, 1)


async def test_memory_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3)
    for key in ("a", "b", "c"):
        await cache.set(key, key, ttl_s=60)
    assert await cache.get("a") == "a"  # a is now the most recently used
    await cache.set("d", "d", ttl_s=60)
    assert await cache.entries() == 3
    assert cache.stats.evictions == 1
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in ("a", "c", "d")] == ["a", "c", "d"]
    await cache.set("a", "a2", ttl_s=60)  # overwriting is not an eviction
    assert (cache.stats.evictions, await cache.entries()) == (1, 3)
    await cache.set("e", "e", ttl_s=60)
    await cache.set("f", "f", ttl_s=60)
    assert cache.stats.evictions == 3
    assert await cache.get("a") == "a2"


def _caches() -> list[str]:
    return ["memory", "redis"] if REDIS_URL else ["memory"]


@pytest.mark.parametrize("kind", _caches())
async def test_set_get_delete_and_entries(kind: str, clean_db: str) -> None:
    redis = Redis.from_url(REDIS_URL) if kind == "redis" and REDIS_URL else None
    cache: Cache = RedisCache(redis) if redis is not None else MemoryCache()
    try:
        assert await cache.entries() == 0
        value = {"id": "x", "n": 3, "nested": {"list": [1, 2]}}
        await cache.set("k1", value, ttl_s=60)
        await cache.set("k2", "plain", ttl_s=60)
        assert await cache.get("k1") == value
        assert await cache.entries() == 2
        await cache.delete("k1", "k2", "never-set")
        await cache.delete()
        assert await cache.get("k1") is None and await cache.get("k2") is None
        assert await cache.entries() == 0
        assert (cache.stats.hits, cache.stats.misses) == (1, 2)
        assert cache.stats.hit_rate == pytest.approx(1 / 3)
    finally:
        if redis is not None:
            await redis.aclose()
