"""Where a delivery may go: no loopback, private, link-local, multicast or metadata
addresses unless ``FREIGHT_WEBHOOK_ALLOWED_HOSTS`` allows them.

The host is resolved once per delivery, every address it resolves to is checked, and
the connection goes to the checked address (the URL's host stays in the ``Host`` header
and the TLS server name), so a name that resolves to a public address when checked and
to 127.0.0.1 when connecting (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Net = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class Refused(Exception):
    """The target is not one a webhook may reach."""


def forbidden(ip: IP) -> str | None:
    """Why an address is off limits for webhooks, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return forbidden(ip.ipv4_mapped)
    checks = (
        (ip in METADATA, "a cloud metadata address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for hit, why in checks if hit), None)


@dataclass(frozen=True)
class Allowlist:
    """Host names, addresses and networks that may be private (tests, internal hooks)."""

    hosts: frozenset[str]
    networks: tuple[Net, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowlist:
        """From ``FREIGHT_WEBHOOK_ALLOWED_HOSTS`` entries: names, addresses or CIDRs."""
        hosts: set[str] = set()
        networks: list[Net] = []
        for raw in entries:
            entry = raw.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, ip: IP) -> bool:
        """Whether this host name, or this address, is on the list."""
        return host in self.hosts or any(ip in net for net in self.networks)


def literal_ip(host: str) -> IP | None:
    """The host as an address, when it is one."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refusal_of_literal(url: str, allow: Allowlist) -> str | None:
    """Why a URL whose host is an address (or ``localhost``) is refused, checked when an
    endpoint is saved; names are checked when a delivery resolves them."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return None if host in allow.hosts else "points at this machine (localhost)"
    ip = literal_ip(host)
    if ip is None or allow.allows(host, ip):
        return None
    why = forbidden(ip)
    return None if why is None else f"points at {ip}, {why}"


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host`` (TCP), in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to ``connect_url``, say ``host_header``."""

    connect_url: str
    host_header: str
    server_name: str
    address: str


async def resolve(url: str, allow: Allowlist, resolver: Resolver = system_resolver) -> Target:
    """Resolve the URL's host once, check every address, and pin the first."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        raise Refused("not an http(s) URL with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = literal_ip(host)
    try:
        addresses = [str(literal)] if literal else await resolver(host, port)
    except OSError as exc:
        raise Refused(f"{host} does not resolve ({exc.strerror or exc})") from None
    if not addresses:
        raise Refused(f"{host} does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        why = forbidden(ip)
        if why is not None and not allow.allows(host, ip):
            raise Refused(f"{host} resolves to {ip}, {why}")
    pinned = ipaddress.ip_address(addresses[0].split("%")[0])
    netloc = f"[{pinned}]:{port}" if pinned.version == 6 else f"{pinned}:{port}"
    shown = f"[{host}]" if literal is not None and literal.version == 6 else host
    host_header = shown if parts.port is None else f"{shown}:{port}"
    connect = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(connect, host_header, host, str(pinned))
