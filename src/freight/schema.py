"""The base of every request body: text must be text a database can store, and no card numbers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, field_validator

from freight.errors import invalid
from freight.security.pan import MESSAGE as NO_PAN
from freight.security.pan import holds_pan, looks_like_pan


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    return False


class Input(BaseModel):
    """A request body. NUL characters and card numbers are refused by field name.

    The card guard runs on the raw value of every field (text, numbers, lists and
    mappings), so no schema can forget it: messages, notes, references, names alike.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_card_numbers(cls, value: Any) -> Any:
        if holds_pan(value):
            raise ValueError(NO_PAN)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


async def no_card_numbers_in_query(request: Request) -> None:
    """An app-wide dependency: a query string holding a card number is a 422 naming it."""
    for name, value in request.query_params.multi_items():
        if looks_like_pan(name) or looks_like_pan(value):
            raise invalid("query", name, msg=NO_PAN)
