"""The two hot reads serve cached JSON bytes as they are: those bytes are their declared model."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response
from pydantic import BaseModel

from freight.shipments.schemas import ShipmentPage, ShipmentRead
from tests.shipments.conftest import World, book


def declared_model(document: dict[str, Any], path: str) -> str:
    """The schema name the OpenAPI document gives the 200 answer of ``GET path``."""
    content = document["paths"][path]["get"]["responses"]["200"]["content"]
    ref: str = content["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def assert_is(model: type[BaseModel], resp: Response) -> None:
    """The body validates as ``model`` and is byte for byte its serialisation."""
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/json"
    parsed = model.model_validate_json(resp.content)
    assert parsed.model_dump_json().encode() == resp.content


async def test_the_cached_list_and_shipment_bytes_are_their_declared_models(
    client: AsyncClient, world: World
) -> None:
    document = (await client.get("/openapi.json")).json()
    assert declared_model(document, "/api/shipments") == ShipmentPage.__name__
    assert declared_model(document, "/api/shipments/{shipment_id}") == ShipmentRead.__name__
    first = await book(client, world.customer_a)
    await book(client, world.customer_a, notes="Dock 7")
    for who in (world.customer_a, world.admin):
        for _ in range(2):  # the first read fills the cache, the second is served from it
            page = await client.get("/api/shipments", headers=who.auth, params={"limit": 1})
            assert_is(ShipmentPage, page)
            assert page.json()["next_cursor"]
            one = await client.get(f"/api/shipments/{first['id']}", headers=who.auth)
            assert_is(ShipmentRead, one)
            assert one.headers["etag"] == f'"{first["version"]}"'
