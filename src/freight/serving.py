"""How ``freight serve`` runs uvicorn: limits on slow clients, trusted proxies, the drain.

Without nginx in front, uvicorn itself faces the clients, so it gets: a cap on
concurrent connections and tasks (503 above it), a deadline for a connection's request
headers (a slow-loris client is closed), the keep-alive lifetime, and the addresses
whose ``X-Forwarded-*`` headers it believes. On SIGTERM a process first drains: it
answers 503 on ``/api/ready`` (so a load balancer stops sending) while serving as usual,
then stops with a bounded grace period for open requests.
"""

from __future__ import annotations

import asyncio
import signal
from types import FrameType
from typing import Any

import structlog
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from freight.settings import Settings, get_settings

log = structlog.get_logger("freight.serve")


class _Lifecycle:
    """This process's shutdown state (one per process: each worker drains on its own)."""

    draining = False


def draining() -> bool:
    """True once this process got SIGTERM and is waiting for traffic to move away."""
    return _Lifecycle.draining


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing a connection whose request headers are late."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout_s = get_settings().http_header_timeout_s
        self._header_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self._header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock: the first request's headers are due within the timeout."""
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        """A new request began (keep-alive or pipelined): its headers are due in time."""
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        """The headers arrived: from here the body limits and app timeouts apply."""
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline of a closed connection."""
        self._disarm()
        super().connection_lost(exc)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments ``freight serve`` passes to ``uvicorn.run``."""
    return {
        "http": HeaderTimeoutProtocol,
        "access_log": False,
        "log_config": None,
        "ws_per_message_deflate": False,
        "timeout_keep_alive": settings.http_keepalive_s,
        "limit_concurrency": settings.limit_concurrency,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
        # The supervisor kills a worker that does not answer its ping in time; 5 s (the
        # default) is shorter than a worker's imports on a loaded host: a restart loop.
        "timeout_worker_healthcheck": 60,
        # Freight's setting, not uvicorn's FORWARDED_ALLOW_IPS environment variable: a
        # stray "*" there would let any client choose the address rate limits count.
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }


def install_drain(settings: Settings) -> None:
    """Make SIGTERM drain first, when uvicorn serves this process (called at start-up).

    uvicorn installs its exit handler before the app starts; it is wrapped so the first
    SIGTERM only marks the process draining and calls uvicorn's handler after
    ``shutdown_drain_s``. A second SIGTERM, or SIGINT, stops at once as before.
    """
    handler = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    if not isinstance(server, uvicorn.Server):
        return  # not under uvicorn's signal handling (tests, another server)
    loop = asyncio.get_running_loop()
    _Lifecycle.draining = False

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        if _Lifecycle.draining or settings.shutdown_drain_s == 0:
            server.handle_exit(sig, frame)
            return
        _Lifecycle.draining = True
        log.warning("shutdown.draining", drain_s=settings.shutdown_drain_s)
        loop.call_soon_threadsafe(loop.call_later, settings.shutdown_drain_s, _stop, sig)

    def _stop(sig: int) -> None:
        log.warning("shutdown.stopping", grace_s=settings.shutdown_grace_s)
        server.handle_exit(sig, None)

    signal.signal(signal.SIGTERM, on_sigterm)
