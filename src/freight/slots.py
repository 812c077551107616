"""A fixed number of slots for long-running work (exports); the one too many is refused."""

from __future__ import annotations

from collections.abc import Callable

from freight.errors import ServiceUnavailable


class Slots:
    """At most ``limit`` holders at once in this process; one more gets 503 at once."""

    def __init__(self, limit: int, what: str) -> None:
        self._free = limit
        self._what = what

    @property
    def free(self) -> int:
        """Slots not taken."""
        return self._free

    def acquire(self) -> Callable[[], None]:
        """Take a slot, or raise ``ServiceUnavailable``; returns the (idempotent) release."""
        if self._free <= 0:
            raise ServiceUnavailable(f"too many {self._what} are running; retry shortly")
        self._free -= 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._free += 1

        return release
