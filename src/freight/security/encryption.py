"""Field encryption: AES-256-GCM with a key-id prefix so keys can rotate.

Stored form: ``v2:<key id>:<base64(nonce || ciphertext || tag)>`` for a column value,
whose associated data binds it to its key id, table, column and row id: a ciphertext
copied into another row or column (or another tenant's row) fails authentication
instead of decrypting there. ``v1`` values (associated data: the key id only) are
other sealed blobs, such as a web form's one-time secret. The keyring is configured
once at start-up (``configure_keyring``); reads accept any known key, writes always
use the active one. ``freight keys rotate`` re-encrypts old rows.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from freight.settings import Settings

VERSION = "v1"  # a blob bound to its key id only
BOUND = "v2"  # a column value, bound to its table, column and row too
NONCE_BYTES = 12
DEV_KEY_ID = "dev"


class EncryptionError(RuntimeError):
    """A stored value cannot be decrypted (unknown key id or tampered data)."""


@dataclass(frozen=True)
class Keyring:
    """Known AES-256 keys by id, and the id new values are written with."""

    keys: dict[str, bytes]
    active_id: str

    def encrypt(self, plaintext: str, context: str | None = None) -> str:
        """Encrypt with the active key; ``context`` (a column's place) binds the value to it."""
        nonce = os.urandom(NONCE_BYTES)
        version = VERSION if context is None else BOUND
        sealed = AESGCM(self.keys[self.active_id]).encrypt(
            nonce, plaintext.encode(), _associated(self.active_id, context)
        )
        return f"{version}:{self.active_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, context: str | None = None) -> str:
        """Decrypt a value written with any known key, for the same ``context`` only."""
        try:
            version, key_id, payload = stored.split(":", 2)
            key = self.keys[key_id]
        except (ValueError, KeyError):
            raise EncryptionError("value was not written with a known key") from None
        if version != (VERSION if context is None else BOUND):
            raise EncryptionError(f"unexpected format {version}")
        try:
            raw = base64.b64decode(payload)
            plain = AESGCM(key).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(key_id, context)
            )
        except (InvalidTag, ValueError):
            raise EncryptionError("value failed authentication") from None
        return plain.decode()

    @staticmethod
    def key_id_of(stored: str) -> str | None:
        """The key id a stored value was written with."""
        parts = stored.split(":", 2)
        return parts[1] if len(parts) == 3 else None


def _associated(key_id: str, context: str | None) -> bytes:
    return key_id.encode() if context is None else f"{key_id}|{context}".encode()


def column_context(table: str, column: str, row_id: object) -> str:
    """The associated data of one stored value: where it lives."""
    return f"{table}.{column}:{row_id}"


def keyring_from_settings(settings: Settings) -> Keyring:
    """Configured keys, or in development a key derived from the secret key."""
    if settings.encryption_keys:
        keys = {
            kid: base64.b64decode(v.get_secret_value())
            for kid, v in settings.encryption_keys.items()
        }
        if any(len(k) != 32 for k in keys.values()):
            raise ValueError("every FREIGHT_ENCRYPTION_KEYS entry must be 32 bytes, base64-encoded")
        assert settings.encryption_key_id is not None
        return Keyring(keys, settings.encryption_key_id)
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"freight-field-encryption"
    ).derive(settings.secret_key.get_secret_value().encode())
    return Keyring({DEV_KEY_ID: derived}, DEV_KEY_ID)


def generate_key() -> str:
    """A new random key, base64-encoded, for FREIGHT_ENCRYPTION_KEYS."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


_keyring: Keyring | None = None


def configure_keyring(keyring: Keyring) -> None:
    """Install the process keyring (called by the app factory and the CLI)."""
    global _keyring
    _keyring = keyring


def current_keyring() -> Keyring:
    """The installed keyring; using an encrypted column before start-up is a bug."""
    if _keyring is None:
        raise EncryptionError("field encryption used before configure_keyring()")
    return _keyring


class Sealed(str):
    """A ciphertext as the column holds it (as opposed to a plaintext value)."""

    __slots__ = ()


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted; the database never sees the plaintext.

    The type alone cannot know the row (its id is the associated data), so the ORM
    events in ``security.sealed_rows`` encrypt before a flush and decrypt on load: the
    column only ever carries ``Sealed`` values, and a plain string written by a Core
    statement (which would bypass the binding) is refused rather than stored.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise EncryptionError("encrypted columns are written through the ORM only")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else Sealed(value)
