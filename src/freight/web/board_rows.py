"""The board's table rows: one per open load, with what its filters, sort and pickup-date
strip look at, and those filters as query parameters.

The page renders every row and the same filters run twice: here, so a link or a reload
(or a browser without JavaScript) shows the filtered, sorted board, and in
``js/board.js`` on the rows already in the page, so typing in the search box answers at
once; the script writes the filters back into the address bar. Both read the row's
``data-`` attributes' values as computed here, so they agree.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from freight.dispatch.board import ActiveCard, Board, LoadCard
from freight.formatting import as_datetime
from freight.shipments.lifecycle import Status
from freight.timezones import zone

if TYPE_CHECKING:
    from freight.shipments.models import Stop

SORTS = ("pickup", "reference", "customer", "lane", "equipment", "weight")
DAYS = ("today", "tomorrow", "later")  # "today" holds the overdue loads too
# "" and PENDING: the loads to dispatch; "open": every load not yet delivered.
STATUSES = (
    "PENDING",
    "ASSIGNED",
    "PICKED_UP",
    "IN_TRANSIT",
    "ATTEMPT_FAILED",
    "RETURNING",
    "open",
)


def place(stop: Stop) -> str:
    return f"{stop.city}, {stop.region}" if stop.region else stop.city


@dataclass(frozen=True)
class Row:
    """One load as the table shows, filters and sorts it."""

    card: LoadCard | ActiveCard
    status: str
    lane: str
    day: str
    date: str  # the pickup's calendar day in the organisation's zone, ISO
    overdue: bool  # the pickup window closed before now
    search: str
    unread: int

    @property
    def pickup_key(self) -> str:
        moment = as_datetime(self.card.pickup.window_start)
        return moment.isoformat() if moment else ""

    def key(self, sort: str) -> tuple[Any, ...]:
        """Sort key: the column, then pickup time and reference (as the script sorts)."""
        s = self.card.shipment
        column: Any = {
            "pickup": "",
            "reference": s.reference,
            "customer": self.card.customer.lower(),
            "lane": self.lane.lower(),
            "equipment": s.equipment_type,
            "weight": s.weight_kg,
        }[sort]
        return (column, self.pickup_key, s.reference)


@dataclass(frozen=True)
class BoardFilters:
    """What the toolbar asks for; unknown values are dropped, as the shipments list does."""

    q: str = ""
    status: str = "PENDING"
    equipment: str = ""
    day: str = ""
    date: str = ""
    customer: str = ""
    lane: str = ""
    unread: bool = False
    sort: str = "pickup"
    dir: str = "asc"

    @classmethod
    def parse(cls, params: dict[str, str]) -> BoardFilters:
        """From the query string."""
        status = params.get("status", "")
        sort, direction = params.get("sort", ""), params.get("dir", "")
        day, date = params.get("day", ""), params.get("date", "")
        return cls(
            q=params.get("q", "").strip()[:100],
            status=status if status in STATUSES else "PENDING",
            equipment=params.get("equipment", "")[:40],
            day=day if day in DAYS else "",
            date=date if _is_iso_date(date) else "",
            customer=params.get("customer", "")[:40],
            lane=params.get("lane", "")[:300],
            unread=params.get("unread") == "1",
            sort=sort if sort in SORTS else "pickup",
            dir="desc" if direction == "desc" else "asc",
        )

    def matches(self, row: Row, *, any_day: bool = False) -> bool:
        """Whether the row passes every filter (``any_day``: all but the date strip)."""
        s = row.card.shipment
        words = self.q.lower().split()
        return (
            (self.status == "open" or row.status == self.status)
            and (not self.equipment or s.equipment_type == self.equipment)
            and (any_day or not self.day or row.day == self.day)
            and (not self.date or row.date == self.date)
            and (not self.customer or str(s.customer_id) == self.customer)
            and (not self.lane or row.lane == self.lane)
            and (not self.unread or row.unread > 0)
            and all(w in row.search for w in words)
        )

    def link(self, **changes: Any) -> str:
        """``?…`` for these filters with ``changes``, defaults left out."""
        chosen = dataclasses.replace(self, **changes)
        default = BoardFilters()
        pairs = []
        for f in dataclasses.fields(self):
            value = getattr(chosen, f.name)
            if value != getattr(default, f.name):
                pairs.append((f.name, "1" if value is True else str(value)))
        return "?" + urlencode(pairs) if pairs else "?"

    def sort_link(self, column: str) -> str:
        """The header's link: this column ascending, or descending when it already is."""
        flip = self.sort == column and self.dir == "asc"
        return self.link(sort=column, dir="desc" if flip else "asc")


def _is_iso_date(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _row(card: LoadCard | ActiveCard, now: datetime, tz: str, unread: int) -> Row:
    here = zone(tz)
    start = as_datetime(card.pickup.window_start) or now
    end = as_datetime(card.pickup.window_end) or start
    local = start.astimezone(here)
    today = now.astimezone(here).date()
    ahead = (local.date() - today).days
    day = DAYS[0] if ahead <= 0 else DAYS[1] if ahead == 1 else DAYS[2]
    lane = f"{place(card.pickup)} → {place(card.delivery)}"
    # The script searches the same three attributes: reference, customer and lane.
    words = [card.shipment.reference, card.customer, lane]
    return Row(
        card=card,
        status=card.shipment.status,
        lane=lane,
        day=day,
        date=local.date().isoformat(),
        overdue=end < now,
        search=" ".join(words).lower(),
        unread=unread,
    )


@dataclass
class Table:
    """The rows (sorted, each with whether it shows) and what the toolbar offers."""

    pending: list[tuple[Row, bool]]
    moving: list[tuple[Row, bool]]
    day_counts: dict[str, int]
    overdue: int
    equipment: list[str]
    customers: list[tuple[str, str]]  # (id, name)
    lanes: list[str]
    shown: int


def table(
    board: Board, filters: BoardFilters, unread: dict[Any, int], tz: str, now: datetime
) -> Table:
    """The board's rows filtered and sorted as ``filters`` ask, the strip's counts."""
    cards: list[LoadCard | ActiveCard] = [*board.loads, *board.active]
    rows = [_row(c, now, tz, unread.get(c.shipment.id, 0)) for c in cards]
    # One sort for both lists; every key ends with pickup time and reference.
    rows.sort(key=lambda r: r.key(filters.sort), reverse=filters.dir == "desc")
    counted = [r for r in rows if filters.matches(r, any_day=True)]
    days = Counter(r.day for r in counted)
    pending = [(r, filters.matches(r)) for r in rows if r.status == Status.PENDING]
    moving = [(r, filters.matches(r)) for r in rows if r.status != Status.PENDING]
    customers = {str(c.shipment.customer_id): c.customer for c in cards}
    return Table(
        pending=pending,
        moving=moving,
        day_counts={d: days.get(d, 0) for d in DAYS},
        overdue=sum(1 for r in counted if r.overdue),
        equipment=sorted({c.shipment.equipment_type for c in cards}),
        customers=sorted(customers.items(), key=lambda kv: kv[1].lower()),
        lanes=sorted({r.lane for r in rows}),
        shown=sum(1 for _, shown in pending + moving if shown),
    )
