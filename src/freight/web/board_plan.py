"""An auto-dispatch plan as the board shows it: each pair with its reasons in words,
the km saved against the greedy baseline, and the loads no driver can take, with why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from freight import formatting as fmt
from freight.access import Actor
from freight.deps import SessionDep
from freight.dispatch import plans
from freight.dispatch.schemas import PlanAssignment, PlanResult, PlanUnassigned
from freight.identity import organization
from freight.routing.router import ESTIMATE, LABELS

if TYPE_CHECKING:
    from freight.dispatch.models import DispatchPlan

RULES = {
    "equipment": ("lack the equipment", "has the equipment"),
    "capacity": ("have too little capacity", "has the capacity"),
    "hours": ("have too few hours of service left", "has the hours"),
    "window": ("cannot reach the pickup window", "makes the pickup window"),
}


def _hours(minutes: float) -> str:
    whole, rest = divmod(round(minutes), 60)
    return f"{whole} h {rest:02d} min" if whole else f"{rest} min"


@dataclass(frozen=True)
class PairView:
    shipment_id: str
    reference: str
    driver_id: str
    driver_name: str
    deadhead_km: float
    reasons: list[str]
    outcome: str | None  # once applied: "Assigned" or why not


@dataclass(frozen=True)
class LeftOver:
    shipment_id: str
    reference: str
    why: str


@dataclass(frozen=True)
class PlanView:
    id: uuid.UUID
    applied: bool
    pairs: list[PairView]
    left_over: list[LeftOver]
    drivers_without_position: int
    loads_considered: int
    drivers_considered: int
    optimal_km: float
    greedy_km: float
    km_saved: float
    percent_saved: float
    assigned_count: int
    greedy_assigned_count: int
    distances_from: str  # where the road distances came from, in words


def distances_from(result: PlanResult) -> str:
    """Where the plan's road distances came from: "OSRM", "OSRM (12 pairs estimated)"."""
    if result.distance_source == ESTIMATE:
        return "Road estimate (straight-line distance times the road factor)"
    name = LABELS.get(result.distance_source, result.distance_source)
    if not result.estimated_pairs:
        return name
    pairs = "pair" if result.estimated_pairs == 1 else "pairs"
    return f"{name} ({result.estimated_pairs:,} {pairs} estimated: the server did not answer)"


def reasons_of(pair: PlanAssignment, units: str = "imperial", locale: str = "en-US") -> list[str]:
    """Why this pair: the empty distance and time to pickup, the window, the hours left."""
    if pair.minutes_to_pickup < 1:
        out = ["already at the pickup: no empty driving"]
    else:
        out = [
            f"{fmt.distance(pair.deadhead_km, units, locale)} empty to the pickup, about "
            f"{_hours(pair.minutes_to_pickup)} away"
        ]
    rests = pair.arrive_minutes - pair.minutes_to_pickup
    if rests >= 1:
        out.append(f"can be there in {_hours(pair.arrive_minutes)}, with {_hours(rests)} of rests")
    if pair.wait_minutes > 0:
        out.append(f"arrives {_hours(pair.wait_minutes)} before the pickup window opens")
    out.append(f"{_hours(pair.slack_minutes)} to spare before the window closes")
    oks = {"equipment": pair.equipment_ok, "capacity": pair.capacity_ok, "hours": pair.hours_ok}
    fits = [RULES[rule][1] for rule, ok in oks.items() if ok]
    if fits:
        out.append("driver " + ", ".join(fits))
    out.append(f"{_hours(pair.hos_minutes_after)} of service left after the load")
    return out


def why_left_over(entry: PlanUnassigned) -> str:
    """Why no driver takes this load, in words."""
    if entry.reason == "outcompeted":
        return "Drivers who could take it are needed for other loads in this plan."
    if entry.reason == "beyond_horizon":
        return "Its pickup is after this plan's horizon: a later plan will cover it."
    parts = [f"{n} {RULES[rule][0]}" for rule, n in entry.ruled_out.items() if n and rule in RULES]
    if not parts:
        return "No available driver can take it."
    return "No available driver can take it: " + "; ".join(parts) + "."


async def plan_view(session: SessionDep, actor: Actor, plan: DispatchPlan) -> PlanView:
    """The stored plan with driver names (and, once applied, what happened to each pair)."""
    result = PlanResult.model_validate(plan.result)
    pairs = result.assignments
    names = await plans.driver_names(session, actor, {p.driver_id for p in pairs})
    outcomes = await plans.outcomes(session, actor, pairs) if plan.applied_at else {}
    shown = await organization.presentation(session, actor.organization_id)
    return PlanView(
        id=plan.id,
        applied=plan.applied_at is not None,
        pairs=[
            PairView(
                shipment_id=str(p.shipment_id),
                reference=p.reference,
                driver_id=str(p.driver_id),
                driver_name=names.get(p.driver_id, "a driver"),
                deadhead_km=p.deadhead_km,
                reasons=reasons_of(p, shown.units, shown.locale),
                outcome=outcomes.get(p.shipment_id),
            )
            for p in pairs
        ],
        left_over=[
            LeftOver(str(u.shipment_id), u.reference, why_left_over(u)) for u in result.unassigned
        ],
        drivers_without_position=len(result.drivers_without_position),
        loads_considered=result.loads_considered,
        drivers_considered=result.drivers_considered,
        optimal_km=result.optimal_deadhead_km,
        greedy_km=result.greedy_deadhead_km,
        km_saved=result.km_saved,
        percent_saved=result.percent_saved,
        assigned_count=result.assigned_count,
        greedy_assigned_count=result.greedy_assigned_count,
        distances_from=distances_from(result),
    )
