"""The app factory: ``create_app(settings)`` returns the ASGI app; nothing is built at import."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import socketio
from fastapi import Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from freight import __version__, health, scrape
from freight.background import Background
from freight.billing import api as billing_api
from freight.billing import payments_api as billing_payments_api
from freight.body_limit import BodyLimitMiddleware, Rule
from freight.cache import Invalidator
from freight.context import AppContext
from freight.dispatch import api as dispatch_api
from freight.dispatch import exceptions_api, offers_api
from freight.dispatch.offer_clock import OfferClock
from freight.documents import api as documents_api
from freight.documents import confirmations as rate_confirmations
from freight.errors import install_error_handlers
from freight.fleet import api as fleet_api
from freight.identity import api as identity_api
from freight.identity import principals
from freight.ifta import api as ifta_api
from freight.imports import api as imports_api
from freight.mail import api as mail_api
from freight.messaging import api as messaging_api
from freight.observability.instrumentation import (
    MetricsMiddleware,
    mark_dead_workers,
    worker_stopped,
)
from freight.observability.logging import configure_logging
from freight.observability.middleware import RequestContextMiddleware
from freight.openapi import install_openapi
from freight.places import api as places_api
from freight.places.embedded import configure as configure_places
from freight.realtime.gateway import Gateway
from freight.reports import api as reports_api
from freight.routing import api as routing_api
from freight.schema import no_card_numbers_in_query
from freight.security.encryption import configure_keyring, keyring_from_settings
from freight.serving import install_drain
from freight.settings import Settings, get_settings
from freight.shipments import api as shipments_api
from freight.shipments import reads as shipment_reads
from freight.tracking import api as tracking_api
from freight.web import install as install_web
from freight.webhooks import api as webhooks_api


def tune_gc() -> None:
    """Keep the garbage collector out of the hot path once the app is up.

    Everything alive after start-up (modules, the app, pools) is moved out of the
    collector's sight, and young-generation collections run ten times less often: with
    a thousand sockets a full collection paused fan-out for 100+ ms (bench/fanout.py).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 50)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Freight API for these settings (the environment's by default)."""
    settings = settings or get_settings()
    configure_logging(settings)
    configure_keyring(keyring_from_settings(settings))
    configure_places(settings.places_cache_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mark_dead_workers()
        app.state.ctx = ctx = await AppContext.start(settings)
        # Committed events drop what they made stale: shipment views, users' principals.
        invalidator = Invalidator(ctx.cache, shipment_reads.stale_keys, principals.stale_keys)
        ctx.bus.subscribe(invalidator)
        rate_confirmations.install(ctx)
        background = Background(
            settings,
            ctx.sessions,
            ctx.read_sessions,
            run_worker=settings.worker_in_process,
            redis=ctx.redis,
            guard=ctx.redis_guard,
        )
        ctx.bus.subscribe(background.on_commit)
        ctx.outbox_poke = background.poke
        await background.start()
        clock = OfferClock(ctx)
        clock.start()
        await gateway.start(ctx)
        install_drain(settings)
        if settings.gc_tuning:
            tune_gc()
        try:
            yield
        finally:
            await gateway.stop()
            await clock.stop()
            await background.stop(settings.shutdown_grace_s / 2)
            await invalidator.close()
            await ctx.close()
            worker_stopped()

    gateway = Gateway(settings)
    app = FastAPI(
        title="Freight",
        version=__version__,
        summary="Operations platform for trucking and freight companies",
        lifespan=lifespan,
        dependencies=[Depends(no_card_numbers_in_query)],
        docs_url=None,  # install_openapi serves /docs from the vendored Swagger UI
        redoc_url=None,
    )
    install_error_handlers(app)
    _include_routers(app)
    install_web(app, settings)
    install_openapi(app)
    _add_middleware(app, settings)
    app.state.gateway = gateway
    return app


def _include_routers(app: FastAPI) -> None:
    """The JSON API, health and metrics, in the order the OpenAPI document lists them."""
    for router in (
        health.router,
        scrape.router,
        identity_api.auth,
        mail_api.resets,
        mail_api.me,
        identity_api.users,
        identity_api.api_keys,
        identity_api.customers,
        identity_api.organizations,
        shipments_api.router,
        shipments_api.tracking_router,
        fleet_api.drivers,
        fleet_api.vehicles,
        dispatch_api.router,
        offers_api.router,
        exceptions_api.router,
        documents_api.router,
        imports_api.imports,
        imports_api.exports,
        billing_api.router,
        billing_payments_api.router,
        # Before the reports router: its /api/reports/{name} would match /api/reports/ifta.
        ifta_api.reports,
        ifta_api.fuel,
        reports_api.router,
        tracking_api.router,
        tracking_api.shipment_router,
        routing_api.router,
        messaging_api.router,
        messaging_api.unread_router,
        webhooks_api.router,
        mail_api.log,
        places_api.router,
    ):
        app.include_router(router)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Body limits, CORS, metrics and request context (the last added runs first)."""
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.http_max_body_bytes,
        rules=body_limit_rules(settings),
        idle_timeout_s=settings.http_body_idle_timeout_s,
    )

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "X-API-Key",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Retry-After", "X-Request-ID"],
        )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestContextMiddleware)


def body_limit_rules(settings: Settings) -> list[Rule]:
    """The routes that take more than a JSON body: proof-of-delivery, CSV and document
    uploads."""
    pod = settings.pod_max_body_bytes
    # The file, and room for the form around it: a file just over its limit is a 422
    # naming ``file``, not a cut connection.
    csv_file = settings.import_max_file_bytes + 64 * 1024
    document = settings.document_max_upload_bytes + 64 * 1024
    return [
        Rule("POST", re.compile(r"^/api/shipments/[^/]+/pod$"), pod),
        Rule("POST", re.compile(r"^/app/driver/loads/[^/]+/pod$"), pod),
        Rule("POST", re.compile(r"^/api/imports/[^/]+$"), csv_file),
        Rule("POST", re.compile(r"^/app/imports$"), csv_file),
        Rule("POST", re.compile(r"^/api/fuel-purchases/import$"), csv_file),
        Rule("POST", re.compile(r"^/api/shipments/[^/]+/documents$"), document),
        Rule("POST", re.compile(r"^/app/shipments/[^/]+/documents$"), document),
    ]


def with_socketio(app: FastAPI) -> ASGIApp:
    """Serve socket.io at ``/socket.io/`` in front of the API."""
    served: ASGIApp = socketio.ASGIApp(app.state.gateway.sio, other_asgi_app=app)
    return served


def create_asgi(settings: Settings | None = None) -> ASGIApp:
    """The served app (the uvicorn factory): the API with its socket.io gateway."""
    return with_socketio(create_app(settings))
