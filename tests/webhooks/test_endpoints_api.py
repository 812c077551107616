"""Managing endpoints: admins only, one organisation's own, a secret shown once, bad
input named, private targets refused when saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx import AsyncClient

from tests.helpers import Session, add_user, assert_problem, running_client
from tests.webhooks.conftest import add_endpoint, hook_settings

HOOK = "https://hooks.example.com/freight"


async def test_the_secret_is_shown_at_creation_only(client: AsyncClient, admin: Session) -> None:
    resp = await client.post(
        "/api/webhooks/endpoints",
        headers=admin.auth,
        json={"url": HOOK, "description": "ERP", "event_types": ["shipment.*", "invoice.issued"]},
    )
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    assert (made["enabled"], made["event_types"]) == (True, ["shipment.*", "invoice.issued"])
    one = await client.get(f"/api/webhooks/endpoints/{made['id']}", headers=admin.auth)
    listed = await client.get("/api/webhooks/endpoints", headers=admin.auth)
    assert one.status_code == 200 and "secret" not in one.json()
    assert [e["id"] for e in listed.json()["items"]] == [made["id"]]
    assert made["secret"] not in one.text + listed.text


async def test_an_admin_edits_disables_and_deletes_an_endpoint(
    client: AsyncClient, admin: Session
) -> None:
    endpoint_id, _ = await add_endpoint(client, admin, HOOK)
    path = f"/api/webhooks/endpoints/{endpoint_id}"
    resp = await client.patch(
        path, headers=admin.auth, json={"enabled": False, "description": "paused for the move"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["enabled"], body["description"]) == (False, "paused for the move")
    assert body["disabled_reason"] == "disabled by an admin" and body["disabled_at"]
    resp = await client.patch(path, headers=admin.auth, json={"enabled": True, "event_types": []})
    assert (resp.json()["enabled"], resp.json()["event_types"], resp.json()["disabled_at"]) == (
        True,
        None,
        None,
    )
    assert (await client.delete(path, headers=admin.auth)).status_code == 204
    assert_problem(await client.get(path, headers=admin.auth), 404, "not_found")


async def test_only_admins_manage_endpoints(client: AsyncClient, admin: Session) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "dan@acme.example")
    endpoint_id, _ = await add_endpoint(client, admin, HOOK)
    for method, path in (
        ("GET", "/api/webhooks/endpoints"),
        ("POST", "/api/webhooks/endpoints"),
        ("GET", f"/api/webhooks/endpoints/{endpoint_id}/deliveries"),
        ("POST", f"/api/webhooks/endpoints/{endpoint_id}/replay"),
        ("DELETE", f"/api/webhooks/endpoints/{endpoint_id}"),
    ):
        resp = await client.request(method, path, headers=dispatcher.auth, json={"url": HOOK})
        assert_problem(resp, 403, "forbidden")


async def test_another_organisations_endpoint_does_not_exist_for_you(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    endpoint_id, _ = await add_endpoint(client, admin, HOOK)
    base = f"/api/webhooks/endpoints/{endpoint_id}"
    for method, path, body in (
        ("GET", base, None),
        ("PATCH", base, {"enabled": False}),
        ("DELETE", base, None),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/replay", {"since_event_id": 0}),
        ("POST", f"{base}/rotate-secret", {}),
    ):
        resp = await client.request(method, path, headers=other_admin.auth, json=body)
        assert_problem(resp, 404, "not_found")
    listed = await client.get("/api/webhooks/endpoints", headers=other_admin.auth)
    assert listed.json()["items"] == []
    still = await client.get(base, headers=admin.auth)
    assert still.status_code == 200 and still.json()["enabled"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "https://user:pw@hooks.example.com/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": HOOK, "event_types": ["shipment.teleported"]}, "event_types"),
        ({"url": HOOK, "event_types": ["user.created"]}, "event_types"),
        ({"url": HOOK, "description": "x" * 501}, "description"),
    ],
)
async def test_bad_input_is_422_naming_the_field(
    client: AsyncClient, admin: Session, body: dict[str, object], field: str
) -> None:
    resp = await client.post("/api/webhooks/endpoints", headers=admin.auth, json=body)
    problem = assert_problem(resp, 422)
    assert any(field in err["loc"] for err in problem["errors"]), problem


async def test_bad_replay_and_rotation_input_is_422_naming_the_field(
    client: AsyncClient, admin: Session
) -> None:
    endpoint_id, _ = await add_endpoint(client, admin, HOOK)
    base = f"/api/webhooks/endpoints/{endpoint_id}"
    for path, body, field in (
        (f"{base}/replay", {"since_event_id": -1}, "since_event_id"),
        (f"{base}/replay", {}, "since_event_id"),
        (f"{base}/rotate-secret", {"overlap_hours": 1000}, "overlap_hours"),
    ):
        problem = assert_problem(await client.post(path, headers=admin.auth, json=body), 422)
        assert problem["errors"][0]["loc"][-1] == field, problem


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost:9000/hook",
        "http://[::1]/hook",
        "https://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
async def test_private_and_metadata_targets_are_refused_when_saved(
    client: AsyncClient, admin: Session, url: str
) -> None:
    resp = await client.post("/api/webhooks/endpoints", headers=admin.auth, json={"url": url})
    problem = assert_problem(resp, 422)
    assert problem["errors"][0]["loc"] == ["body", "url"]
    assert "not a deliverable address" in problem["errors"][0]["msg"]


async def test_the_allowlist_lets_a_private_target_through(
    clean_db: str, tmp_path: Path, admin: Session
) -> None:
    settings = hook_settings(clean_db, tmp_path, worker_in_process=False)
    async with running_client(settings) as http:
        endpoint_id, _ = await add_endpoint(http, admin, "http://127.0.0.1:9/hook")
        refused = await http.post(
            "/api/webhooks/endpoints", headers=admin.auth, json={"url": "http://10.0.0.1/hook"}
        )
    assert endpoint_id and refused.status_code == 422
