"""SSRF: a delivery resolves its host once, checks every address and connects to it."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from freight.webhooks.targets import Allowlist, Refused, forbidden, resolve
from tests.helpers import register, running_client
from tests.webhooks.conftest import add_endpoint, book, deliveries, eventually, hook_settings
from tests.webhooks.receiver import Receiver


def static(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver that answers from a table, as a hosts file would."""

    async def lookup(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return lookup


async def test_a_name_that_resolves_to_loopback_is_refused_and_nothing_is_sent(
    clean_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    settings = hook_settings(clean_db, tmp_path, webhook_allowed_hosts=[])
    async with running_client(settings) as http:
        admin = await register(http, "Acme Haulage", "admin@acme.example")
        url = receiver.url.replace("127.0.0.1", "localhost.")  # a name, not an address
        endpoint_id, _ = await add_endpoint(http, admin, url)
        await book(http, admin)

        async def refused() -> list[dict[str, object]]:
            found = await deliveries(http, admin, endpoint_id)
            return [a for d in found for a in d["attempts"] if a["outcome"] == "refused"]

        attempt = (await eventually(refused, within=5))[0]
    assert "resolves to" in str(attempt["error"]) and "loopback" in str(attempt["error"])
    assert receiver.received == []


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.7", "172.16.1.1", "192.168.1.1", "169.254.169.254", "fd00:ec2::254",
     "::1", "fe80::1", "224.0.0.1", "100.64.0.1", "::ffff:10.0.0.1", "0.0.0.0"],  # noqa: S104
)  # fmt: skip
async def test_every_private_kind_of_address_is_refused(address: str) -> None:
    lookup = static({"hooks.example.test": [address]})
    with pytest.raises(Refused, match="resolves to"):
        await resolve("https://hooks.example.test/in", Allowlist.parse([]), lookup)


async def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    lookup = static({"hooks.example.test": ["93.184.216.34", "10.0.0.1"]})
    with pytest.raises(Refused, match=r"10\.0\.0\.1"):
        await resolve("https://hooks.example.test/in", Allowlist.parse([]), lookup)


async def test_a_public_name_is_pinned_to_its_checked_address() -> None:
    lookup = static({"hooks.example.test": ["93.184.216.34"]})
    target = await resolve("https://hooks.example.test:8443/in?x=1", Allowlist.parse([]), lookup)
    assert target.connect_url == "https://93.184.216.34:8443/in?x=1"
    assert (target.host_header, target.server_name) == (
        "hooks.example.test:8443",
        "hooks.example.test",
    )
    assert target.address == "93.184.216.34"
    assert forbidden(ipaddress.ip_address(target.address)) is None


async def test_the_allowlist_takes_names_addresses_and_networks() -> None:
    allow = Allowlist.parse(["127.0.0.1", "10.20.0.0/16", "hooks.internal"])
    lookup = static(
        {"a.test": ["10.20.3.4"], "b.test": ["10.21.0.1"], "hooks.internal": ["10.9.9.9"]}
    )
    assert (await resolve("http://a.test/", allow, lookup)).address == "10.20.3.4"
    assert (await resolve("http://hooks.internal/", allow, lookup)).address == "10.9.9.9"
    assert (
        await resolve("http://127.0.0.1:81/", allow, lookup)
    ).connect_url == "http://127.0.0.1:81/"
    with pytest.raises(Refused):
        await resolve("http://b.test/", allow, lookup)
    with pytest.raises(Refused, match="does not resolve"):
        await resolve("http://nowhere.test/", allow, lookup)
