"""Demo data for the embedded default: the plan's UAT set.

One organisation with a user of every role (and three drivers who can sign in), a rate
card, a shipper account, a fleet of drivers and trucks spread over US freight hubs, and
50 shipments across every status, built through the same services the API uses (so the
prices, the event log, its hash chains, the GPS tracks and the proofs of delivery are
real). See ``freight.demo.stories`` for when each load happens.
"""

from freight.demo.data import DEMO_USERS, DRIVER_LOGINS, HUBS, RATES
from freight.demo.people import DemoLogin
from freight.demo.seed import advance, seed_demo

__all__ = ["DEMO_USERS", "DRIVER_LOGINS", "HUBS", "RATES", "DemoLogin", "advance", "seed_demo"]
