"""Field encryption: ciphertext at rest, readable through the model, keys rotate."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from freight.db import create_engine, create_session_factory
from freight.security.encryption import (
    EncryptionError,
    Keyring,
    column_context,
    configure_keyring,
    keyring_from_settings,
)
from freight.security.key_rotation import rotate_keys
from tests.conftest import base_settings
from tests.helpers import Session, add_user

PHONE = "+1 312 555 0199"


async def _raw_phone(app: FastAPI) -> str:
    async with app.state.ctx.engine.connect() as conn:
        row = await conn.execute(text("SELECT phone FROM users WHERE phone IS NOT NULL"))
        value: str = row.scalar_one()
    return value


async def test_the_database_never_holds_the_plaintext(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    resp = await client.patch(f"/api/users/{driver.id}", headers=admin.auth, json={"phone": PHONE})
    assert resp.json()["phone"] == PHONE
    raw = await _raw_phone(app)
    assert PHONE not in raw and "5550199" not in raw.replace(" ", "")
    assert raw.startswith("v2:dev:")
    assert (await client.get(f"/api/users/{driver.id}", headers=admin.auth)).json()[
        "phone"
    ] == PHONE


def test_tampered_ciphertext_is_rejected() -> None:
    ring = Keyring({"a": os.urandom(32)}, "a")
    stored = ring.encrypt("secret")
    prefix, payload = stored.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(EncryptionError):
        ring.decrypt(f"{prefix}:{base64.b64encode(bytes(raw)).decode()}")
    with pytest.raises(EncryptionError):
        Keyring({"b": os.urandom(32)}, "b").decrypt(stored)


async def test_rotation_re_encrypts_under_the_new_key(
    app: FastAPI, client: AsyncClient, admin: Session, clean_db: str, tmp_path: Path
) -> None:
    await client.patch(f"/api/users/{admin.id}", headers=admin.auth, json={"phone": PHONE})
    old_raw = await _raw_phone(app)
    settings = base_settings(clean_db, tmp_path)
    old_ring = keyring_from_settings(settings)
    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated_settings = base_settings(
        clean_db,
        tmp_path,
        encryption_keys={"dev": base64.b64encode(old_ring.keys["dev"]).decode(), "k2": new_key},
        encryption_key_id="k2",
    )
    ring = keyring_from_settings(rotated_settings)
    configure_keyring(ring)
    engine = create_engine(rotated_settings)
    try:
        async with create_session_factory(engine)() as session:
            counts = await rotate_keys(session, ring)
            await session.commit()
        assert counts["users.phone"] == 1
        new_raw = await _raw_phone(app)
        assert new_raw.startswith("v2:k2:") and new_raw != old_raw
        assert ring.decrypt(new_raw, column_context("users", "phone", admin.id)) == PHONE
        async with create_session_factory(engine)() as session:
            assert (await rotate_keys(session, ring))["users.phone"] == 0  # idempotent
    finally:
        await engine.dispose()
        configure_keyring(old_ring)
