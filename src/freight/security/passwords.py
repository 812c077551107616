"""Argon2id password hashing, run off the event loop with bounded concurrency.

Hashes run in a small pool of their own threads at a lower CPU priority (nice 10 on
Linux): a burst of sign-ins then uses the CPU the requests leave idle instead of
slowing every request down (measured with the load test: see docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from freight.settings import Settings

HASH_THREAD_NICENESS = 10
T = TypeVar("T")


def _lower_priority() -> None:
    """Run this thread (and the lanes Argon2 starts from it) behind request handling."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICENESS)


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
        self._pool: ThreadPoolExecutor | None = None
        # Verified against when the account does not exist, so both paths cost the same.
        self._dummy_hash = self._hasher.hash("freight-timing-equaliser")

    async def _run(self, fn: Callable[..., T], *args: str) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self._concurrency, thread_name_prefix="argon2", initializer=_lower_priority
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def hash(self, password: str) -> str:
        """Return the Argon2id hash of ``password``."""
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; always spends one verification."""
        target = password_hash or self._dummy_hash
        ok = await self._run(self._check, target, password)
        return ok and password_hash is not None

    def close(self) -> None:
        """Let the hashing threads go (the app is stopping)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
