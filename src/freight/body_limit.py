"""Request-body limits per route, enforced before and while the body streams in.

Pure ASGI: a ``Content-Length`` over the route's limit is answered 413 before a byte of
the body is read; a chunked (or lying) body is counted as it arrives and cut off at the
limit. A client that stops sending mid-body is dropped after an idle timeout (408), so a
slow upload cannot hold a worker's connection slot forever.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from freight.errors import problem


class PayloadTooLarge(HTTPException):
    """The body is larger than the route accepts (raised from ``receive``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes for this route")
        self.limit = limit


class BodyTimeout(HTTPException):
    """The client stopped sending its body."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"no part of the request body arrived for {seconds:g} s")


@dataclass(frozen=True)
class Rule:
    """A larger (or smaller) limit for the routes whose method and path match."""

    method: str
    path: re.Pattern[str]
    limit: int


class BodyLimitMiddleware:
    """Caps every HTTP request body: ``default`` bytes unless a ``Rule`` matches."""

    def __init__(
        self, app: ASGIApp, default: int, rules: Sequence[Rule] = (), idle_timeout_s: float = 30.0
    ) -> None:
        self.app = app
        self.default = default
        self.rules = tuple(rules)
        self.idle_timeout_s = idle_timeout_s

    def limit_for(self, method: str, path: str) -> int:
        """The body limit of this route."""
        for rule in self.rules:
            if rule.method == method and rule.path.match(path):
                return rule.limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, PayloadTooLarge(limit))
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            with anyio.move_on_after(self.idle_timeout_s) as scope_:
                message = await receive()
            if scope_.cancelled_caught:
                raise BodyTimeout(self.idle_timeout_s)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except (PayloadTooLarge, BodyTimeout) as exc:
            if started:
                raise
            await _refuse(scope, receive, send, exc)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
    code = "payload_too_large" if exc.status_code == 413 else "request_timeout"
    # The rest of the body is not read: the server closes the connection after this.
    response = problem(exc.status_code, code, str(exc.detail), headers={"Connection": "close"})
    await response(scope, receive, send)
