"""The reports' typed answers; each also lays itself out as tables for CSV and PDF."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ReportName = Literal[
    "on-time",
    "revenue",
    "deadhead",
    "utilization",
    "lanes",
    "detention",
    "aging",
    "exceptions",
    "service",
]
Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a report: the first is the CSV export; the PDF prints them all."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]


def pct(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent, one decimal (None of nothing)."""
    return round(100.0 * part / whole, 1) if whole else None


class ReportFilters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_date: date = Field(alias="from")
    to: date
    timezone: str
    units: Literal["mi", "km"] = Field(description="distances in the report are in this unit")
    customer_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    equipment: str | None = None


class Report(BaseModel, ABC):
    title: str
    filters: ReportFilters

    @abstractmethod
    def tables(self) -> list[Table]:
        """The report as tables (the CSV is the first)."""


# on-time -----------------------------------------------------------------------------

LATENESS = ("on_time", "late_under_30m", "late_30m_2h", "late_2h_6h", "late_over_6h")


class Lateness(BaseModel):
    on_time: int = 0
    late_under_30m: int = 0
    late_30m_2h: int = 0
    late_2h_6h: int = 0
    late_over_6h: int = 0


class PunctualityRow(BaseModel):
    kind: Literal["pickup", "delivery"]
    stops: int = 0
    on_time: int = 0
    on_time_pct: float | None = None
    lateness: Lateness = Field(default_factory=Lateness)


class PunctualityWeek(BaseModel):
    week: date = Field(description="the Monday the week starts on, in the organisation's zone")
    pickups: int = 0
    pickups_on_time: int = 0
    pickup_on_time_pct: float | None = None
    deliveries: int = 0
    deliveries_on_time: int = 0
    delivery_on_time_pct: float | None = None


class OnTimeReport(Report):
    report: Literal["on-time"] = "on-time"
    summary: list[PunctualityRow]
    weeks: list[PunctualityWeek]

    def tables(self) -> list[Table]:
        summary = Table(
            "On time by stop kind",
            ["kind", "stops", "on_time", "on_time_pct", *LATENESS],
            [
                [r.kind, r.stops, r.on_time, r.on_time_pct, *r.lateness.model_dump().values()]
                for r in self.summary
            ],
        )
        weekly = Table(
            "By week",
            ["week", "pickups", "on_time", "pct", "deliveries", "on_time", "pct"],
            [
                [
                    w.week.isoformat(),
                    w.pickups,
                    w.pickups_on_time,
                    w.pickup_on_time_pct,
                    w.deliveries,
                    w.deliveries_on_time,
                    w.delivery_on_time_pct,
                ]
                for w in self.weeks
            ],
        )
        return [summary, weekly]


# revenue -----------------------------------------------------------------------------


class RevenueWeek(BaseModel):
    week: date
    currency: str
    invoices: int
    loads: int
    revenue_cents: int = Field(description="invoice lines before tax")
    distance: float = Field(description="of the invoiced loads, in filters.units")
    revenue_per_unit_cents: int | None = Field(description="per mile or km (filters.units)")


class RevenueTotal(BaseModel):
    currency: str
    invoices: int
    loads: int
    revenue_cents: int
    distance: float
    revenue_per_unit_cents: int | None


class RevenueReport(Report):
    report: Literal["revenue"] = "revenue"
    weeks: list[RevenueWeek]
    totals: list[RevenueTotal]

    def tables(self) -> list[Table]:
        unit = self.filters.units
        head = ["currency", "invoices", "loads", "revenue_cents", f"distance_{unit}"]
        return [
            Table(
                "Revenue by week",
                ["week", *head, f"revenue_per_{unit}_cents"],
                [
                    [
                        w.week.isoformat(),
                        w.currency,
                        w.invoices,
                        w.loads,
                        w.revenue_cents,
                        w.distance,
                        w.revenue_per_unit_cents,
                    ]
                    for w in self.weeks
                ],
            ),
            Table(
                "Totals",
                [*head, f"revenue_per_{unit}_cents"],
                [
                    [
                        t.currency,
                        t.invoices,
                        t.loads,
                        t.revenue_cents,
                        t.distance,
                        t.revenue_per_unit_cents,
                    ]
                    for t in self.totals
                ],
            ),
        ]


# aging -------------------------------------------------------------------------------

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")


class AgingRow(BaseModel):
    customer_id: uuid.UUID
    customer_name: str
    currency: str
    current: int = 0
    days_1_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0
    total: int = 0


class AgingTotal(BaseModel):
    currency: str
    current: int = 0
    days_1_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0
    total: int = 0
    invoiced_cents: int = Field(0, description="invoice totals issued in the period")
    dso_days: float | None = Field(
        None, description="days sales outstanding: total / invoiced_cents x days in the period"
    )


class AgingReport(Report):
    report: Literal["aging"] = "aging"
    as_of: date = Field(description="balances as of the end of 'to'; days past due from it")
    accounts: list[AgingRow]
    totals: list[AgingTotal]

    def tables(self) -> list[Table]:
        return [
            Table(
                "Receivables by account",
                ["customer_id", "customer", "currency", *BUCKETS, "total"],
                [
                    [str(a.customer_id), a.customer_name, a.currency]
                    + [getattr(a, b) for b in BUCKETS]
                    + [a.total]
                    for a in self.accounts
                ],
            ),
            Table(
                "Totals",
                ["currency", *BUCKETS, "total", "invoiced_cents", "dso_days"],
                [
                    [
                        t.currency,
                        *(getattr(t, b) for b in BUCKETS),
                        t.total,
                        t.invoiced_cents,
                        t.dso_days,
                    ]
                    for t in self.totals
                ],
            ),
        ]


# detention ---------------------------------------------------------------------------


class DetentionRow(BaseModel):
    customer_id: uuid.UUID
    customer_name: str
    stop_name: str | None
    city: str
    region: str | None
    visits: int = Field(description="stops with both an arrival and a departure")
    detained: int = Field(description="visits longer than the free time")
    dwell_hours: float
    detention_hours: float = Field(description="beyond the free minutes of each load")


class DetentionCustomer(BaseModel):
    customer_id: uuid.UUID
    customer_name: str
    visits: int
    detained: int
    detention_hours: float


class DetentionReport(Report):
    report: Literal["detention"] = "detention"
    stops: list[DetentionRow]
    customers: list[DetentionCustomer]

    def tables(self) -> list[Table]:
        return [
            Table(
                "Detention by customer and stop",
                [
                    "customer",
                    "stop",
                    "city",
                    "region",
                    "visits",
                    "detained",
                    "dwell_hours",
                    "detention_hours",
                ],
                [
                    [
                        r.customer_name,
                        r.stop_name,
                        r.city,
                        r.region,
                        r.visits,
                        r.detained,
                        r.dwell_hours,
                        r.detention_hours,
                    ]
                    for r in self.stops
                ],
            ),
            Table(
                "By customer",
                ["customer", "visits", "detained", "detention_hours"],
                [
                    [c.customer_name, c.visits, c.detained, c.detention_hours]
                    for c in self.customers
                ],
            ),
        ]


# exceptions --------------------------------------------------------------------------


class ExceptionRow(BaseModel):
    kind: str
    reason: str
    count: int
    pieces_affected: int
    amount_cents: int = Field(description="lumper fees paid")


class ExceptionKindTotal(BaseModel):
    kind: str
    count: int


class ExceptionsReport(Report):
    report: Literal["exceptions"] = "exceptions"
    rows: list[ExceptionRow]
    kinds: list[ExceptionKindTotal]
    total: int
    loads: int = Field(description="loads with a pickup window in the period")
    per_100_loads: float | None

    def tables(self) -> list[Table]:
        return [
            Table(
                "Exceptions by kind and reason",
                ["kind", "reason", "count", "pieces_affected", "amount_cents"],
                [[r.kind, r.reason, r.count, r.pieces_affected, r.amount_cents] for r in self.rows],
            ),
            Table("By kind", ["kind", "count"], [[k.kind, k.count] for k in self.kinds]),
        ]


# service -----------------------------------------------------------------------------


class Spend(BaseModel):
    currency: str
    invoiced_cents: int = Field(description="invoice totals (with tax) issued in the period")
    open_cents: int = Field(description="still owed on those and earlier invoices")


class ServiceReport(Report):
    report: Literal["service"] = "service"
    customer_id: uuid.UUID
    customer_name: str
    loads: int = Field(description="loads with a pickup window in the period")
    delivered: int
    pickup_on_time_pct: float | None
    delivery_on_time_pct: float | None
    exceptions: int
    spend: list[Spend]

    def tables(self) -> list[Table]:
        rows: list[list[Cell]] = [
            ["customer", self.customer_name],
            ["loads", self.loads],
            ["delivered", self.delivered],
            ["pickup_on_time_pct", self.pickup_on_time_pct],
            ["delivery_on_time_pct", self.delivery_on_time_pct],
            ["exceptions", self.exceptions],
        ]
        for s in self.spend:
            rows.append([f"invoiced_cents_{s.currency}", s.invoiced_cents])
            rows.append([f"open_cents_{s.currency}", s.open_cents])
        return [Table("Service", ["metric", "value"], rows)]


# deadhead ----------------------------------------------------------------------------


class DeadheadRow(BaseModel):
    driver_id: uuid.UUID
    driver_name: str
    loaded: float = Field(description="driven with a load on board, in filters.units")
    empty: float = Field(description="driven empty (deadhead), in filters.units")
    deadhead_pct: float | None


class PlanSavings(BaseModel):
    applied_plans: int
    optimal_deadhead: float = Field(description="in filters.units")
    greedy_deadhead: float
    saved: float = Field(description="greedy minus optimal deadhead of applied plans")


class DeadheadReport(Report):
    report: Literal["deadhead"] = "deadhead"
    drivers: list[DeadheadRow]
    fleet: DeadheadRow | None = Field(description="all drivers together (driver_id is nil)")
    plans: PlanSavings

    def tables(self) -> list[Table]:
        unit = self.filters.units
        rows = [*self.drivers, *([self.fleet] if self.fleet else [])]
        return [
            Table(
                "Loaded and empty distance",
                ["driver", f"loaded_{unit}", f"empty_{unit}", "deadhead_pct"],
                [[r.driver_name, r.loaded, r.empty, r.deadhead_pct] for r in rows],
            ),
            Table(
                "Optimised plans against greedy",
                ["applied_plans", f"optimal_{unit}", f"greedy_{unit}", f"saved_{unit}"],
                [
                    [
                        self.plans.applied_plans,
                        self.plans.optimal_deadhead,
                        self.plans.greedy_deadhead,
                        self.plans.saved,
                    ]
                ],
            ),
        ]


# utilization -------------------------------------------------------------------------


class UtilizationRow(BaseModel):
    id: uuid.UUID
    name: str
    loads: int
    loaded_hours: float = Field(description="from pickup to delivery, summed")
    active_days: int = Field(description="days in the period with a load on board")
    idle_days: int


class UtilizationReport(Report):
    report: Literal["utilization"] = "utilization"
    days: int
    drivers: list[UtilizationRow]
    vehicles: list[UtilizationRow]

    def tables(self) -> list[Table]:
        head = ["kind", "name", "loads", "loaded_hours", "active_days", "idle_days"]
        rows: list[list[Cell]] = [
            [kind, r.name, r.loads, r.loaded_hours, r.active_days, r.idle_days]
            for kind, group in (("driver", self.drivers), ("vehicle", self.vehicles))
            for r in group
        ]
        return [Table("Utilisation", head, rows)]


# lanes -------------------------------------------------------------------------------


class LaneRow(BaseModel):
    lane: str = Field(description='origin region to destination region, "IL -> TX"')
    origin: str
    destination: str
    currency: str
    loads: int
    distance: float
    revenue_cents: int
    revenue_per_unit_cents: int | None


class LanesReport(Report):
    report: Literal["lanes"] = "lanes"
    lanes: list[LaneRow]

    def tables(self) -> list[Table]:
        unit = self.filters.units
        return [
            Table(
                "Lanes",
                [
                    "lane",
                    "currency",
                    "loads",
                    f"distance_{unit}",
                    "revenue_cents",
                    f"revenue_per_{unit}_cents",
                ],
                [
                    [
                        r.lane,
                        r.currency,
                        r.loads,
                        r.distance,
                        r.revenue_cents,
                        r.revenue_per_unit_cents,
                    ]
                    for r in self.lanes
                ],
            )
        ]


AnyReport = Annotated[
    OnTimeReport
    | RevenueReport
    | DeadheadReport
    | UtilizationReport
    | LanesReport
    | DetentionReport
    | AgingReport
    | ExceptionsReport
    | ServiceReport,
    Field(discriminator="report"),
]
