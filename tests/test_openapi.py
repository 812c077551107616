"""The OpenAPI document names the problem+json errors each operation can answer."""

from __future__ import annotations

import json
from typing import Any

from httpx import AsyncClient

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}


def errors_of(document: dict[str, Any], method: str, path: str) -> set[int]:
    responses = document["paths"][path][method]["responses"]
    return {int(s) for s in responses if s.startswith("4")}


async def test_every_error_response_is_a_problem_and_fastapis_422_is_gone(
    client: AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in json.dumps(document)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    item = document["components"]["schemas"]["ProblemItem"]
    assert set(item["properties"]) == {"loc", "msg"}
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert response["content"] == {"application/problem+json": PROBLEM}


async def test_the_errors_follow_from_each_operations_dependencies(client: AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert errors_of(doc, "get", "/api/health") == set()
    assert errors_of(doc, "get", "/api/auth/me") == {401, 429}
    assert errors_of(doc, "get", "/api/shipments/{shipment_id}") == {401, 404, 422, 429}
    assert errors_of(doc, "get", "/api/users") == {401, 403, 422, 429}
    assert errors_of(doc, "post", "/api/customers") == {401, 403, 409, 413, 422, 429}
    assert errors_of(doc, "patch", "/api/shipments/{shipment_id}") == {
        401, 403, 404, 409, 412, 413, 422, 428, 429
    }  # fmt: skip
    assert 428 not in errors_of(doc, "post", "/api/shipments/{shipment_id}/cancel")
    assert errors_of(doc, "put", "/api/drivers/{driver_id}/availability") == {
        401, 403, 404, 413, 422, 429
    }  # fmt: skip
    assert errors_of(doc, "post", "/api/auth/login") == {401, 409, 413, 422, 429}
    assert errors_of(doc, "get", "/api/track/{reference}") == {404, 422, 429}
