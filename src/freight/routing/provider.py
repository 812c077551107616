"""What every routing provider's client shares: one HTTP client, and one way to fail.

A provider client turns two points into a leg and a block of points into a table, in
metres and seconds, over the provider's own HTTP API. Anything short of a usable answer
(no connection, a timeout, a 5xx, a 429, an answer that is not the documented JSON)
raises ``Unavailable`` with a short reason (``ROUTER_FALLBACK_REASONS`` in
``freight.observability.metrics``); ``freight.routing.remote`` falls back to the
estimate. Request URLs are never put in an error or a log: they may carry an API key.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from freight.routing.router import Source

MAX_RETRY_AFTER_S = 3600.0


@dataclass(frozen=True)
class Coord:
    """A point rounded as it is sent and cached (``freight.routing.remote``)."""

    lat: float
    lng: float


@dataclass(frozen=True)
class RawLeg:
    """A provider's answer for one leg, in its units (metres, seconds)."""

    distance_m: float
    duration_s: float
    polyline: str | None


@dataclass(frozen=True)
class RawTable:
    """A provider's table: rows per source, ``None`` where it found no road."""

    distance_m: list[list[float | None]]
    duration_s: list[list[float | None]]


class Unavailable(Exception):
    """The provider gave no usable answer."""

    def __init__(
        self,
        reason: str,
        status: int | None = None,
        retry_after_s: float | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(reason if status is None else f"{reason} (HTTP {status})")
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s
        self.detail = detail  # the provider's own message for a refusal, shortened


class Provider(Protocol):
    """One routing engine's client."""

    name: Source
    matrix_block: int  # most sources (and targets) one table request may carry

    async def leg(self, a: Coord, b: Coord) -> RawLeg: ...
    async def table(self, sources: list[Coord], targets: list[Coord]) -> RawTable: ...
    async def aclose(self) -> None: ...


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def bad(what: str) -> Unavailable:
    """An answer that is not the documented shape (``what`` is for debugging, not logged)."""
    error = Unavailable("bad_response")
    error.add_note(what)
    return error


def number(value: Any) -> float:
    """A JSON number (not a bool, not a string), else a bad response."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise bad("expected a non-negative number")
    return float(value)


def optional_number(value: Any) -> float | None:
    """A JSON number, or ``None`` where the provider found no road."""
    return None if value is None else number(value)


def rows(value: Any, count: int, columns: int) -> list[list[float | None]]:
    """A table's ``count`` rows of ``columns`` numbers (``None`` where no road joins a pair)."""
    if not isinstance(value, list) or len(value) != count:
        raise bad("a table with the wrong number of rows")
    out = []
    for row in value:
        if not isinstance(row, list) or len(row) != columns:
            raise bad("a table row with the wrong number of columns")
        out.append([optional_number(v) for v in row])
    return out


def _message(response: httpx.Response) -> str | None:
    """The error message OSRM and GraphHopper (``message``) or Valhalla (``error``) send."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    text = body.get("message") or body.get("error")
    return str(text)[:200] if text else None


class HttpProvider:
    """The HTTP plumbing of a provider client: base URL, timeout, error mapping."""

    name: Source
    matrix_block = 50

    def __init__(self, base_url: str, timeout_s: float, http: httpx.AsyncClient | None = None):
        self.http = http or httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            headers={"User-Agent": "Freight routing client"},
            follow_redirects=False,
        )

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a 2xx answer, else ``Unavailable`` saying why."""
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise Unavailable("timeout") from None
        except httpx.TransportError:
            raise Unavailable("connect") from None
        except httpx.HTTPError:  # too many redirects, an undecodable body
            raise bad("the exchange broke off") from None
        status = response.status_code
        if status == 429:
            wait = retry_after(response.headers.get("retry-after"))
            raise Unavailable("rate_limited", status, wait)
        if status >= 500:
            raise Unavailable("server_error", status)
        if 300 <= status < 400 or status in (401, 403, 404, 405):
            # A wrong key, URL or plan: nothing to do with these points.
            raise Unavailable("refused", status, detail=_message(response))
        if status >= 400:
            # The engine's answer about these points (no road, too far, an unknown profile).
            raise Unavailable("no_route", status, detail=_message(response))
        try:
            return response.json()
        except ValueError:
            raise bad("the body is not JSON") from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()
