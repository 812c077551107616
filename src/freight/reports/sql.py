"""The expressions reports need that SQLite and PostgreSQL spell differently.

Week buckets are computed in Python (the organisation's Mondays, converted to UTC once)
and compared in a CASE, so no per-row timezone conversion or date function is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from freight.db import UTCDateTime

EARTH_RADIUS_KM = 6371.0088


class MinutesBetween(FunctionElement[float]):
    """``later - earlier`` in minutes (a float; negative when ``later`` is earlier)."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(MinutesBetween)
def _minutes_pg(element: MinutesBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)})) / 60.0)"
    )


@compiles(MinutesBetween, "sqlite")
def _minutes_sqlite(element: MinutesBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"((julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) * 1440.0)"
    )


def minutes_between(later: Any, earlier: Any) -> ColumnElement[float]:
    """Minutes from ``earlier`` to ``later``, on either database."""
    return MinutesBetween(later, earlier)


def at(value: datetime) -> ColumnElement[datetime]:
    """A bound timestamp stored the way the columns store it (naive UTC text on SQLite)."""
    return literal(value, UTCDateTime())


def bucket(column: Any, bounds: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the interval ``column`` falls in: 0 before ``bounds[0]``, 1 before
    ``bounds[1]``, ..., ``len(bounds)`` after the last."""
    if not bounds:
        return literal(0, Integer())
    whens = [(column < at(b), i) for i, b in enumerate(bounds)]
    return case(*whens, else_=len(bounds))
