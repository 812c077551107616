"""Re-encrypt every encrypted column under the active key (``freight keys rotate``)."""

from __future__ import annotations

from sqlalchemy import Column, Table, Text, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight.db import Base
from freight.security.encryption import EncryptedString, Keyring, column_context


def encrypted_columns() -> list[tuple[Table, Column[str]]]:
    """Every (table, column) stored with ``EncryptedString``."""
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


async def rotate_keys(session: AsyncSession, keyring: Keyring) -> dict[str, int]:
    """Rewrite values not under the active key; returns the count per ``table.column``."""
    counts: dict[str, int] = {}
    for table, column in encrypted_columns():
        raw = type_coerce(column, Text)
        pk = table.c.id
        rows = (await session.execute(select(pk, raw).where(column.is_not(None)))).all()
        done = 0
        for ident, stored in rows:
            if Keyring.key_id_of(stored) == keyring.active_id:
                continue
            context = column_context(table.name, column.name, ident)
            fresh = keyring.encrypt(keyring.decrypt(stored, context), context)
            await session.execute(
                update(table).where(pk == ident).values({column.name: type_coerce(fresh, Text)})
            )
            done += 1
        counts[f"{table.name}.{column.name}"] = done
    return counts
