"""A user's cached access facts (their principal) and the events that make them stale.

``deps.principal`` caches, per user, the organisation, role, shipper account and driver
record that a token resolves to. A committed ``user.*`` event (but ``user.created``:
nothing is cached for a new user) changes those facts for its user, and a driver event
that links or unlinks a user changes that user's driver record. ``stale_keys`` names
the entries to drop, for ``cache.Invalidator``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from freight.events import Event


def principal_key(user_id: uuid.UUID | str) -> str:
    """Cache key of a user's access facts; dropped whenever the user or their driver changes."""
    return f"principal:{user_id}"


def users_named(event: Event) -> set[str]:
    """The users whose access facts this event changed."""
    data = event.data
    if event.type == "user.created":
        return set()  # nothing can be cached yet for a user who did not exist
    if event.type.startswith("user."):
        named = {data.get("user_id")}
    elif event.type.startswith("driver."):
        # A new driver record names its user; an edit names the link's old and new user.
        named = {data.get("user_id"), *data.get("changes", {}).get("user_id", ())}
    else:
        return set()
    return {str(user_id) for user_id in named if user_id}


def stale_keys(batch: Sequence[Event]) -> list[str]:
    """The principal entries a committed batch made stale."""
    return [principal_key(user_id) for e in batch for user_id in users_named(e)]
