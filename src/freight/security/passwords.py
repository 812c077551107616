"""Argon2id password hashing, run off the event loop with bounded concurrency."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from freight.settings import Settings


class PasswordHasher:
    """Hashes and verifies passwords in worker threads, at most ``concurrency`` at once."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = Argon2Hasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._concurrency = settings.password_hash_concurrency
        self._limiter: anyio.CapacityLimiter | None = None
        # Verified against when the account does not exist, so both paths cost the same.
        self._dummy_hash = self._hasher.hash("freight-timing-equaliser")

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._concurrency)
        return self._limiter

    async def hash(self, password: str) -> str:
        """Return the Argon2id hash of ``password``."""
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self.limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; always spends one verification."""
        target = password_hash or self._dummy_hash
        ok = await anyio.to_thread.run_sync(self._check, target, password, limiter=self.limiter)
        return ok and password_hash is not None

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
