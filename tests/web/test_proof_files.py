"""A proof-of-delivery file is served with the same headers by the API and by both pages."""

from __future__ import annotations

from tests.fleet_helpers import assign, move, tiny_png
from tests.web.clients import signed_in
from tests.web.conftest import World


async def test_the_api_and_both_pages_serve_a_proof_file_sandboxed(world: World) -> None:
    http, load_id = world.site.http, world.load["id"]
    await assign(http, world.dispatcher, load_id, world.driver)
    for status in ("PICKED_UP", "IN_TRANSIT"):
        await move(http, world.driver, load_id, status)
    resp = await http.post(
        f"/api/shipments/{load_id}/pod",
        headers=world.driver.auth,
        data={"recipient_name": "Rita"},
        files=[("signature", ("s.png", tiny_png(), "image/png"))],
    )
    assert resp.status_code == 201, resp.text
    api_url = resp.json()["files"][0]["url"]
    name = api_url.rsplit("/", 1)[1]
    answers = [await http.get(api_url, headers=world.admin.auth)]
    async with signed_in(world.url, "buyer@globex.example") as customer:
        answers.append(await customer.get(f"/app/shipments/{load_id}/pod/{name}"))
    async with signed_in(world.url, "drew@acme.example") as driver:
        answers.append(await driver.get(f"/app/driver/loads/{load_id}/proof/{name}"))
    for served in answers:
        assert served.status_code == 200, served.url
        assert served.content == answers[0].content
        assert served.headers["content-type"] == "image/png"
        assert served.headers["content-disposition"] == f'inline; filename="{name}"'
        csp = served.headers["content-security-policy"]
        assert "sandbox" in csp and "default-src 'none'" in csp, served.url
        assert served.headers["x-content-type-options"] == "nosniff"
