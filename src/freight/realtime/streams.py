"""Ordered, gap-free, duplicate-free delivery of each shipment's events to each subscriber.

Events reach a process in commit order per shipment most of the time, but two
processes can publish neighbouring events in either order, a process can die between
commit and publish (that event never arrives), and a client that subscribes with
``since_event_id`` is replayed from the database while live events keep arriving.
So every subscriber has its own cursor: the last sequence number it was sent, and
the events that arrived ahead of a gap, held until the gap is filled from the
database *for that cursor*. Nothing one subscriber does (subscribing, replaying,
filling) moves another's position. Pure bookkeeping: sending is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Envelope = dict[str, Any]  # {"event": name, "seq": int, "payload": {...}, "access": {...}?}


@dataclass
class Cursor:
    """One subscriber's position in one shipment's stream."""

    last_seq: int
    syncing: bool = True  # the subscribe replay is still running: hold everything
    held: dict[int, Envelope] = field(default_factory=dict)

    def offer(self, env: Envelope) -> list[Envelope]:
        """Take an event (live, replayed or filled); what to send now, in order."""
        seq = env["seq"]
        if seq > self.last_seq:
            self.held.setdefault(seq, env)
        return [] if self.syncing else self._release()

    def finish_sync(self) -> list[Envelope]:
        """End the replay: everything now contiguous after ``last_seq``, in order."""
        self.syncing = False
        return self._release()

    def _release(self) -> list[Envelope]:
        out = []
        while (self.last_seq + 1) in self.held:
            self.last_seq += 1
            out.append(self.held.pop(self.last_seq))
        return out

    @property
    def gap(self) -> bool:
        """Events are held behind a missing one."""
        return bool(self.held) and not self.syncing

    def behind(self, committed_seq: int) -> bool:
        """The database has events this subscriber was not sent."""
        return not self.syncing and committed_seq > self.last_seq


@dataclass
class Stream:
    """The subscribers of one shipment in this process, and who may see it.

    ``access`` holds the shipment's organisation, account and driver as of the newest
    event that carried them (``access_seq``): every delivery is checked against it.
    """

    access: dict[str, str | None]
    access_seq: int = 0
    cursors: dict[str, Cursor] = field(default_factory=dict)
    filling: bool = False

    def learn(self, env: Envelope) -> None:
        """Keep the newest access facts an event carries (assignment changes the driver)."""
        facts = env.get("access")
        if facts is not None and env["seq"] >= self.access_seq:
            self.access, self.access_seq = dict(facts), env["seq"]

    def fill_from(self) -> int | None:
        """The sequence number after which the cursors with a gap need the database."""
        lagging = [c.last_seq for c in self.cursors.values() if c.gap]
        return min(lagging) if lagging else None
