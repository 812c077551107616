"""A geocoding server behind the ``Geocoder`` interface: cached, budgeted, never failing.

Answers are kept per normalised query (case and spacing aside) in this process for
``FREIGHT_GEOCODER_CACHE_TTL_S``, so autocomplete asking the same text again costs no
request. Requests are spent from a budget of ``FREIGHT_GEOCODER_RATE_PER_S``; a search
waits for its turn at most as long as it would wait for the server (the timeout), and
one whose turn is further off is answered by the embedded geocoder at once, as is one the server
cannot answer (no connection, a timeout, a 5xx, a 429, a refusal, an answer that is not
its documented JSON) or answers with nothing; such an answer is kept for 10 s only.
After a failure the server is left alone
for the cool-down (or as long as a 429's ``Retry-After`` asks). Every fallback is counted
in ``freight_geocoder_fallbacks_total``; a burst of failures is logged once, as
``geocoder.fallback`` with the provider, reason and HTTP status (never the query: it may
be someone's address; at most once a minute), and its end as ``geocoder.recovered``.
"""

from __future__ import annotations

import dataclasses
import time

import structlog

from freight.observability.metrics import GEOCODER_CACHE, GEOCODER_DURATION, GEOCODER_FALLBACKS
from freight.places.geocoder import Geocoder, Place, PlaceQuery
from freight.places.http import Client, Unavailable
from freight.places.memo import Budget, TtlLru

log = structlog.get_logger("freight.places")

MAX_QUERY_CHARS = 400  # a stop's city (200) and region (120) fit; longer is not an address
WARN_INTERVAL_S = 60.0
FALLBACK_TTL_S = 10.0
CacheKey = tuple[str, str | None, str | None, int, bool]


def cache_key(query: PlaceQuery, text: str) -> CacheKey:
    """What makes two searches the same question: the text (case aside) and the options."""
    return (text.casefold(), query.country, query.prefer_country, query.limit, query.partial)


class RemoteGeocoder:
    """``Geocoder`` over a server's client, with the cache, the budget and the embedded one."""

    remote = True

    def __init__(
        self,
        client: Client,
        embedded: Geocoder,
        *,
        rate_per_s: float,
        cache_ttl_s: float,
        cache_max_entries: int,
        cooldown_s: float,
        max_wait_s: float = 0.0,
    ) -> None:
        self.client = client
        self.name = client.name
        self.embedded = embedded
        self.cache: TtlLru[CacheKey, tuple[Place, ...]] = TtlLru(cache_max_entries, cache_ttl_s)
        self.budget = Budget(rate_per_s)
        self.max_wait_s = max_wait_s  # for a turn in the budget
        self.cooldown_s = cooldown_s
        self._quiet_until = 0.0
        self._burst = 0  # fallbacks since the server last answered
        self._warned_at = -WARN_INTERVAL_S
        self._warned = False

    def knows_country(self, code: str) -> bool:
        """True for the ISO alpha-2 codes the embedded geocoder knows (the same list)."""
        return self.embedded.knows_country(code)

    async def search(self, query: PlaceQuery) -> list[Place]:
        """The server's places for the query, else the embedded geocoder's."""
        text = " ".join(query.text.split())
        if not text:
            return []
        if len(text) > MAX_QUERY_CHARS:
            return await self.embedded.search(query)  # not worth a request
        key = cache_key(query, text)
        kept = self.cache.get(key)
        if kept is not None:
            GEOCODER_CACHE.labels(self.name, "hit").inc()
            return list(kept) or await self.embedded.search(query)
        GEOCODER_CACHE.labels(self.name, "miss").inc()
        try:
            places = await self._ask(dataclasses.replace(query, text=text))
        except Unavailable as error:
            self._failed(error)
            standby = await self.embedded.search(query)
            # Briefly, so a booking's second look (after its prefetch) gives the same answer.
            self.cache.put(key, tuple(standby), FALLBACK_TTL_S)
            return standby
        self._answered()
        self.cache.put(key, tuple(places))
        if not places:
            GEOCODER_FALLBACKS.labels(self.name, "no_results").inc()
            return await self.embedded.search(query)
        return places

    async def _ask(self, query: PlaceQuery) -> list[Place]:
        """The server's answer, unless it is being left alone or the budget is spent."""
        if time.monotonic() < self._quiet_until:
            raise Unavailable("circuit_open")
        if not await self.budget.take(self.max_wait_s):
            raise Unavailable("throttled")
        started = time.perf_counter()
        try:
            return await self.client.search(query)
        except Unavailable as error:
            self._cool_down(error.retry_after_s)
            raise
        except Exception as error:  # a bug must not fail a booking: answer, and say so
            self._cool_down(None)
            failure = Unavailable("bad_response")
            failure.add_note(type(error).__name__)
            raise failure from error
        finally:
            GEOCODER_DURATION.labels(self.name).observe(time.perf_counter() - started)

    def _cool_down(self, seconds: float | None) -> None:
        wait = self.cooldown_s if seconds is None else seconds
        self._quiet_until = max(self._quiet_until, time.monotonic() + wait)

    def _failed(self, error: Unavailable) -> None:
        GEOCODER_FALLBACKS.labels(self.name, error.reason).inc()
        self._burst += 1
        now = time.monotonic()
        if not self._warned and now - self._warned_at >= WARN_INTERVAL_S:
            self._warned_at, self._warned = now, True
            log.warning(
                "geocoder.fallback",
                provider=self.name,
                reason=error.reason,
                status=error.status,
                retry_after_s=error.retry_after_s,
                answered_by="embedded",
            )

    def _answered(self) -> None:
        if self._burst and self._warned:
            log.info("geocoder.recovered", provider=self.name, fallbacks=self._burst)
        self._burst, self._warned = 0, False

    async def aclose(self) -> None:
        """Close the server's connections."""
        await self.client.aclose()
