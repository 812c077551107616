"""The shipped deployment trusts only its proxy's X-Forwarded-For, and the proxy sets it."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_the_apis_trust_forwarded_headers_from_the_proxy_address_only() -> None:
    compose = _compose()
    services = compose["services"]
    for name in ("api-1", "api-2", "migrate"):
        env = services[name]["environment"]
        assert "FORWARDED_ALLOW_IPS" not in env, f"{name}: uvicorn's own variable is not used"
        trusted = env["FREIGHT_FORWARDED_ALLOW_IPS"]
        assert "*" not in trusted
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert trusted == proxy_address
    subnet = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for name in ("api-1", "api-2"):
        assert "edge" in services[name]["networks"]


def test_nginx_replaces_the_clients_forwarded_for_instead_of_appending_to_it() -> None:
    conf = (ROOT / "deploy" / "nginx" / "freight.conf").read_text()
    settings = re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+);", conf)
    assert settings and set(settings) == {"$remote_addr"}
    assert "$proxy_add_x_forwarded_for" not in re.sub(r"#.*", "", conf)


def test_nginx_accepts_a_proof_of_delivery_as_large_as_the_api_does() -> None:
    conf = (ROOT / "deploy" / "nginx" / "freight.conf").read_text()
    limit = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert limit is not None, "freight.conf sets no client_max_body_size in megabytes"
    megabytes = int(limit.group(1))
    from freight.settings import Settings

    assert megabytes * 1024 * 1024 >= Settings().pod_max_body_bytes
