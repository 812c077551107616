"""The resources one running app owns: engine, sessions, Redis, hashers, limits."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from freight.cache import Cache, MemoryCache, RedisCache
from freight.db import create_engine, create_probe_engine, create_session_factory
from freight.events import EventBus, discard_pending
from freight.migrations.runner import ensure_schema
from freight.places.configure import build_geocoder
from freight.places.embedded import EmbeddedGeocoder
from freight.places.geocoder import Geocoder
from freight.realtime.live import LiveHub
from freight.redis_guard import RedisGuard, redis_client
from freight.routing.configure import build_router
from freight.routing.router import Router
from freight.security.passwords import PasswordHasher
from freight.security.ratelimit import RateLimits
from freight.security.tokens import TokenService
from freight.security.web_sessions import WebSessions
from freight.settings import Settings
from freight.slots import Slots
from freight.storage import FileStore

if TYPE_CHECKING:
    from freight.dispatch.tendering import Confirmation


@dataclass
class AppContext:
    """Built when the app starts and closed when it stops; nothing here exists at import."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    probe_engine: AsyncEngine
    exports: Slots
    passwords: PasswordHasher
    tokens: TokenService
    limits: RateLimits
    cache: Cache
    bus: EventBus
    live: LiveHub
    web: WebSessions
    router: Router
    redis: Redis | None = None
    geocoder: Geocoder = field(default_factory=EmbeddedGeocoder)
    redis_guard: RedisGuard = field(default_factory=lambda: RedisGuard(5.0))
    started_at: float = field(default_factory=time.monotonic)
    # Wakes the outbox workers (set by the app's background work when it starts).
    outbox_poke: Callable[[], Awaitable[None]] | None = None
    # What a driver's yes to an offer also accepts: its rate confirmation (set by the app
    # when it starts, from freight.documents; dispatch does not import documents).
    confirmation: Confirmation | None = None

    @classmethod
    async def start(cls, settings: Settings) -> AppContext:
        """Connect, make sure the schema is current, and build the shared services."""
        engine = create_engine(settings)
        try:
            await ensure_schema(engine, settings.should_auto_migrate)
        except BaseException:
            await engine.dispose()
            raise
        redis = redis_client(settings, settings.redis_url) if settings.redis_url else None
        # One breaker for every use of this client: a dead Redis is noticed once.
        guard = RedisGuard(settings.redis_breaker_cooldown_s)
        cache: Cache = (
            RedisCache(redis, guard)
            if redis is not None
            else MemoryCache(settings.cache_max_entries)
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_session_factory(engine),
            read_sessions=create_session_factory(engine, read_only=True),
            probe_engine=create_probe_engine(settings),
            exports=Slots(settings.export_concurrency, "exports"),
            passwords=PasswordHasher(settings),
            tokens=TokenService(settings),
            limits=RateLimits(settings, redis, guard),
            cache=cache,
            bus=EventBus(),
            live=LiveHub(),
            web=WebSessions(settings),
            router=build_router(settings, cache),
            redis=redis,
            geocoder=build_geocoder(settings),
            redis_guard=guard,
        )

    @property
    def files(self) -> FileStore:
        """The store of uploaded files (proofs of delivery)."""
        return FileStore(self.settings.file_store_dir)

    async def commit(self, session: AsyncSession) -> None:
        """The one way a route, page or job ends a unit of work: commit, then publish the
        events and notices recorded in it (cache invalidation, sockets); if the commit
        fails they are discarded, never published."""
        try:
            await session.commit()
        except BaseException:
            discard_pending(session)
            raise
        await self.bus.publish_pending(session)

    async def wake_worker(self) -> None:
        """Jobs were queued without new events (a replay): let the workers look now."""
        if self.outbox_poke is not None:
            await self.outbox_poke()

    async def close(self) -> None:
        """Release connections and threads."""
        self.passwords.close()
        await self.router.aclose()
        await self.geocoder.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
        await self.probe_engine.dispose()
