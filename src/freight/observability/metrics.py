"""Every Prometheus metric Freight exports, as module-level objects (conventions section 7).

Names are ``freight_<area>_<what>_<unit>``; labels are low-cardinality (a route template,
a status class, an event name), never an id. With several worker processes the values
live in ``PROMETHEUS_MULTIPROC_DIR`` (set by ``freight serve --workers N`` before the
workers start, so it must be in the environment before this module is imported) and a
scrape merges every worker's files. Gauges say how they merge (``multiprocess_mode``).
Values read from the database at scrape time (business gauges, dependency state) are not
metrics here: ``scrape.py`` yields them from the scraping process only, so they are never
summed across workers.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

UNMATCHED_ROUTE = "unmatched"  # the route label of every request no route matched

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
POOL_WAIT_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)


def multiprocess_dir() -> str | None:
    """The shared metrics directory when several processes serve, else None."""
    return os.environ.get(MULTIPROC_ENV) or None


# --- HTTP -------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "freight_http_requests_total",
    "HTTP requests answered, by method, route template and status class",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "freight_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_PROGRESS = Gauge(
    "freight_http_requests_in_progress",
    "HTTP requests being answered now",
    ["method"],
    multiprocess_mode="livesum",
)

# --- WebSocket (socket.io) -------------------------------------------------------------
WS_CONNECTIONS = Gauge(
    "freight_ws_connections",
    "Authenticated socket.io connections open now",
    multiprocess_mode="livesum",
)
WS_CONNECTS = Counter("freight_ws_connects_total", "socket.io connections accepted")
WS_DISCONNECTS = Counter("freight_ws_disconnects_total", "socket.io connections closed")
WS_MESSAGES = Counter(
    "freight_ws_messages_total",
    "socket.io messages by event and direction (in: from clients; out: emits)",
    ["event", "direction"],
)
WS_DELIVERY_LAG = Histogram(
    "freight_ws_delivery_lag_seconds",
    "From an event's commit to its release to local subscribers",
    buckets=LAG_BUCKETS,
)

# --- cache ------------------------------------------------------------------------------
CACHE_HITS = Counter("freight_cache_hits_total", "Cache lookups that found a value", ["backend"])
CACHE_MISSES = Counter("freight_cache_misses_total", "Cache lookups that found none", ["backend"])
CACHE_EVICTIONS = Counter(
    "freight_cache_evictions_total", "Entries the in-process cache dropped when full", ["backend"]
)

# --- rate limits --------------------------------------------------------------------------
RATE_LIMITED = Counter(
    "freight_ratelimit_rejected_requests_total", "Calls refused by a rate limit", ["scope"]
)

# --- database pool ----------------------------------------------------------------------
DB_POOL_IN_USE = Gauge(
    "freight_db_pool_connections_in_use",
    "Database connections checked out of the pool",
    multiprocess_mode="livesum",
)
DB_POOL_WAIT = Histogram(
    "freight_db_pool_wait_seconds",
    "Time to get a connection from the pool",
    buckets=POOL_WAIT_BUCKETS,
)

# --- road routing -------------------------------------------------------------------------
ROUTER_DURATION = Histogram(
    "freight_router_request_duration_seconds",
    "Time a routing provider took to answer (or fail), by provider and operation",
    ["provider", "operation"],
    buckets=LATENCY_BUCKETS,
)
ROUTER_FALLBACKS = Counter(
    "freight_router_fallbacks_total",
    "Legs and matrix blocks the estimate answered because the routing provider did not",
    ["provider", "reason"],
)

# --- geocoding ----------------------------------------------------------------------------
GEOCODER_DURATION = Histogram(
    "freight_geocoder_request_duration_seconds",
    "Time a geocoding server took to answer (or fail), by provider",
    ["provider"],
    buckets=LATENCY_BUCKETS,
)
GEOCODER_FALLBACKS = Counter(
    "freight_geocoder_fallbacks_total",
    "Searches the embedded geocoder answered because the configured server did not",
    ["provider", "reason"],
)
GEOCODER_CACHE = Counter(
    "freight_geocoder_cache_total",
    "Searches for a configured geocoding server, answered from this process's cache or not",
    ["provider", "outcome"],
)

# --- business events --------------------------------------------------------------------
DISPATCH_PLANS = Counter("freight_dispatch_plans_total", "Auto-dispatch plans proposed")
DISPATCH_KM_SAVED = Counter(
    "freight_dispatch_deadhead_saved_km_total",
    "Deadhead kilometres the optimiser saved over the greedy assignment",
)
GPS_ACCEPTED = Counter("freight_gps_fixes_accepted_total", "GPS fixes accepted")
GPS_DROPPED = Counter("freight_gps_fixes_dropped_total", "GPS fixes dropped", ["reason"])
PAYMENTS = Counter(
    "freight_payments_total", "Payments taken, by method and outcome", ["method", "outcome"]
)


# --- outbox (background jobs: webhook deliveries, later mail) ----------------------------
# The queue's depth and the age of its oldest due job are read from the database at scrape
# time (scrape.py: freight_outbox_jobs, freight_outbox_oldest_due_age_seconds, ...), so
# every process reports the same value; these count what this process's worker did.
OUTBOX_ATTEMPTS = Counter(
    "freight_outbox_attempts_total",
    "Job attempts made, by kind and outcome (delivered, failed, abandoned)",
    ["kind", "outcome"],
)
OUTBOX_FAILURES = Counter(
    "freight_outbox_failures_total", "Job attempts that failed, by kind", ["kind"]
)
OUTBOX_DEAD = Counter(
    "freight_outbox_dead_total", "Jobs dead-lettered (retries exhausted or target gone)", ["kind"]
)
OUTBOX_JOBS_CREATED = Counter(
    "freight_outbox_jobs_created_total", "Jobs expanded from committed events", ["kind"]
)
OUTBOX_ATTEMPT_DURATION = Histogram(
    "freight_outbox_attempt_duration_seconds",
    "Time one job attempt took (a webhook's HTTP exchange), by kind",
    ["kind"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_DELAY = Histogram(
    "freight_outbox_delivery_delay_seconds",
    "From an event's time to its job's successful attempt, by kind",
    ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 600.0, 3600.0),
)
OUTBOX_KINDS = ("webhook", "email")
OUTBOX_OUTCOMES = ("delivered", "failed", "abandoned")


def status_class(status: int) -> str:
    """``404`` -> ``4xx``."""
    return f"{status // 100}xx"


# Known label values start at zero, so rates and dashboards have series before the first event.
RATE_LIMIT_SCOPES = ("login", "api", "tracking", "places")
PAYMENT_METHODS = ("card", "check", "ach", "wire")
PAYMENT_OUTCOMES = ("succeeded", "pending", "failed", "provider_unavailable")
WS_EVENTS_IN = ("subscribe", "unsubscribe", "subscribe_dispatch")
WS_EVENTS_OUT = (
    "shipment:updated",
    "shipment:location",
    "message:new",
    "message:read",
    "dispatch:board",
    "error",
)
ROUTER_PROVIDERS = ("osrm", "valhalla", "graphhopper")
ROUTER_FALLBACK_REASONS = (
    "timeout",
    "connect",
    "server_error",
    "rate_limited",
    "refused",
    "no_route",
    "bad_response",
    "circuit_open",
)
GEOCODER_PROVIDERS = ("nominatim", "photon", "pelias")
GEOCODER_FALLBACK_REASONS = (
    "timeout",
    "connect",
    "server_error",
    "rate_limited",
    "refused",
    "bad_response",
    "throttled",
    "circuit_open",
    "no_results",
)
CACHE_BACKENDS = ("memory", "redis")
for _backend in CACHE_BACKENDS:
    for _counter in (CACHE_HITS, CACHE_MISSES, CACHE_EVICTIONS):
        _counter.labels(_backend)
for _scope in RATE_LIMIT_SCOPES:
    RATE_LIMITED.labels(_scope)
for _method in PAYMENT_METHODS:
    for _outcome in PAYMENT_OUTCOMES:
        PAYMENTS.labels(_method, _outcome)
for _provider in ROUTER_PROVIDERS:
    for _reason in ROUTER_FALLBACK_REASONS:
        ROUTER_FALLBACKS.labels(_provider, _reason)
for _provider in GEOCODER_PROVIDERS:
    for _reason in GEOCODER_FALLBACK_REASONS:
        GEOCODER_FALLBACKS.labels(_provider, _reason)
    for _outcome in ("hit", "miss"):
        GEOCODER_CACHE.labels(_provider, _outcome)
for _event in WS_EVENTS_IN:
    WS_MESSAGES.labels(_event, "in")
for _event in WS_EVENTS_OUT:
    WS_MESSAGES.labels(_event, "out")
for _kind in OUTBOX_KINDS:
    for _counter in (OUTBOX_FAILURES, OUTBOX_DEAD, OUTBOX_JOBS_CREATED):
        _counter.labels(_kind)
    for _outcome in OUTBOX_OUTCOMES:
        OUTBOX_ATTEMPTS.labels(_kind, _outcome)
