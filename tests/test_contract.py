"""The OpenAPI document is the contract: schemathesis checks every operation against it.

Cases are generated from the document (a few per operation, derandomised) and sent by a
signed-in admin through the real app; each response must match the status, content type
and schema the document declares for it (problem+json included). Drivers' own operations
are sent as the driver too; a dispatcher may do a part of what an admin may, so adds no
operation. Path ids are random, so most id routes answer 404: each is also sent with the
ids of real rows.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from httpx import AsyncClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.fleet_helpers import DriverAt, add_driver, add_vehicle, book_load
from tests.helpers import Session, add_customer

EXAMPLES = 3
# Operations left out, with why.
EXCLUDED = {
    ("GET", "/api/shipments/export"): "streams CSV or NDJSON; tests/shipments cover its format",
    ("POST", "/api/shipments/{shipment_id}/pod"): "multipart images; tests/dispatch/test_pod*.py",
    ("POST", "/api/webhooks/stripe"): "needs a Stripe signature; tests/billing cover it",
    ("POST", "/api/auth/logout"): "would revoke the admin's own sign-in mid-run",
    ("PATCH", "/api/users/{user_id}"): "could demote or disable the admin mid-run",
}
CHECKS = [response_schema_conformance, content_type_conformance]
# Operations for drivers only: sent as the driver too, so their answers are not all 403.
AS_DRIVER = {("GET", "/api/drivers/me/loads"), ("POST", "/api/tracking/positions")}


def _cases(operation: Any) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=EXAMPLES,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), _=st.just(None))
    def collect(case: Any, _: None) -> None:
        found.append(case)

    collect()
    return found


async def _send(client: AsyncClient, case: Any, auth: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {
        "params": case.query or None,
        "headers": {**{k: str(v) for k, v in (case.headers or {}).items()}, **auth},
    }
    body = case.body
    if case.media_type and "json" in case.media_type and not _unset(body):
        kwargs["json"] = body
    return await client.request(case.method, case.formatted_path, **kwargs)


def _unset(body: Any) -> bool:
    return type(body).__name__ == "NotSet"


async def _real_ids(client: AsyncClient, admin: Session) -> tuple[dict[str, str], DriverAt]:
    customer = await add_customer(client, admin)
    load = await book_load(client, admin, customer)
    driver = await add_driver(client, admin, "contract@acme.example")
    vehicle = await add_vehicle(client, admin)
    ids = {
        "customer_id": customer,
        "shipment_id": load["id"],
        "reference": load["reference"],
        "driver_id": driver.id,
        "vehicle_id": vehicle["id"],
    }
    return ids, driver


async def test_every_operation_answers_as_its_openapi_document_says(
    client: AsyncClient, admin: Session
) -> None:
    document = (await client.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    ids, driver = await _real_ids(client, admin)
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself must be valid
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in EXCLUDED:
            continue
        callers = [admin.auth, driver.auth] if key in AS_DRIVER else [admin.auth]
        for case in _cases(operation):
            variants = [case]
            if case.path_parameters and set(case.path_parameters) <= set(ids):
                real = operation.Case(
                    path_parameters={k: ids[k] for k in case.path_parameters},
                    query=case.query,
                    headers=case.headers,
                    body=case.body,
                    media_type=case.media_type,
                )
                variants.append(real)
            for sent in variants:
                for auth in callers:
                    response = await _send(client, sent, auth)
                    checked += 1
                    try:
                        sent.validate_response(response, checks=CHECKS)
                    except (AssertionError, FailureGroup) as exc:
                        failures.append(f"{key[0]} {sent.formatted_path}: {exc}")
    assert checked > 100
    assert not failures, "\n\n".join(failures[:10])
