"""The DomainError tree and the handlers that turn every error into problem+json."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from freight.dependency_errors import DEPENDENCY_ERRORS, unavailable

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("freight.errors")


class DomainError(Exception):
    """Base of every error a service raises on purpose; maps to one HTTP status."""

    status: int = 400
    code: str = "domain_error"
    title: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = headers or {}
        self.extra = extra or {}  # more members of the problem body (e.g. ``warnings``)


class NotFound(DomainError):
    status, code = 404, "not_found"

    def __init__(self, what: str = "resource", ident: object = None) -> None:
        super().__init__(f"{what} not found" if ident is None else f"{what} {ident} not found")


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"

    def __init__(self, detail: str = "authentication required") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PreconditionFailed(DomainError):
    status, code = 412, "precondition_failed"


class PreconditionRequired(DomainError):
    """The write must say which version it read (``If-Match``): it may not overwrite blind."""

    status, code = 428, "precondition_required"


class ValidationFailed(DomainError):
    """A business rule on input failed; ``errors`` names each field as ``loc``/``msg``."""

    status, code = 422, "validation_error"


def invalid(
    *loc: str | int, msg: str, kind: str | None = None, ctx: dict[str, Any] | None = None
) -> ValidationFailed:
    """A 422 naming one field, e.g. ``invalid("body", "customer_id", msg="no such customer")``.

    ``kind`` and ``ctx`` (a limit in cents, say) travel with it as the error's ``type`` and
    ``ctx``, as pydantic's do, so a page can word the refusal in the reader's own terms.
    """
    error: dict[str, Any] = {"loc": list(loc), "msg": msg}
    if kind:
        error.update(type=kind, ctx=ctx or {})
    return ValidationFailed(f"{loc[-1]}: {msg}", errors=[error])


class ServiceUnavailable(DomainError):
    """A dependency is busy or down: try again after ``Retry-After`` seconds."""

    status, code = 503, "service_unavailable"

    def __init__(self, detail: str | None = None, *, retry_after_s: int = 5) -> None:
        super().__init__(
            detail or "a service this request needs is unavailable; retry shortly",
            headers={"Retry-After": str(max(1, retry_after_s))},
        )


class RateLimited(DomainError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        retry_after_s = max(1, retry_after_s)
        self.retry_after_s = retry_after_s
        super().__init__(
            f"too many requests; retry in {retry_after_s} s",
            headers={"Retry-After": str(retry_after_s)},
        )


class ProblemItem(BaseModel):
    """One bad input: where it is (``["body", "email"]``) and what is wrong with it."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An error as every response renders it: RFC 9457 problem+json with Freight's ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="a URI naming the kind of problem")
    title: str
    status: int
    detail: str
    code: str = Field(description="stable machine-readable code, e.g. invalid_transition")
    errors: list[ProblemItem] = Field(
        default_factory=list, description="the inputs at fault (validation errors only)"
    )


def problem(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build an RFC 9457 problem+json response."""
    body: dict[str, Any] = {
        "type": f"https://freight.dev/problems/{code.replace('_', '-')}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
        "code": code,
    }
    if errors:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _loc(loc: Sequence[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def handle_domain_error(_: Request, exc: Exception) -> JSONResponse:
    """A ``DomainError`` as problem+json."""
    assert isinstance(exc, DomainError)
    return problem(
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def handle_validation_error(_: Request, exc: Exception) -> JSONResponse:
    """A request that failed validation as a 422 naming each bad field."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": _loc(err["loc"]), "msg": err["msg"]} for err in exc.errors()]
    return problem(422, "validation_error", "the request is not valid", errors=errors)


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthorized",
    403: "forbidden",
    408: "request_timeout",
    413: "payload_too_large",
}


async def handle_http_error(_: Request, exc: Exception) -> JSONResponse:
    """Starlette's HTTP errors (unknown route, wrong method) as problem+json."""
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such resource"
    return problem(exc.status_code, code, detail, headers=getattr(exc, "headers", None))


async def handle_dependency_error(_: Request, exc: Exception) -> JSONResponse:
    """A database or Redis that is down, locked or out of connections as a 503 to retry.

    Any other error of those libraries is a defect: re-raised for the last-resort 500.
    """
    response = dependency_problem(exc)
    if response is None:
        raise exc
    return response


def dependency_problem(exc: BaseException) -> JSONResponse | None:
    """The 503 problem+json (with ``Retry-After``) for an unavailable dependency, else None."""
    found = unavailable(exc)
    if found is None:
        return None
    log.warning("dependency.unavailable", dependency=found.dependency, error=type(exc).__name__)
    error = ServiceUnavailable(
        f"{found.dependency} {found.state}; retry shortly", retry_after_s=found.retry_after_s
    )
    return problem(error.status, error.code, error.detail, headers=error.headers)


async def _stale_write(_: Request, exc: Exception) -> JSONResponse:
    # The version check in the UPDATE found another writer got there first.
    return problem(
        412, "precondition_failed", "someone else changed this object first; reload and retry"
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every expected error to problem+json; unexpected ones are handled by middleware."""
    app.add_exception_handler(DomainError, handle_domain_error)
    for kind in DEPENDENCY_ERRORS:
        app.add_exception_handler(kind, handle_dependency_error)
    app.add_exception_handler(StaleDataError, _stale_write)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
