"""/docs works with no internet: Swagger UI and everything it loads come from this origin."""

from __future__ import annotations

import re

from httpx import AsyncClient


async def test_docs_load_only_same_origin_assets_and_each_is_served(client: AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert not re.search(r"(https?:)?//[\w.-]+\.\w+", html), "an absolute or other-origin URL"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    spec = re.findall(r"""url: ?["']([^"']+)["']""", html)
    assert spec == ["/openapi.json"]
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for path in [*assets, *spec]:
        assert path.startswith("/") and not path.startswith("//"), path
        served = await client.get(path)
        assert served.status_code == 200, path
        assert served.content, path
    assert '"validatorUrl": null' in html  # the UI would otherwise call an online validator


async def test_redoc_is_gone_rather_than_loaded_from_a_cdn(client: AsyncClient) -> None:
    assert (await client.get("/redoc")).status_code == 404
