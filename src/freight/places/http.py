"""What the geocoding servers' clients share: one HTTP client, one way to fail, field readers.

A client turns a query into places over its provider's HTTP API. Anything short of a
usable answer (no connection, a timeout, a 5xx, a 429, a refusal, a body that is not the
documented JSON) raises ``Unavailable`` with a short reason (``GEOCODER_FALLBACK_REASONS``
in ``freight.observability.metrics``), and ``freight.places.remote`` answers from the
embedded geocoder. Neither a request URL nor the query text is ever put in an error: the
text may be someone's address.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from freight import __version__
from freight.places.geocoder import Place, PlaceQuery
from freight.routing.provider import retry_after

# Nominatim's usage policy asks for a User-Agent that names the application.
USER_AGENT = f"Freight/{__version__} (open-source trucking operations platform)"
Params = list[tuple[str, str | int | float | bool | None]]
MAX_RESULTS = 40  # what Nominatim and Pelias answer at most per request


class Unavailable(Exception):
    """The geocoding server gave no usable answer."""

    def __init__(
        self, reason: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(reason if status is None else f"{reason} (HTTP {status})")
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s


class Client(Protocol):
    """One geocoding server's client."""

    name: str

    async def search(self, query: PlaceQuery) -> list[Place]:
        """The server's places for ``query``, best first (raises ``Unavailable``)."""
        ...

    async def aclose(self) -> None:
        """Close the connection pool."""
        ...


def bad(what: str) -> Unavailable:
    """An answer that is not the documented shape (``what`` is for debugging, not logged)."""
    error = Unavailable("bad_response")
    error.add_note(what)
    return error


def coordinate(value: Any, bound: float) -> float:
    """A latitude or longitude as a JSON number or a numeric string (Nominatim's), in range."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad("a coordinate that is not a number")
    try:
        number = float(value)
    except ValueError:
        raise bad("a coordinate that is not a number") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise bad("a coordinate out of range")
    return number


def text(value: Any) -> str | None:
    """A non-empty string field, else None."""
    return value.strip() or None if isinstance(value, str) else None


def mapping(value: Any, what: str) -> dict[str, Any]:
    """A JSON object, else a bad response."""
    if not isinstance(value, dict):
        raise bad(f"{what} is not an object")
    return value


def results(value: Any, what: str) -> list[Any]:
    """A JSON array, else a bad response."""
    if not isinstance(value, list):
        raise bad(f"{what} is not an array")
    return value


def point(feature: dict[str, Any]) -> tuple[float, float]:
    """A GeoJSON point feature's latitude and longitude (GeoJSON says ``[lon, lat]``)."""
    geometry = mapping(feature.get("geometry"), "a feature's geometry")
    pair = results(geometry.get("coordinates"), "a point's coordinates")
    if geometry.get("type") != "Point" or len(pair) < 2:
        raise bad("a feature that is not a point")
    return coordinate(pair[1], 90), coordinate(pair[0], 180)


def asked_for(query: PlaceQuery, extra: int = 0) -> int:
    """How many results to ask for: the query's limit (and some spare), within the servers'."""
    return max(1, min(query.limit + extra, MAX_RESULTS))


class HttpClient:
    """The HTTP plumbing of a geocoder client: base URL, timeout, API key, error mapping."""

    key_param: str | None = None  # the query parameter a hosted server takes its key as

    def __init__(self, base_url: str, timeout_s: float, key: SecretStr | None = None) -> None:
        if key is not None and self.key_param is None:
            raise ValueError(f"{type(self).__name__} takes no API key")
        self._key = key
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
            trust_env=False,  # no proxy or .netrc from the environment: addresses stay here
        )

    async def get_json(self, path: str, params: Params) -> Any:
        """The JSON body of a 2xx answer, else ``Unavailable`` saying why."""
        if self._key is not None and self.key_param is not None:
            params = [*params, (self.key_param, self._key.get_secret_value())]
        try:
            response = await self.http.get(path, params=params)
        except httpx.TimeoutException:
            raise Unavailable("timeout") from None
        except httpx.TransportError:
            raise Unavailable("connect") from None
        except httpx.HTTPError:  # too many redirects, an undecodable body
            raise bad("the exchange broke off") from None
        status = response.status_code
        if status == 429:
            raise Unavailable(
                "rate_limited", status, retry_after(response.headers.get("retry-after"))
            )
        if status >= 500:
            raise Unavailable("server_error", status)
        if status >= 300:  # a wrong URL, a block by the server's operator, a refused query
            raise Unavailable("refused", status)
        try:
            return response.json()
        except ValueError:
            raise bad("the body is not JSON") from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()
