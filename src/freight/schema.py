"""The base of every request body: text must be text a database can store."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    return False


class Input(BaseModel):
    """A request body. NUL characters are refused by name (PostgreSQL cannot store them)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value
