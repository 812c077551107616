"""Auto-dispatch: propose an optimal plan from the board, store it, apply what still holds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import anyio
import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, get_scoped, scoped
from freight.db import end_read, utcnow
from freight.dispatch import assignment
from freight.dispatch.assignment import Planning, driver_candidate, load_candidate
from freight.dispatch.models import DispatchPlan
from freight.dispatch.optimizer import (
    DriverCandidate,
    LoadCandidate,
    Plan,
    PlanParams,
    RoadTable,
    propose,
)
from freight.dispatch.schemas import (
    ApplyResult,
    PlanAssignment,
    PlanParamsRead,
    PlanResult,
    PlanUnassigned,
    SkippedPair,
)
from freight.errors import Conflict, DomainError, NotFound
from freight.fleet.models import Driver, Vehicle, driver_is_free
from freight.fleet.statuses import VehicleStatus
from freight.observability.metrics import DISPATCH_KM_SAVED, DISPATCH_PLANS
from freight.routing.provider import Coord
from freight.routing.router import Router
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment
from freight.shipments.queries import visible

# The optimiser is CPU-bound: at most two solves at once, in worker threads.
_SOLVER_LIMIT: anyio.CapacityLimiter | None = None


def _limiter() -> anyio.CapacityLimiter:
    global _SOLVER_LIMIT
    if _SOLVER_LIMIT is None:
        _SOLVER_LIMIT = anyio.CapacityLimiter(2)
    return _SOLVER_LIMIT


@dataclass(frozen=True)
class _Inputs:
    """What a plan is solved from: the loads, the drivers that can be placed, and the rest."""

    loads: Sequence[Shipment]
    drivers_considered: int
    candidates: list[DriverCandidate]
    unplaced: list[uuid.UUID]


async def _read_inputs(
    session: AsyncSession,
    actor: Actor,
    shipment_ids: list[uuid.UUID] | None,
    driver_ids: list[uuid.UUID] | None,
) -> _Inputs:
    """Pending loads and free drivers (with usable trucks) in the caller's organisation."""
    load_stmt = scoped(Shipment, actor).where(Shipment.status == Status.PENDING)
    if shipment_ids:
        load_stmt = load_stmt.where(Shipment.id.in_(shipment_ids))
    driver_stmt = scoped(Driver, actor).where(driver_is_free())
    if driver_ids:
        driver_stmt = driver_stmt.where(Driver.id.in_(driver_ids))
    loads = (await session.execute(load_stmt)).scalars().all()
    drivers = (await session.execute(driver_stmt)).scalars().all()
    vehicle_ids = {d.vehicle_id for d in drivers if d.vehicle_id}
    vehicles = {
        v.id: v
        for v in (
            await session.execute(select(Vehicle).where(Vehicle.id.in_(vehicle_ids)))
        ).scalars()
    }
    candidates: list[DriverCandidate] = []
    unplaced: list[uuid.UUID] = []
    for d in drivers:
        vehicle = vehicles.get(d.vehicle_id) if d.vehicle_id else None
        usable = vehicle is None or vehicle.status == VehicleStatus.ACTIVE
        candidate = driver_candidate(d, vehicle) if usable else None
        if candidate is None:
            unplaced.append(d.id)
        else:
            candidates.append(candidate)
    return _Inputs(loads, len(drivers), candidates, unplaced)


def _result(plan: Plan, inputs: _Inputs, params: PlanParams) -> PlanResult:
    """The optimiser's answer as the stored, typed plan (pairs by ``shipment_id``)."""
    references = {s.id: s.reference for s in inputs.loads}
    return PlanResult(
        assignments=[
            PlanAssignment.model_validate(_pair(asdict(a), references)) for a in plan.assignments
        ],
        unassigned=[
            PlanUnassigned.model_validate(_pair(asdict(u), references)) for u in plan.unassigned
        ],
        drivers_without_position=inputs.unplaced,
        loads_considered=len(inputs.loads),
        drivers_considered=inputs.drivers_considered,
        optimal_deadhead_km=round(plan.optimal_deadhead_km, 1),
        greedy_deadhead_km=round(plan.greedy_deadhead_km, 1),
        assigned_count=plan.assigned_count,
        greedy_assigned_count=plan.greedy_assigned_count,
        km_saved=round(plan.km_saved, 1),
        percent_saved=round(plan.percent_saved, 1),
        solve_ms=round(plan.solve_ms, 1),
        distance_source=plan.distance_source,
        estimated_pairs=plan.estimated_pairs,
        params=PlanParamsRead(
            road_factor=params.road_factor,
            average_speed_kmh=params.average_speed_kmh,
            now=params.now,
            horizon_hours=params.horizon_hours,
        ),
    )


async def road_table(
    router: Router, drivers: Sequence[DriverCandidate], loads: Sequence[LoadCandidate]
) -> RoadTable:
    """The router's distance matrix from each driver to each pickup, as loads x drivers
    (the estimate stands in for the pairs the router cannot answer)."""
    if not drivers or not loads:
        empty = np.zeros((len(loads), len(drivers)))
        return RoadTable(empty, empty.copy(), np.ones(empty.shape, dtype=np.bool_), router.name)
    pickups = [Coord(ld.pickup_lat, ld.pickup_lng) for ld in loads]
    matrix = await router.matrix(drivers, pickups)
    return RoadTable(
        matrix.distance_km.T.copy(),
        matrix.duration_s.T / 60.0,
        matrix.estimated.T.copy(),
        matrix.source,
    )


async def create_plan(
    session: AsyncSession,
    actor: Actor,
    planning: Planning,
    router: Router,
    shipment_ids: list[uuid.UUID] | None = None,
    driver_ids: list[uuid.UUID] | None = None,
) -> DispatchPlan:
    """Propose assignments for pending loads and free drivers, and store the proposal."""
    inputs = await _read_inputs(session, actor, shipment_ids, driver_ids)
    params = planning.params()
    loads = [load_candidate(s, params.average_speed_kmh) for s in inputs.loads]
    # Ask the router and solve outside any transaction: the board was read, no lock is held
    # meanwhile, and the plan is stored in a transaction of its own (apply re-checks every
    # pair).
    await end_read(session)
    road = await road_table(router, inputs.candidates, loads)
    plan = await anyio.to_thread.run_sync(
        propose, inputs.candidates, loads, params, road, limiter=_limiter()
    )
    stored = DispatchPlan(
        organization_id=actor.organization_id,
        created_by=actor.user_id,
        result=_result(plan, inputs, params).model_dump(mode="json"),
    )
    session.add(stored)
    await session.flush()
    DISPATCH_PLANS.inc()
    DISPATCH_KM_SAVED.inc(max(plan.km_saved, 0.0))
    return stored


def _pair(values: dict[str, Any], references: dict[uuid.UUID, str]) -> dict[str, Any]:
    """An optimiser pair (or left-over load) named by ``shipment_id``, its km rounded."""
    shipment_id = values.pop("load_id")
    rounded = {k: round(v, 1) if isinstance(v, float) else v for k, v in values.items()}
    return {"shipment_id": shipment_id, "reference": references[shipment_id], **rounded}


async def get_plan(session: AsyncSession, actor: Actor, plan_id: uuid.UUID) -> DispatchPlan:
    """One stored plan of the organisation."""
    return await get_scoped(session, DispatchPlan, actor, plan_id)


async def apply_plan(
    session: AsyncSession,
    actor: Actor,
    plan_id: uuid.UUID,
    planning: Planning,
    only: list[uuid.UUID] | None = None,
) -> ApplyResult:
    """Assign each proposed pair that still passes every check; report what was skipped.

    The plan row is locked first, so of two concurrent applies of one plan the second
    waits and then finds it applied.
    """
    plan = (
        await session.execute(
            scoped(DispatchPlan, actor)
            .where(DispatchPlan.id == plan_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if plan is None:
        raise NotFound(DispatchPlan.__name__.lower(), plan_id)
    if plan.applied_at is not None:
        raise Conflict("this plan was already applied; propose a new one")
    wanted = set(only) if only else None
    stored = PlanResult.model_validate(plan.result)
    pairs = [p for p in stored.assignments if wanted is None or p.shipment_id in wanted]
    loaded = await assignment.load_for_batch(
        session, actor, [p.shipment_id for p in pairs], [p.driver_id for p in pairs]
    )
    applied: list[PlanAssignment] = []
    skipped: list[SkippedPair] = []
    for pair in pairs:
        try:
            async with events.savepoint(session):
                await assignment.assign(
                    session,
                    actor,
                    pair.shipment_id,
                    pair.driver_id,
                    None,
                    planning,
                    plan_id=plan.id,
                    loaded=loaded,
                )
            applied.append(pair)
        except DomainError as exc:
            because = exc.detail or exc.code
            skipped.append(SkippedPair(**pair.model_dump(), skipped_because=because))
    plan.applied_at = utcnow()
    plan.applied_by = actor.user_id
    await session.flush()
    return ApplyResult(plan_id=plan.id, applied=applied, skipped=skipped)


async def driver_names(
    session: AsyncSession, actor: Actor, ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The names of these drivers of the organisation, by id."""
    if not ids:
        return {}
    stmt = scoped(Driver, actor).with_only_columns(Driver.id, Driver.full_name)
    rows = await session.execute(stmt.where(Driver.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


async def outcomes(
    session: AsyncSession, actor: Actor, pairs: list[PlanAssignment]
) -> dict[uuid.UUID, str]:
    """After applying: whether each load went to its proposed driver."""
    keys = [p.shipment_id for p in pairs]
    if not keys:
        return {}
    stmt = visible(select(Shipment), actor).where(Shipment.id.in_(keys))
    now = {s.id: s for s in (await session.execute(stmt)).scalars()}
    out = {}
    for pair in pairs:
        shipment = now.get(pair.shipment_id)
        if shipment is not None and shipment.driver_id == pair.driver_id:
            out[pair.shipment_id] = "Assigned"
        else:
            out[pair.shipment_id] = "Not assigned (not chosen, or no longer valid)"
    return out
