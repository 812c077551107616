"""Freight's UAT traffic mix as Locust users.

Who does what (weight out of 50 users, think time per user):

- ``Customer`` (16, 2-6 s): opens and tracks its account's shipments (timeline, ETA,
  track), lists with filters, the public tracking page, messages, books loads, quotes.
- ``Driver`` (12, 3-6 s): posts GPS batches, moves its load through pickup, transit and
  delivery with a proof of delivery, messages.
- ``Subscriber`` (10, 10-20 s): a socket.io client watching its account's active loads
  (or the dispatch board); delivery latency is recorded as ``WS`` rows.
- ``Visitor`` (5, 5-15 s): anonymous, the public tracking page by reference.
- ``Dispatcher`` (4, 3-8 s): reads the board, opens loads, proposes and applies plans.
- ``Office`` (3, 5-15 s): issues draft invoices, records payments, reads history, aging.

Every simulated user signs in with its own account from the seed file (``LOADTEST_SEED``,
written by ``seed.py``), so no two share a rate limit, and sends its own
``X-Forwarded-For`` address, as visitors behind the load balancer would.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from locust import events
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `locust -f` adds only loadtest/

from loadtest.traffic.common import seed_data
from loadtest.traffic.drivers import Driver
from loadtest.traffic.live import Subscriber
from loadtest.traffic.office import Dispatcher, Office
from loadtest.traffic.shippers import Customer, Visitor


def _check_seed(environment: Environment, **_: Any) -> None:
    """Fail fast when the seed file is missing."""
    seed_data()


events.init.add_listener(_check_seed)  # a call, not a decorator: locust leaves it unannotated


__all__ = ["Customer", "Dispatcher", "Driver", "Office", "Subscriber", "Visitor"]
