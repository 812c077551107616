"""What the staff see on a shipment page beyond the customer's view: the driver with
their phone, the truck, and a form for every action the load's state allows.

The actions come from the state machine (``lifecycle.moves_for``), not a list kept
here, so a new move shows up on the page without touching it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from freight import formatting as fmt
from freight.access import Actor
from freight.errors import NotFound
from freight.fleet import service as fleet
from freight.identity.organization import Presentation
from freight.shipments.lifecycle import BEFORE_PICKUP, FINAL, Status, moves_for
from freight.web.overrides import WarningBlock

if TYPE_CHECKING:
    from freight.deps import SessionDep
    from freight.shipments.models import Shipment

# Moves a plain button makes (the others need a reason, a driver or a proof).
BUTTON_MOVES = {
    "pickup": "Mark picked up",
    "depart": "Mark in transit",
    "return": "Send it back to the shipper",
    "returned": "Mark returned to the shipper",
}


@dataclass(frozen=True)
class Crew:
    """The driver and truck on a load, as staff may see them (phone in full)."""

    driver_name: str
    phone: str | None
    truck: str | None


@dataclass
class StaffPanel:
    """The staff part of a shipment page."""

    crew: Crew | None
    actions: list[str]  # "assign", "unassign", "reassign", "cancel", "edit", "price", ...
    buttons: list[tuple[str, str]]  # (target status, label) for plain moves
    via_notes: list[str]  # moves made elsewhere, said in words
    free_drivers: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    warned: dict[str, WarningBlock] = field(default_factory=dict)  # form -> its warnings

    def has_errors(self, which: str) -> bool:
        """Whether the ``which`` form was just refused or warned about (its section opens)."""
        return which in self.warned or any(n.startswith(f"{which}-") for n in self.errors)


async def crew_of(session: SessionDep, actor: Actor, shipment: Shipment) -> Crew | None:
    """The load's driver (name, phone as this caller may see it) and truck number."""
    if shipment.driver_id is None:
        return None
    try:
        driver = await fleet.get_driver(session, actor, shipment.driver_id)
    except NotFound:
        return None
    view = fleet.driver_view(actor, driver)
    truck = None
    if shipment.vehicle_id is not None:
        truck = (await fleet.get_vehicle(session, actor, shipment.vehicle_id)).number
    return Crew(view.full_name, view.phone, truck)


async def free_drivers(session: SessionDep, actor: Actor) -> list[tuple[str, str]]:
    """Drivers who could take a load now (available, holding none), by name."""
    drivers, _ = await fleet.list_drivers(session, actor, "free", 100, None)
    return sorted(((str(d.id), d.full_name) for d in drivers), key=lambda pair: pair[1])


def actions_for(status: str, actor: Actor) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """The page's actions, plain-move buttons and elsewhere-notes for a load in ``status``."""
    actions: list[str] = []
    buttons: list[tuple[str, str]] = []
    notes: list[str] = []
    for target, move in moves_for(status, actor):
        if move.action in BUTTON_MOVES:
            buttons.append((target.value, BUTTON_MOVES[move.action]))
        elif move.action == "deliver":
            notes.append("The driver marks it delivered with a proof of delivery.")
        elif move.action == "fail_delivery":
            notes.append("A failed delivery is reported from the driver's phone.")
        else:
            actions.append(move.action)
        if move.action == "unassign" and any(
            again.action == "assign" for _, again in moves_for(Status.PENDING, actor)
        ):
            actions.append("reassign")  # unassign and assign again, in one go
    if status in BEFORE_PICKUP:
        actions.append("edit")
    if status not in FINAL:
        actions.append("price")
    return actions, buttons, notes


async def staff_panel(session: SessionDep, actor: Actor, shipment: Shipment) -> StaffPanel | None:
    """The staff panel for this shipment (None for customers)."""
    if not actor.is_staff:
        return None
    actions, buttons, notes = actions_for(shipment.status, actor)
    panel = StaffPanel(await crew_of(session, actor, shipment), actions, buttons, notes)
    if "assign" in actions or "reassign" in actions:
        panel.free_drivers = await free_drivers(session, actor)
    return panel


def form_values(
    shipment: Shipment, shown: Presentation
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The shipment as the booking form's values, to edit it or compare with an edit:
    the weight in the organisation's unit, each window as wall-clock time at its stop."""

    def plain(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)

    weight = round(fmt.from_kg(shipment.weight_kg, shown.units), 1)
    values = {
        "customer_id": "",
        "equipment_type": shipment.equipment_type,
        "weight": plain(weight),
        "pieces": plain(shipment.pieces),
        "commodity": plain(shipment.commodity),
        "notes": plain(shipment.notes),
        "hazmat": "on" if shipment.hazmat else "",
        "declared_value": ""
        if shipment.declared_value_cents is None
        else f"{shipment.declared_value_cents / 100:.2f}",
    }
    stops = []
    for stop in shipment.stops:
        row = {
            k: plain(getattr(stop, k))
            for k in ("kind", "name", "address", "city", "region", "postal_code", "country")
        }
        row |= {"lat": plain(stop.lat), "lng": plain(stop.lng)}
        zone = stop.timezone or shown.timezone
        row |= {
            "window_start": fmt.local_input(stop.window_start, zone),
            "window_end": fmt.local_input(stop.window_end, zone),
        }
        stops.append(row)
    return values, stops
