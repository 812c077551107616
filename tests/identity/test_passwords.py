"""Argon2id hashing: correct, bounded, and behind request handling for the CPU."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from freight.security.passwords import HASH_THREAD_NICENESS, PasswordHasher
from tests.conftest import base_settings


@pytest.fixture
def hasher(tmp_path: Path) -> PasswordHasher:
    settings = base_settings("sqlite+aiosqlite://", tmp_path, password_hash_concurrency=2)
    return PasswordHasher(settings)


def _hash_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("argon2")]


async def test_hash_and_verify_round_trip(hasher: PasswordHasher) -> None:
    try:
        digest = await hasher.hash("correct-horse-battery")
        assert digest.startswith("$argon2id$")
        assert await hasher.verify(digest, "correct-horse-battery")
        assert not await hasher.verify(digest, "wrong-horse-battery")
        assert not await hasher.verify(None, "correct-horse-battery")  # unknown account
        assert not await hasher.verify("not-a-hash", "correct-horse-battery")
    finally:
        hasher.close()


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are a Linux thing")
async def test_hashes_run_in_a_bounded_pool_of_low_priority_threads(
    hasher: PasswordHasher,
) -> None:
    try:
        await asyncio.gather(*(hasher.hash(f"password-{i:04d}") for i in range(6)))
        threads = _hash_threads()
        assert 1 <= len(threads) <= 2  # password_hash_concurrency
        expected = min(os.getpriority(os.PRIO_PROCESS, 0) + HASH_THREAD_NICENESS, 19)
        for thread in threads:
            assert thread.native_id is not None
            assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == expected
        # The event loop's own thread keeps its priority.
        main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert main == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        hasher.close()
    await asyncio.sleep(0.05)
    assert all(not t.is_alive() for t in threads)
