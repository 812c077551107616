"""The shipment state machine: the one place that decides which moves are allowed.

PENDING --assign--> ASSIGNED --pickup--> PICKED_UP --depart--> IN_TRANSIT --deliver--> DELIVERED
PENDING/ASSIGNED --cancel--> CANCELLED;  ASSIGNED --unassign--> PENDING

What goes wrong on the road (docs/shipment-states.md draws it):
IN_TRANSIT --fail_delivery--> ATTEMPT_FAILED --reattempt--> IN_TRANSIT (a new delivery window)
ATTEMPT_FAILED --deliver--> DELIVERED (the consignee takes it after all, or part of it)
ATTEMPT_FAILED --return--> RETURNING --returned--> RETURNED
A pickup with no freight (truck ordered, not used) is ASSIGNED --cancel--> CANCELLED.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from freight.access import Actor, Role
from freight.errors import Forbidden, InvalidTransition


class Status(StrEnum):
    PENDING = "PENDING"
    ASSIGNED = "ASSIGNED"
    PICKED_UP = "PICKED_UP"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    ATTEMPT_FAILED = "ATTEMPT_FAILED"  # a delivery was tried and failed; the freight is on board
    RETURNING = "RETURNING"  # on the way back to the shipper
    RETURNED = "RETURNED"  # back at the shipper: the load is over


FINAL = frozenset({Status.DELIVERED, Status.CANCELLED, Status.RETURNED})
# Held by a driver: assigned and not yet delivered (or returned).
ACTIVE = frozenset(
    {
        Status.ASSIGNED,
        Status.PICKED_UP,
        Status.IN_TRANSIT,
        Status.ATTEMPT_FAILED,
        Status.RETURNING,
    }
)
# The freight is on board: picked up and not yet delivered (or returned).
LOADED = frozenset({Status.PICKED_UP, Status.IN_TRANSIT, Status.ATTEMPT_FAILED, Status.RETURNING})
# Not picked up yet: the stops, windows and driver may still change.
BEFORE_PICKUP = frozenset({Status.PENDING, Status.ASSIGNED})


@dataclass(frozen=True)
class Move:
    """One allowed edge: its name, who may take it, and what else it needs."""

    action: str
    roles: frozenset[Role]
    via: str | None = None  # the endpoint that carries what the move needs, if any


_STAFF = frozenset({Role.ADMIN, Role.DISPATCHER})
_ON_THE_ROAD = _STAFF | {Role.DRIVER}

MOVES: dict[tuple[Status, Status], Move] = {
    (Status.PENDING, Status.ASSIGNED): Move("assign", _STAFF, via="POST /assign with a driver"),
    (Status.ASSIGNED, Status.PENDING): Move("unassign", _STAFF),
    (Status.ASSIGNED, Status.PICKED_UP): Move("pickup", _ON_THE_ROAD),
    (Status.PICKED_UP, Status.IN_TRANSIT): Move("depart", _ON_THE_ROAD),
    (Status.IN_TRANSIT, Status.DELIVERED): Move(
        "deliver", _ON_THE_ROAD, via="POST /pod with the proof of delivery"
    ),
    (Status.PENDING, Status.CANCELLED): Move(
        "cancel", _STAFF | {Role.CUSTOMER}, via="POST /cancel with a reason"
    ),
    (Status.ASSIGNED, Status.CANCELLED): Move("cancel", _STAFF, via="POST /cancel with a reason"),
    (Status.IN_TRANSIT, Status.ATTEMPT_FAILED): Move(
        "fail_delivery", _ON_THE_ROAD, via="POST /exceptions with a reason"
    ),
    (Status.ATTEMPT_FAILED, Status.IN_TRANSIT): Move(
        "reattempt", _STAFF, via="POST /reattempt with a new delivery window"
    ),
    (Status.ATTEMPT_FAILED, Status.DELIVERED): Move(
        "deliver", _ON_THE_ROAD, via="POST /pod with the proof of delivery"
    ),
    (Status.ATTEMPT_FAILED, Status.RETURNING): Move("return", _STAFF),
    (Status.RETURNING, Status.RETURNED): Move("returned", _ON_THE_ROAD),
}
# Where a proof of delivery may be given: on the way, or after a failed attempt.
DELIVERABLE = frozenset({Status.IN_TRANSIT, Status.ATTEMPT_FAILED})


def check_move(current: str, target: str, actor: Actor, *, via: str | None = None) -> Move:
    """The move from ``current`` to ``target`` if ``actor`` may make it here, else raise.

    ``via`` names the endpoint asking; moves that need more than a status (a driver,
    a proof of delivery) are only allowed through theirs.
    """
    move = MOVES.get((Status(current), Status(target)))
    if move is None:
        raise InvalidTransition(f"a {current} shipment cannot become {target}")
    if actor.role not in move.roles:
        if actor.role == Role.CUSTOMER and target == Status.CANCELLED:
            raise InvalidTransition("customers can cancel only while the shipment is PENDING")
        raise Forbidden(f"your role cannot {move.action} a shipment")
    if move.via is not None and via != move.action:
        raise InvalidTransition(f"to {move.action} a shipment use {move.via}")
    return move


def moves_for(current: str, actor: Actor) -> list[tuple[Status, Move]]:
    """The moves ``actor`` may make from ``current``, each with the status it reaches.

    Pages offer one form per move from this, so they never list the allowed actions
    themselves.
    """
    return [
        (target, move)
        for (source, target), move in MOVES.items()
        if source == current and actor.role in move.roles
    ]


def path_to(target: Status, start: Status = Status.PENDING) -> list[tuple[Status, Move]]:
    """The fewest moves that take a shipment from ``start`` to ``target``.

    Each step is the status it reaches and the move that reaches it; ``[]`` when
    ``start`` is ``target``. Seeders walk this instead of spelling out their own paths.
    """
    paths: dict[Status, list[tuple[Status, Move]]] = {start: []}
    frontier = [start]
    while frontier and target not in paths:
        reached = []
        for current in frontier:
            for (source, step), move in MOVES.items():
                if source == current and step not in paths:
                    paths[step] = [*paths[current], (step, move)]
                    reached.append(step)
        frontier = reached
    if target not in paths:
        raise InvalidTransition(f"no run of moves takes a {start} shipment to {target}")
    return paths[target]
