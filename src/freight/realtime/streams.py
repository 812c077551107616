"""Ordered, gap-free, duplicate-free delivery of each shipment's events to its subscribers.

Events reach a process in commit order per shipment most of the time, but two
processes can publish neighbouring events in either order, and a client that
subscribes with ``since_event_id`` is replayed from the database while live events
keep arriving. Each shipment therefore has a ``Stream`` that releases events strictly
by their per-shipment sequence number (holding early ones until the gap is filled),
and each subscriber a cursor that buffers live events while its replay runs and never
sends a sequence number twice. Pure bookkeeping: sending is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Envelope = dict[str, Any]  # {"event": name, "seq": int, "payload": {...}}


@dataclass
class Cursor:
    """One subscriber's position in one shipment's stream."""

    last_seq: int
    syncing: bool = True
    buffer: list[Envelope] = field(default_factory=list)

    def offer(self, env: Envelope) -> list[Envelope]:
        """What to send this subscriber now for a live event (maybe nothing)."""
        if self.syncing:
            self.buffer.append(env)
            return []
        if env["seq"] <= self.last_seq:
            return []
        self.last_seq = env["seq"]
        return [env]

    def replayed(self, env: Envelope) -> bool:
        """Record a replayed event; False when it was already sent."""
        if env["seq"] <= self.last_seq:
            return False
        self.last_seq = env["seq"]
        return True

    def finish_sync(self) -> list[Envelope]:
        """End the replay: the buffered live events not yet sent, in order."""
        self.syncing = False
        out = []
        for env in sorted(self.buffer, key=lambda e: e["seq"]):
            if env["seq"] > self.last_seq:
                self.last_seq = env["seq"]
                out.append(env)
        self.buffer.clear()
        return out


@dataclass
class Stream:
    """The events of one shipment seen by this process, released in sequence order."""

    next_seq: int | None = None
    held: dict[int, Envelope] = field(default_factory=dict)
    cursors: dict[str, Cursor] = field(default_factory=dict)

    def accept(self, env: Envelope) -> list[Envelope]:
        """Events now releasable in order, given a newly arrived one."""
        seq = env["seq"]
        if self.next_seq is None:
            self.next_seq = seq
        if seq < self.next_seq:
            return []
        self.held[seq] = env
        released = []
        while self.next_seq in self.held:
            released.append(self.held.pop(self.next_seq))
            self.next_seq += 1
        return released

    def known_up_to(self, seq: int) -> None:
        """Everything up to ``seq`` is in the database already (replay covers it)."""
        if self.next_seq is None or self.next_seq <= seq:
            self.next_seq = seq + 1
            for old in [s for s in self.held if s <= seq]:
                del self.held[old]

    @property
    def gap(self) -> tuple[int, int] | None:
        """The missing range (first, last) when events are held behind a gap."""
        if not self.held or self.next_seq is None:
            return None
        return self.next_seq, min(self.held) - 1
