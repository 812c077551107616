"""The geocoder the settings name: the embedded one, or a server with the embedded one behind it."""

from __future__ import annotations

from freight.places.embedded import EmbeddedGeocoder
from freight.places.geocoder import Geocoder
from freight.places.http import Client
from freight.places.nominatim import NominatimClient
from freight.places.pelias import PeliasClient
from freight.places.photon import PhotonClient
from freight.places.remote import RemoteGeocoder
from freight.settings import Settings

CLIENTS: dict[str, type[NominatimClient | PhotonClient | PeliasClient]] = {
    "nominatim": NominatimClient,
    "photon": PhotonClient,
    "pelias": PeliasClient,
}


def client_for(settings: Settings) -> Client | None:
    """The configured server's client (None for the embedded geocoder)."""
    if settings.geocoder == "embedded" or settings.geocoder_url is None:
        return None
    client = CLIENTS[settings.geocoder]
    return client(settings.geocoder_url, settings.geocoder_timeout_s, settings.geocoder_key)


def build_geocoder(settings: Settings) -> Geocoder:
    """The app's geocoder (``FREIGHT_GEOCODER``), falling back to the embedded one."""
    embedded = EmbeddedGeocoder()
    client = client_for(settings)
    if client is None:
        return embedded
    return RemoteGeocoder(
        client,
        embedded,
        rate_per_s=settings.geocoder_rate,
        cache_ttl_s=settings.geocoder_cache_ttl_s,
        cache_max_entries=settings.geocoder_cache_max_entries,
        cooldown_s=settings.geocoder_breaker_cooldown_s,
        max_wait_s=settings.geocoder_timeout_s,  # a turn is worth waiting for as long as an answer
    )
