"""Pure ASGI middleware: request ids, access logs, security headers, last-resort 500s."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from freight.errors import dependency_problem, problem

log = structlog.get_logger("freight.http")
REQUEST_ID_HEADER = b"x-request-id"
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# Request-state key of a callback run when the answer is not a server error (e.g. counting
# the call against the caller's rate limit: a failure of ours must not use up their quota).
UNLESS_SERVER_ERROR = "unless_server_error"


def unless_server_error(scope_state: dict[str, object], fn: Callable[[], Awaitable[None]]) -> None:
    """Run ``fn`` just before the response starts, unless its status is 5xx."""
    scope_state[UNLESS_SERVER_ERROR] = fn


async def _run_unless_server_error(scope: Scope, status: int) -> None:
    fn = scope.get("state", {}).pop(UNLESS_SERVER_ERROR, None)
    if fn is None or status >= 500:
        return
    try:
        await fn()
    except Exception:  # counting after the fact must not turn an answer into an error
        log.warning("request.after_count_failed", exc_info=True)


class RequestContextMiddleware:
    """Tags each request with an id, logs it, adds security headers and hides crashes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                # Before the client can see the answer, so its next call sees the count.
                await _run_unless_server_error(scope, status)
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if https:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            log.exception("request.failed", method=scope["method"], path=scope["path"])
            if response_started:
                raise
            response = dependency_problem(exc) or problem(
                500,
                "internal_error",
                "an unexpected error occurred; quote the request id when reporting it",
                extra={"request_id": request_id},
            )
            await response(scope, receive, send_wrapper)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate: str = value.decode("latin-1")
            return candidate if VALID_REQUEST_ID.match(candidate) else None
    return None
