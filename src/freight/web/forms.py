"""The one shape of a page's form post: do it, commit, redirect; or show the form again.

``submit`` runs the page's action (parse the form into a schema, call the service), then
commits through the app context, which publishes the events once the commit is done,
and answers 303 to the page that says it worked (``?done=<notice>``). If the schema,
the page's own checks (``Invalid``) or the service refuse, it rolls the transaction
back, so no half-written rows remain, and hands a ``Failure`` (the status, the messages
by field, the error itself) to the page's ``failed`` renderer, which shows the form
again with what was typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Mapping
from dataclasses import dataclass
from typing import TypeVar

from fastapi.responses import Response
from pydantic import ValidationError

from freight.context import AppContext
from freight.deps import SessionDep
from freight.errors import DomainError
from freight.web.admin_forms import Errors, errors_of
from freight.web.auth import see_other

T = TypeVar("T")


class Invalid(Exception):
    """The page's own checks refused the form before any service ran."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


Problem = ValidationError | DomainError | Invalid


@dataclass(frozen=True)
class Failure:
    """Why a form did not go through."""

    status: int  # 422 for a bad form, else the domain error's own status
    errors: Errors  # form field -> message ("form" for one about the whole form)
    error: Problem  # for pages that word their message themselves

    @property
    def message(self) -> str | None:
        """The first thing wrong in one line, for a page that shows a single message."""
        if isinstance(self.error, DomainError):
            return self.error.errors[0]["msg"] if self.error.errors else self.error.detail
        return next(iter(self.errors.values()), None)


def failure_of(exc: Problem, fields: Mapping[str, str] | None = None) -> Failure:
    """The status and field messages of a refused form (``fields``: see ``errors_of``)."""
    if isinstance(exc, Invalid):
        return Failure(422, dict(exc.errors), exc)
    status = exc.status if isinstance(exc, DomainError) else 422
    return Failure(status, errors_of(exc, fields), exc)


Rerender = Callable[[Failure], Awaitable[Response]]


def said(messages: Mapping[str, str], failed: Rerender) -> Rerender:
    """``failed``, saying these messages for their fields instead of the schema's words."""

    async def again(failure: Failure) -> Response:
        errors = {f: messages.get(f, m) for f, m in failure.errors.items()}
        return await failed(Failure(failure.status, errors, failure.error))

    return again


async def submit(
    ctx: AppContext,
    session: SessionDep,
    action: Callable[[], Awaitable[T]],
    *,
    done: str | Callable[[T], str | Response],
    failed: Rerender | None = None,
    fields: Mapping[str, str] | None = None,
    error_page: Container[int] = (),
) -> Response:
    """Run ``action``, commit and redirect to ``done``; else roll back and render ``failed``.

    ``done`` is the address to go on to, or makes it (or the whole response) from what
    the action returned. A domain error whose status is in ``error_page`` (a load that is
    not the caller's: 404), or any refusal when there is no ``failed``, shows the error
    page instead of the form.
    """
    try:
        result = await action()
        await ctx.commit(session)
    except (ValidationError, DomainError, Invalid) as exc:
        await session.rollback()
        if failed is None or (isinstance(exc, DomainError) and exc.status in error_page):
            raise
        return await failed(failure_of(exc, fields))
    answer = done if isinstance(done, str) else done(result)
    return see_other(answer) if isinstance(answer, str) else answer
