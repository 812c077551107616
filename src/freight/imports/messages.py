"""Row errors in words a spreadsheet's author can act on: "weight kg: must be 0 or more".

The rules are the API's (its schemas and services raise the errors); only the wording
is the import's: the column's name in words, then what is wrong with the cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from freight.imports.schemas import RowError

EXAMPLE_TIME = "2026-12-08T09:00-06:00"


def _n(value: Any) -> str:
    """A limit as people write it: 90, not 90.0; 100,000 with its thousands."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


# By the error's kind (pydantic's ``type``, or the one a service gives).
WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: "required",
    "string_type": lambda ctx: "required",
    "float_parsing": lambda ctx: "not a number",
    "float_type": lambda ctx: "not a number",
    "int_parsing": lambda ctx: "not a whole number",
    "int_from_float": lambda ctx: "not a whole number",
    "int_type": lambda ctx: "not a whole number",
    "number_type": lambda ctx: "not a number",
    "bool_parsing": lambda ctx: "not true or false",
    "uuid_parsing": lambda ctx: "not an id as Freight exports them",
    "literal_error": lambda ctx: f"must be one of {ctx.get('expected', 'the listed values')}",
    "enum": lambda ctx: f"must be one of {ctx.get('expected', 'the listed values')}",
    "datetime_parsing": lambda ctx: f"not a date and time such as {EXAMPLE_TIME}",
    "datetime_from_date_parsing": lambda ctx: f"not a date and time such as {EXAMPLE_TIME}",
    "datetime_type": lambda ctx: f"not a date and time such as {EXAMPLE_TIME}",
    "timezone_aware": lambda ctx: f"give the UTC offset too, as in {EXAMPLE_TIME}",
    "string_too_long": lambda ctx: f"longer than {_n(ctx.get('max_length'))} characters",
    "string_too_short": lambda ctx: (
        "required"
        if ctx.get("min_length") == 1
        else f"shorter than {ctx.get('min_length')} characters"
    ),
    "string_pattern_mismatch": lambda ctx: "not in the expected format",
    "too_long": lambda ctx: f"more than {_n(ctx.get('max_length'))} values",
    "greater_than": lambda ctx: f"must be more than {_n(ctx.get('gt'))}",
    "greater_than_equal": lambda ctx: f"must be {_n(ctx.get('ge'))} or more",
    "less_than": lambda ctx: f"must be less than {_n(ctx.get('lt'))}",
    "less_than_equal": lambda ctx: f"must be {_n(ctx.get('le'))} or less",
    "window_order": lambda ctx: "must be after the window start",
    "delivery_before_pickup": lambda ctx: "must be after the pickup window starts",
}


def label(column: str) -> str:
    """A column in words: ``delivery_window_end`` is "delivery window end"."""
    return column.replace("_", " ")


def _text(error: Mapping[str, Any]) -> str:
    words = WORDS.get(str(error.get("type", "")))
    if words is not None:
        return words(error.get("ctx") or {})
    msg = str(error.get("msg", "not valid")).removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:]


def row_error(row: int, column: str, error: Mapping[str, Any]) -> RowError:
    """One error (pydantic's, or a service's ``{loc, msg, type?}``) on ``column`` of ``row``."""
    text = _text(error)
    return RowError(row=row, column=column, message=f"{label(column)}: {text}" if column else text)


def said(row: int, column: str, text: str) -> RowError:
    """An error the import itself finds (a repeated reference, an unknown id)."""
    return RowError(row=row, column=column, message=f"{label(column)}: {text}" if column else text)
