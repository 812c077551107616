"""ORM events that encrypt ``EncryptedString`` columns bound to their row.

The associated data of a value is its table, column and row id
(``encryption.column_context``). A column type never sees its row, so the mapper does
the work: before an INSERT or UPDATE each changed plaintext is sealed with the row's
id (assigned here when still unset), after it the object holds the plaintext again;
on load and refresh each ``Sealed`` value is opened for that row. The rest of the code
reads and writes plain strings on the model as before.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, QueryContext
from sqlalchemy.orm.attributes import set_committed_value

from freight.security.encryption import (
    EncryptedString,
    Sealed,
    column_context,
    current_keyring,
)

_PLAIN = "_freight_plaintexts"


@cache
def _fields(mapper: Mapper[Any]) -> tuple[tuple[str, str], ...]:
    """(attribute, column) of every encrypted column of a mapped class."""
    return tuple(
        (prop.key, column.name)
        for prop in mapper.column_attrs
        for column in prop.columns
        if isinstance(column.type, EncryptedString)
    )


def _open(target: Any, only: set[str] | None = None) -> None:
    mapper = inspect(target).mapper
    table = mapper.local_table.name
    for key, column in _fields(mapper):
        value = target.__dict__.get(key)
        if isinstance(value, Sealed) and (only is None or key in only):
            plain = current_keyring().decrypt(value, column_context(table, column, target.id))
            set_committed_value(target, key, plain)


def _on_load(target: Any, _context: QueryContext) -> None:
    _open(target)


def _on_refresh(target: Any, _context: QueryContext, attrs: Any) -> None:
    _open(target, None if attrs is None else set(attrs))


def _seal(mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    if target.id is None:
        target.id = uuid.uuid4()  # the id is part of the associated data
    table = mapper.local_table.name  # type: ignore[attr-defined]
    state = inspect(target)
    plain: dict[str, str] = {}
    for key, column in _fields(mapper):
        value = target.__dict__.get(key)
        if not isinstance(value, str) or isinstance(value, Sealed):
            continue
        if state.persistent and not state.attrs[key].history.has_changes():
            continue
        plain[key] = value
        context = column_context(table, column, target.id)
        setattr(target, key, Sealed(current_keyring().encrypt(value, context)))
    target.__dict__[_PLAIN] = plain


def _unseal(_mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    for key, value in target.__dict__.pop(_PLAIN, {}).items():
        set_committed_value(target, key, value)


@event.listens_for(Mapper, "mapper_configured")
def _install(mapper: Mapper[Any], cls: type) -> None:
    """Hook the events onto every mapped class that has an encrypted column."""
    if not _fields(mapper):
        return
    event.listen(cls, "load", _on_load)
    event.listen(cls, "refresh", _on_refresh)
    for name in ("before_insert", "before_update"):
        event.listen(mapper, name, _seal)
    for name in ("after_insert", "after_update"):
        event.listen(mapper, name, _unseal)
