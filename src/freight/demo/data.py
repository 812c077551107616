"""The demo's fixed data: who signs in, where the hubs are, what moves and at what rates."""

from __future__ import annotations

from freight.access import Role
from freight.billing.schemas import RateCardIn
from freight.shipments.lifecycle import Status

DEMO_ORG = "Demo Freight Co"
DEMO_DOMAIN = "demo.freight.example"
DEMO_USERS = [
    (Role.ADMIN, f"admin@{DEMO_DOMAIN}", "Avery Admin"),
    (Role.DISPATCHER, f"dispatcher@{DEMO_DOMAIN}", "Dana Dispatcher"),
    (Role.CUSTOMER, f"customer@{DEMO_DOMAIN}", "Casey Customer"),
]
# The drivers who can sign in: the first drivers of the fleet (homes in Chicago, Dallas
# and Atlanta), each with a load in a different stage (see ``seed.DRIVER_LOADS``).
DRIVER_LOGINS = [
    (f"driver@{DEMO_DOMAIN}", "Dev Driver"),
    (f"driver2@{DEMO_DOMAIN}", "Dolores Diaz"),
    (f"driver3@{DEMO_DOMAIN}", "Marcus Boone"),
]
DRIVER_NAMES = [
    "Luis Ortega", "Tanya Brooks", "Ray Whitfield", "Keisha Grant", "Tom Kowalski",
    "Priya Natarajan", "Bill Hendricks", "Carmen Ruiz", "Jamal Carter", "Erin McAllister",
    "Hector Salazar", "Lisa Nguyen", "Frank DeLuca", "Angela Price", "Victor Petrov",
    "Shawn Miller", "Rosa Delgado", "Kevin O'Brien", "Maria Santos", "Derek Lawson",
    "Nadia Hassan", "Greg Olsen", "Tiffany Reed", "Omar Haddad", "Jenny Park",
    "Wes Turner", "Alicia Romero", "Dan Kaczmarek", "Brenda Shaw",
]  # fmt: skip
# (city, state, lat, lng)
HUBS = [
    ("Chicago", "IL", 41.8781, -87.6298),
    ("Dallas", "TX", 32.7767, -96.7970),
    ("Atlanta", "GA", 33.7490, -84.3880),
    ("Los Angeles", "CA", 34.0522, -118.2437),
    ("Memphis", "TN", 35.1495, -90.0490),
    ("Indianapolis", "IN", 39.7684, -86.1581),
    ("Columbus", "OH", 39.9612, -82.9988),
    ("Kansas City", "MO", 39.0997, -94.5786),
    ("Denver", "CO", 39.7392, -104.9903),
    ("Phoenix", "AZ", 33.4484, -112.0740),
    ("Houston", "TX", 29.7604, -95.3698),
    ("Nashville", "TN", 36.1627, -86.7816),
    ("Charlotte", "NC", 35.2271, -80.8431),
    ("Harrisburg", "PA", 40.2732, -76.8867),
    ("Salt Lake City", "UT", 40.7608, -111.8910),
    ("Seattle", "WA", 47.6062, -122.3321),
]
Hub = tuple[str, str, float, float]
# What each kind of trailer carries, and how much (kg) its tractor-trailer may load.
COMMODITIES = {
    "dry_van": ["Canned goods", "Auto parts", "Paper products", "Consumer electronics",
                "Beverages", "Household goods"],
    "reefer": ["Frozen poultry", "Produce", "Dairy", "Frozen vegetables"],
    "flatbed": ["Steel coils", "Lumber", "Building materials", "Pipe"],
}  # fmt: skip
CAPACITY_KG = {"dry_van": 20_000, "reefer": 19_000, "flatbed": 21_000}
# The fleet's trailers, by driver number (cycling): mostly dry vans.
TRAILERS = ["dry_van", "reefer", "dry_van", "flatbed", "dry_van"]
# A US carrier's spot rates in 2026 (per mile: van $2.45, reefer $2.85, flatbed $3.10),
# a fuel surcharge as the DOE diesel index puts it, two free hours then $75 an hour.
RATES = RateCardIn(
    currency="USD",
    per_km_cents={"dry_van": 152, "reefer": 177, "flatbed": 193},
    minimum_charge_cents=450_00,
    fuel_surcharge_bp=2350,
    detention_free_minutes=120,
    detention_hourly_cents=75_00,
    tax_rate_bp=0,
    auto_invoice=False,
    terms="Net 30. Detention after 2 free hours at $75.00/hour. Rates valid for 30 days.",
)
# How many of the 50 shipments end in each status.
STATUS_MIX = {
    Status.IN_TRANSIT: 7,
    Status.PENDING: 15,
    Status.ASSIGNED: 8,
    Status.PICKED_UP: 5,
    Status.DELIVERED: 10,
    Status.CANCELLED: 5,
}
CANCEL_REASONS = [
    "shipper cancelled: order moved to next week",
    "consignee closed for inventory",
    "duplicate booking",
    "shipper found a closer carrier",
]
DEMO_SIGNATURE = bytes.fromhex(  # a 1x1 white PNG, standing in for a signed screen
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8ffff3f0005fe02fea7d6a4ba0000000049454e44ae426082"
)
