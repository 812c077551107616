"""The router the settings name: the estimate, or a provider with the estimate behind it."""

from __future__ import annotations

from freight.cache import Cache
from freight.routing.estimate import EstimateRouter
from freight.routing.graphhopper import GraphHopperProvider
from freight.routing.osrm import OsrmProvider
from freight.routing.provider import Provider
from freight.routing.remote import RemoteRouter
from freight.routing.router import Router
from freight.routing.valhalla import ValhallaProvider
from freight.settings import Settings


def estimate_for(settings: Settings) -> EstimateRouter:
    """The embedded estimate with the configured road factor and planning speed."""
    return EstimateRouter(settings.road_factor, settings.average_speed_kmh)


def provider_for(settings: Settings) -> Provider | None:
    """The configured provider's client (None for the estimate)."""
    url, timeout = settings.router_url, settings.router_timeout_s
    if settings.router == "estimate" or url is None:
        return None
    if settings.router == "osrm":
        return OsrmProvider(url, timeout)
    if settings.router == "valhalla":
        return ValhallaProvider(url, timeout, settings.router_profile)
    return GraphHopperProvider(url, timeout, settings.router_profile, settings.router_key)


def build_router(settings: Settings, cache: Cache) -> Router:
    """The app's router (``FREIGHT_ROUTER``), caching in the app's cache."""
    estimate = estimate_for(settings)
    provider = provider_for(settings)
    if provider is None:
        return estimate
    return RemoteRouter(
        provider,
        estimate,
        cache,
        variant=f"{settings.router_url}|{settings.router_profile}",
        cache_ttl_s=settings.router_cache_ttl_s,
        cooldown_s=settings.router_breaker_cooldown_s,
    )
