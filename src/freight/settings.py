"""The one settings class: every knob is a ``FREIGHT_*`` environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/freight.db"
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    """Runtime configuration, read from the environment and an optional ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="FREIGHT_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    env: Literal["development", "production", "test"] = "development"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)

    # Storage
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=5, ge=0, le=200)
    # How long a request waits for a pooled connection before it is answered 503: short,
    # since a person (or a retrying client) is waiting, and a long queue only grows.
    db_pool_timeout_s: float = Field(default=3.0, gt=0)
    db_echo: bool = False
    # Test each pooled connection before use (a round trip per checkout); off by default.
    db_pool_pre_ping: bool = False
    db_pool_recycle_s: int = Field(default=1800, ge=60)
    auto_migrate: bool | None = None
    redis_url: str | None = None
    # Redis is optional at run time: short timeouts, then a circuit breaker (redis_guard.py).
    redis_timeout_s: float = Field(default=0.5, gt=0, le=10)
    redis_pool_size: int = Field(default=100, ge=1, le=10_000)
    redis_pool_timeout_s: float = Field(default=1.0, gt=0, le=60)
    redis_health_check_interval_s: int = Field(default=15, ge=0, le=3600)
    redis_breaker_cooldown_s: float = Field(default=5.0, gt=0, le=300)
    # The readiness probe's own connection must answer within this time.
    ready_timeout_s: float = Field(default=2.0, gt=0, le=60)

    # Tokens
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    jwt_issuer: str = "freight"

    # Passwords (Argon2id)
    password_min_length: int = Field(default=10, ge=8)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8192)
    argon2_parallelism: int = Field(default=2, ge=1)
    password_hash_concurrency: int = Field(default=4, ge=1)

    # Rate limits (``limits`` notation)
    rate_limit_login: str = "5/15 minutes"
    rate_limit_api: str = "1200/minute"
    # Place searches per caller (autocomplete asks once per pause in typing).
    rate_limit_places: str = "120/minute"
    # Where the embedded geocoder's city index is kept once built (56 MB, mapped by every
    # process; built again, in a few seconds, when missing or after an upgrade).
    places_cache_dir: Path | None = Path("data/places")
    rate_limit_enabled: bool = True

    # Field encryption: JSON object of key id -> base64 32-byte key, and the active id.
    encryption_keys: dict[str, SecretStr] = Field(default_factory=dict)
    encryption_key_id: str | None = None

    # Shipments, cache and public tracking
    road_factor: float = Field(default=1.2, ge=1.0, le=3.0)
    cache_ttl_s: int = Field(default=300, ge=1)
    cache_max_entries: int = Field(default=10_000, ge=10)
    rate_limit_tracking: str = "60/minute"
    # Exports streaming at once per process, and how long one send may wait on a client.
    export_concurrency: int = Field(default=4, ge=1, le=1000)
    export_send_timeout_s: float = Field(default=30.0, gt=0)
    # The largest CSV file POST /api/imports/{kind} (and the import page) takes.
    import_max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    # Road distance and time (freight.routing): the estimate (great-circle km x road_factor
    # at average_speed_kmh) unless a routing server is named; it falls back to the estimate.
    router: Literal["estimate", "osrm", "valhalla", "graphhopper"] = "estimate"
    router_url: str | None = None
    router_key: SecretStr | None = None  # GraphHopper's hosted API key
    router_profile: Literal["truck", "car"] = "truck"
    router_timeout_s: float = Field(default=3.0, gt=0, le=60)
    router_breaker_cooldown_s: float = Field(default=30.0, ge=0, le=3600)
    router_cache_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)

    # Places (freight.places): the embedded geocoder unless a geocoding server is named;
    # a server that fails, is slow or is over its budget is answered by the embedded one.
    geocoder: Literal["embedded", "nominatim", "photon", "pelias"] = "embedded"
    geocoder_url: str | None = None
    # A hosted server's API key: Pelias's ``api_key`` (geocode.earth), or ``key`` for a
    # Nominatim-compatible service (LocationIQ); Photon takes none.
    geocoder_key: SecretStr | None = None
    geocoder_timeout_s: float = Field(default=2.0, gt=0, le=30)
    # Requests per second per process (unset: 1 for Nominatim, its public usage policy,
    # else 10); a search over the budget is answered by the embedded geocoder at once.
    geocoder_rate_per_s: float | None = Field(default=None, gt=0, le=1000)
    geocoder_cache_ttl_s: int = Field(default=24 * 3600, ge=1)
    geocoder_cache_max_entries: int = Field(default=10_000, ge=10)
    geocoder_breaker_cooldown_s: float = Field(default=30.0, ge=0, le=3600)

    # Dispatch and proof of delivery
    average_speed_kmh: float = Field(default=65.0, gt=0, le=130)
    # Auto-dispatch plans the loads whose pickup window opens within this many hours.
    dispatch_horizon_hours: float = Field(default=36.0, gt=0, le=24 * 14)
    # Load offers: how long a driver has to answer, how many drivers a waterfall asks in
    # turn, and how often each server looks for offers whose time ran out.
    offer_expiry_s: int = Field(default=15 * 60, ge=30, le=7 * 24 * 3600)
    offer_waterfall_size: int = Field(default=5, ge=1, le=50)
    offer_sweep_s: float = Field(default=5.0, gt=0, le=300)
    file_store_dir: Path = Path("data/files")
    pod_max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    pod_max_photos: int = Field(default=10, ge=0, le=50)
    # A whole proof-of-delivery request (signature, photos, fields); nginx allows 60m.
    pod_max_body_bytes: int = Field(default=60 * 1024 * 1024, ge=64 * 1024)
    # Images are decoded to check them: refuse more pixels than this (decompression bombs).
    pod_max_image_pixels: int = Field(default=40_000_000, ge=10_000, le=200_000_000)
    # A document added to a load (a lumper receipt, a scale ticket): PDF, PNG or JPEG.
    document_max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    # GPS ingest, ETA and geofences (the stationary ETA speed is average_speed_kmh)
    gps_max_accuracy_m: float = Field(default=100.0, gt=0, le=10_000)
    gps_max_speed_kmh: float = Field(default=250.0, gt=0, le=2000)
    gps_future_tolerance_s: int = Field(default=120, ge=0, le=3600)
    gps_retention_days: int = Field(default=90, ge=1, le=3650)
    geofence_radius_m: float = Field(default=500.0, ge=10, le=50_000)
    eta_speed_floor_kmh: float = Field(default=15.0, gt=0, le=130)

    # Messaging
    message_max_chars: int = Field(default=2000, ge=1, le=100_000)

    # Billing: card payments through Stripe (unset: card payments are refused), and the
    # company block printed on invoices.
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # a stand-in server in tests; Stripe's own when unset
    stripe_timeout_s: float = Field(default=20.0, gt=0, le=120)
    company_name: str = "Freight Carrier Inc."
    company_address: str = ""
    company_email: str = ""
    company_phone: str = ""
    company_tax_id: str = ""
    idempotency_wait_s: float = Field(default=10.0, ge=0, le=60)
    idempotency_lock_s: float = Field(default=60.0, ge=1, le=3600)

    # Freeze start-up objects and collect young objects less often (see app.tune_gc).
    gc_tuning: bool = True

    # Real-time (socket.io)
    ws_max_connections: int = Field(default=10_000, ge=1)
    ws_max_connections_per_user: int = Field(default=20, ge=1)
    ws_max_payload_bytes: int = Field(default=64 * 1024, ge=1024)
    ws_idle_timeout_s: float = Field(default=60.0, gt=0)
    ws_ping_interval_s: float = Field(default=25.0, gt=0)
    ws_ping_timeout_s: float = Field(default=20.0, gt=0)
    ws_location_interval_ms: int = Field(default=250, ge=10)
    ws_replay_limit: int = Field(default=1000, ge=1)
    # How often each process re-checks its sockets' credentials (expiry) and compares
    # each subscriber with the shipment's committed event counter (events never published).
    ws_check_interval_s: float = Field(default=2.0, gt=0)

    # HTTP
    # Keep idle client connections open this long; above a proxy's own idle timeout
    # (nginx upstream keepalive 60 s), so the proxy never reuses one the server just closed.
    http_keepalive_s: int = Field(default=75, ge=1, le=3600)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Every other request body (JSON, forms) may be at most this large (413 above it).
    http_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # A request whose body stops arriving for this long is answered 408 and dropped.
    http_body_idle_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # A connection that has not sent its complete request headers by then is closed.
    http_header_timeout_s: float = Field(default=10.0, gt=0, le=600)
    # Connections and tasks per process before the server answers 503 (uvicorn's
    # --limit-concurrency); unset: the socket.io connection cap plus 1024 for HTTP.
    http_limit_concurrency: int | None = Field(default=None, ge=16)
    # Peers whose X-Forwarded-For / -Proto are believed (the proxy's address; comma list,
    # CIDR allowed). Anyone else's headers are ignored, so a client cannot pick its address.
    forwarded_allow_ips: str = "127.0.0.1"
    # On SIGTERM: answer 503 on /api/ready for this long while serving as usual (so the
    # load balancer stops sending), then stop, giving open requests shutdown_grace_s.
    shutdown_drain_s: float = Field(default=5.0, ge=0, le=300)
    shutdown_grace_s: float = Field(default=20.0, gt=0, le=600)
    public_base_url: str = "http://127.0.0.1:8000"

    # Web app (server-rendered pages under /app, public tracking under /track)
    web_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # A web session with no request for this long is over (server-side, whatever the cookie).
    web_session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60 * 30)
    # Secure cookies are sent over HTTPS only (browsers also accept them on localhost).
    web_secure_cookies: bool = True
    # Where `npm ci` put the browser libraries (socket.io-client, Leaflet).
    web_vendor_dir: Path = Path(__file__).resolve().parents[2] / "node_modules"
    # Map tiles; empty shows the route and positions without a background map.
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "&copy; OpenStreetMap contributors"

    # Outbox: the worker that turns committed events into jobs (webhook deliveries, later
    # mail) and runs them at least once. `freight serve` runs one in each process unless
    # this is off (then run `freight worker`, as many as you like).
    worker_in_process: bool = True
    outbox_poll_s: float = Field(default=1.0, gt=0, le=60)
    outbox_batch: int = Field(default=200, ge=1, le=10_000)
    outbox_concurrency: int = Field(default=16, ge=1, le=1000)
    # A claimed job is the worker's this long; a worker that died leaves it to another then.
    outbox_lease_s: float = Field(default=60.0, gt=0, le=3600)
    outbox_backoff_base_s: float = Field(default=30.0, gt=0, le=3600)
    outbox_backoff_max_s: float = Field(default=6 * 3600.0, gt=0, le=7 * 24 * 3600)
    # Failed jobs are retried for at least this long, then dead-lettered.
    outbox_retry_hours: float = Field(default=72.0, gt=0, le=24 * 30)
    # An event id missing below newer ones (a transaction still open, or rolled back) is
    # watched for this long before it counts as a hole that will never fill.
    outbox_gap_wait_s: float = Field(default=300.0, ge=0, le=24 * 3600)
    # Finished jobs (and their delivery log) are kept this long.
    outbox_retention_days: int = Field(default=30, ge=1, le=3650)
    # /api/ready says "degraded" when a due job has waited longer than this.
    outbox_stuck_s: float = Field(default=300.0, gt=0)

    # Webhooks. Targets in private, loopback, link-local or metadata ranges are refused
    # unless listed here (comma list of host names, addresses or CIDR blocks).
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # An endpoint whose deliveries have all failed for this long is disabled.
    webhook_disable_after_days: float = Field(default=5.0, gt=0, le=365)

    # Email (freight.mail). Without an SMTP host, mails are kept in the database and shown
    # on the admin "Outbox" page instead of being sent (the embedded default).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    # none: plain SMTP; starttls: upgrade on the submission port; tls: implicit TLS (465).
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_timeout_s: float = Field(default=30.0, gt=0, le=300)
    mail_from: str = "Freight <no-reply@localhost>"
    # A password-reset link works once, within this many minutes.
    password_reset_minutes: int = Field(default=30, ge=5, le=24 * 60)

    # Logging
    log_level: str = "INFO"
    log_file: Path | None = Path("logs/freight.log")
    log_file_max_bytes: int = 10 * 1024 * 1024
    log_file_backups: int = 5

    # Metrics (GET /metrics): public unless a token is set; scrape-time values cached this long
    metrics_token: SecretStr | None = None
    metrics_cache_s: float = Field(default=15.0, ge=0, le=3600)

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: object) -> object:
        if isinstance(data, dict) and str(data.get("log_file", "")).lower() in ("off", "none", "-"):
            data["log_file"] = None  # FREIGHT_LOG_FILE=off: stdout only
        if isinstance(data, dict):
            for name in ("cors_origins", "webhook_allowed_hosts"):
                raw = data.get(name)
                if isinstance(raw, str):
                    data[name] = [o.strip() for o in raw.split(",") if o.strip()]
        return data

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production":
            key = self.secret_key.get_secret_value()
            if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
                raise ValueError(
                    "FREIGHT_SECRET_KEY must be set to a random value of at least "
                    f"{MIN_SECRET_KEY_LENGTH} characters in production"
                )
            if not self.encryption_keys:
                raise ValueError("FREIGHT_ENCRYPTION_KEYS must be set in production")
        if self.webhook_timeout_s >= self.outbox_lease_s:
            raise ValueError(
                "FREIGHT_OUTBOX_LEASE_S must be longer than FREIGHT_WEBHOOK_TIMEOUT_S: a "
                "delivery still running when its lease ends would be sent twice at once"
            )
        if self.router != "estimate" and not self.router_url:
            raise ValueError(f"FREIGHT_ROUTER={self.router} needs FREIGHT_ROUTER_URL")
        if self.router_url and not self.router_url.startswith(("http://", "https://")):
            raise ValueError("FREIGHT_ROUTER_URL must be an http:// or https:// address")
        if self.geocoder != "embedded" and not self.geocoder_url:
            raise ValueError(f"FREIGHT_GEOCODER={self.geocoder} needs FREIGHT_GEOCODER_URL")
        if self.geocoder_key is not None and self.geocoder in ("embedded", "photon"):
            raise ValueError(
                f"FREIGHT_GEOCODER_KEY is not used by FREIGHT_GEOCODER={self.geocoder}"
            )
        if self.geocoder_url and not self.geocoder_url.startswith(("http://", "https://")):
            raise ValueError("FREIGHT_GEOCODER_URL must be an http:// or https:// address")
        if self.encryption_keys and self.encryption_key_id not in self.encryption_keys:
            raise ValueError("FREIGHT_ENCRYPTION_KEY_ID must name one of FREIGHT_ENCRYPTION_KEYS")
        return self

    @property
    def geocoder_rate(self) -> float:
        """Requests per second to the geocoding server: the setting, else the provider's."""
        if self.geocoder_rate_per_s is not None:
            return self.geocoder_rate_per_s
        return 1.0 if self.geocoder == "nominatim" else 10.0

    @property
    def is_sqlite(self) -> bool:
        """True when running on the embedded SQLite database."""
        return self.database_url.startswith("sqlite")

    @property
    def is_embedded(self) -> bool:
        """True when fan-out, cache and limits live in this process only."""
        return self.is_sqlite or self.redis_url is None

    @property
    def limit_concurrency(self) -> int:
        """uvicorn's --limit-concurrency: the setting, or room for every socket plus HTTP."""
        return self.http_limit_concurrency or self.ws_max_connections + 1024

    @property
    def should_auto_migrate(self) -> bool:
        """Migrate on start: on by default for the embedded SQLite database only."""
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
