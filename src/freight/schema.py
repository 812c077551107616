"""The base of every request body: text a database can store, numbers numbers, no card numbers."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import Request
from pydantic import BaseModel, Field, Strict, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from freight.errors import invalid
from freight.security.pan import MESSAGE as NO_PAN
from freight.security.pan import holds_pan, looks_like_pan

# A JSON number and nothing else (no boolean, no numeric string), checked inside pydantic's
# core: for bodies only devices send, where a Python call per field would cost (GPS batches).
JsonNumber = Annotated[float, Strict()]

# Field types shared by several domains' bodies.
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lng = Annotated[float, Field(ge=-180, le=180)]
EquipmentType = Literal[
    "dry_van", "reefer", "flatbed", "step_deck", "tanker", "box_truck", "power_only"
]
# Finds a boolean where a number belongs, anywhere inside one field's value.
BoolCheck = Callable[[Any], bool]
NUMBERS = (int, float, Decimal)
_CHECKS: dict[tuple[type[BaseModel], str], BoolCheck | None] = {}


class Secret:
    """Marks a field the card guard skips (``Annotated[str, Secret()]``): a password is
    hashed, never stored, shown or logged, and refusing one that happens to be card-shaped
    would only confuse its owner."""


_SECRETS: dict[tuple[type[BaseModel], str], bool] = {}


def _is_secret(model: type[BaseModel], field: str) -> bool:
    """True when the field is marked ``Secret`` (worked out once per field)."""
    key = (model, field)
    if key not in _SECRETS:
        info = model.model_fields.get(field)
        _SECRETS[key] = info is not None and _marked_secret(info.annotation, info.metadata)
    return _SECRETS[key]


def _marked_secret(annotation: Any, metadata: Sequence[Any]) -> bool:
    if any(isinstance(item, Secret) for item in metadata):
        return True
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _marked_secret(args[0], args[1:])
    if origin is Union or origin is types.UnionType:
        return any(_marked_secret(arm, ()) for arm in args)
    return False


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    return False


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def bool_check(annotation: Any) -> BoolCheck | None:
    """A check for booleans given where ``annotation`` wants a number (None: none can be)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return bool_check(args[0])
    if origin is Union or origin is types.UnionType:
        if any(arm is bool or arm is Any for arm in args):
            return None  # the field takes a boolean as itself
        checks = [check for arm in args if (check := bool_check(arm)) is not None]
        return (lambda v: any(check(v) for check in checks)) if checks else None
    if isinstance(annotation, type) and issubclass(annotation, NUMBERS):
        return None if issubclass(annotation, bool) else _is_bool
    if isinstance(origin, type) and issubclass(origin, Mapping) and len(args) == 2:
        values = bool_check(args[1])
        if values is not None:
            return lambda v: isinstance(v, dict) and any(map(values, v.values()))
    elif isinstance(origin, type) and issubclass(origin, Sequence | set | frozenset) and args:
        items = bool_check(args[0])
        if items is not None:
            return lambda v: isinstance(v, list) and any(map(items, v))
    return None


def _check_for(model: type[BaseModel], field: str) -> BoolCheck | None:
    """The field's check, worked out on first use (annotations are resolved by then)."""
    key = (model, field)
    if key not in _CHECKS:
        info = model.model_fields.get(field)
        _CHECKS[key] = None if info is None else bool_check(info.annotation)
    return _CHECKS[key]


class Input(BaseModel):
    """A request body. NUL characters and card numbers are refused by field name.

    The card guard runs on the raw value of every field (text, numbers, lists and
    mappings), so no schema can forget it: messages, notes, references, names alike.
    A boolean is refused where a number belongs: lax validation would read ``true`` as 1
    (``amount_cents: true`` paid one cent). Numeric strings stay accepted, because the web
    forms send every value as text; a real boolean field still takes ``true``/``false``.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_card_numbers_or_bool_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if holds_pan(value) and not (info.field_name and _is_secret(cls, info.field_name)):
            raise ValueError(NO_PAN)
        if isinstance(value, bool | list | dict) and info.field_name is not None:
            check = _check_for(cls, info.field_name)
            if check is not None and check(value):
                raise PydanticCustomError(
                    "number_type", "Input should be a number, not true or false"
                )
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


class NearPlace(BaseModel):
    """A position in words' parts: the place a person would name, how far and which way."""

    place: str = Field(description='"Joplin, MO"')
    km: float = Field(description="from the place, to 0.1 km")
    direction: str = Field(description='from the place to the position: "NE"')
