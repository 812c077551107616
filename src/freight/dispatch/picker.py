"""The driver picker of every load on the board at once: free drivers who fit first,
nearest first, cut to the best few per load.

A board of 500 loads and 300 drivers used to rank 150,000 pairs one at a time (a
haversine and a refusal each) and render every pair as an ``<option>``: seconds of server
time and megabytes of HTML. Here the distances are one numpy matrix, the fit is decided
per equipment type on vectors, and ``refusal`` (the assignment's own rule, so the words
match what a refused assignment says) runs only for the pairs shown.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from freight.dispatch.assignment import refusal
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import VehicleStatus
from freight.geo import haversine_matrix_km
from freight.shipments.models import Shipment
from freight.shipments.queries import ends

PICKER_SIZE = 5  # drivers per load on the board; the whole ranking is one request away
UNFIT = 1e12  # added to the score of a driver who cannot take the load
UNKNOWN_KM = 1e9  # a driver without a known position ranks after every known one


@dataclass(frozen=True)
class Choice:
    """One driver in a load's picker: how far away, and why they cannot take it (if so)."""

    driver_id: uuid.UUID
    name: str
    deadhead_km: float | None
    problem: str | None


@dataclass(frozen=True)
class Seat:
    """A free driver and the truck they drive (None: no truck on record)."""

    driver: Driver
    vehicle: Vehicle | None


def _fits(shipments: Sequence[Shipment], seats: Sequence[Seat]) -> npt.NDArray[np.bool_]:
    """``fits[i, j]``: driver j may take load i, by the rules of ``refusal`` (hours aside)."""
    kinds = sorted({s.equipment_type for s in shipments})
    row_of = {kind: k for k, kind in enumerate(kinds)}
    qualified = np.array(
        [[kind in seat.driver.equipment_types for seat in seats] for kind in kinds], dtype=bool
    ).reshape(len(kinds), len(seats))
    truck_carries = np.array(
        [
            [seat.vehicle is None or seat.vehicle.equipment_type == kind for seat in seats]
            for kind in kinds
        ],
        dtype=bool,
    ).reshape(len(kinds), len(seats))
    in_service = np.array(
        [seat.vehicle is None or seat.vehicle.status == VehicleStatus.ACTIVE for seat in seats],
        dtype=bool,
    )
    capacity = np.array(
        [math.inf if seat.vehicle is None else seat.vehicle.capacity_kg for seat in seats],
        dtype=np.float64,
    )
    kind_rows = np.array([row_of[s.equipment_type] for s in shipments], dtype=np.intp)
    weights = np.array([s.weight_kg for s in shipments], dtype=np.float64)
    fits: npt.NDArray[np.bool_] = (qualified & truck_carries)[kind_rows]
    fits &= in_service[np.newaxis, :]
    fits &= capacity[np.newaxis, :] >= weights[:, np.newaxis]
    return fits


def _deadhead(
    shipments: Sequence[Shipment], seats: Sequence[Seat], road_factor: float
) -> npt.NDArray[np.float64]:
    """Road km from each driver to each load's first pickup (NaN: position unknown)."""
    pickups = [ends(s)[0] for s in shipments]
    positions = [seat.driver.position for seat in seats]
    lats = [p[0] if p else 0.0 for p in positions]
    lngs = [p[1] if p else 0.0 for p in positions]
    km = haversine_matrix_km([p.lat for p in pickups], [p.lng for p in pickups], lats, lngs)
    km *= road_factor
    unknown = np.array([p is None for p in positions], dtype=bool)
    km[:, unknown] = np.nan
    return km


def rank(
    shipments: Sequence[Shipment],
    seats: Sequence[Seat],
    road_factor: float,
    top: int | None = PICKER_SIZE,
    keep: Mapping[uuid.UUID, uuid.UUID] | None = None,
) -> list[list[Choice]]:
    """Per load, its ``top`` drivers (all with None): who fits first, then nearest, then
    by the seats' order (name); ``keep`` adds a chosen driver to a load's list if missing."""
    if not shipments:
        return []
    if not seats:
        return [[] for _ in shipments]
    km = _deadhead(shipments, seats, road_factor)
    score = np.where(np.isnan(km), UNKNOWN_KM, km)
    score += np.where(_fits(shipments, seats), 0.0, UNFIT)
    order = np.argsort(score, axis=1, kind="stable")
    if top is not None:
        order = order[:, :top]
    index = {seat.driver.id: j for j, seat in enumerate(seats)}
    out = []
    for i, shipment in enumerate(shipments):
        picked = [int(j) for j in order[i]]
        wanted = index.get((keep or {}).get(shipment.id, uuid.UUID(int=0)))
        if wanted is not None and wanted not in picked:
            picked.append(wanted)
        out.append([_choice(shipment, seats[j], km[i, j]) for j in picked])
    return out


def _choice(shipment: Shipment, seat: Seat, km: float) -> Choice:
    return Choice(
        seat.driver.id,
        seat.driver.full_name,
        None if math.isnan(km) else float(km),
        refusal(seat.driver, seat.vehicle, shipment, None),
    )
