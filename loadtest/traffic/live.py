"""Screens with live updates: socket.io clients whose delivery latency becomes Locust rows."""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Any

import socketio
from locust import between, task
from locust.env import Environment

from loadtest.traffic.common import ACTIVE, WS_DELIVERY, FreightUser

_board_turn = itertools.count()


def fire(environment: Environment, name: str, started: float, exc: Exception | None = None) -> None:
    """Record one WS sample (ms since ``started``, a wall-clock time)."""
    environment.events.request.fire(
        request_type="WS",
        name=name,
        response_time=max(0.0, (time.time() - started) * 1000),
        response_length=0,
        exception=exc,
        context={},
    )


class Subscriber(FreightUser):
    """A screen with live updates: a shipper's active loads, or a dispatcher's board.

    Delivery latency is receipt time minus the event's server time (``at``), both on
    this machine's clock: ``WS shipment:updated delivery`` and ``WS dispatch:board delivery``.
    """

    weight = 10
    wait_time = between(10, 20)
    kind = "watcher"

    def on_start(self) -> None:
        """Every third subscriber is a dispatch board; the others watch an account."""
        self.board = next(_board_turn) % 3 == 0
        self.kind = "dispatcher" if self.board else "watcher"
        super().on_start()
        self.watching: set[str] = set()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=1)
        self.sio.on("shipment:updated", self._on_update)
        self.sio.on("dispatch:board", self._on_board)
        started = time.time()
        try:
            self.sio.connect(
                self.host,
                auth={"token": self.token},
                transports=["websocket"],
                wait_timeout=10,
            )
        except Exception as exc:  # counted as a failed WS connect
            fire(self.environment, "connect", started, exc)
            return
        fire(self.environment, "connect", started)
        if self.board:
            started = time.time()
            answer = self.sio.call("subscribe_dispatch", {}, timeout=10)
            ok = isinstance(answer, dict) and answer.get("ok")
            fire(
                self.environment,
                "subscribe_dispatch",
                started,
                None if ok else RuntimeError(str(answer)),
            )
        self.follow()

    def on_stop(self) -> None:
        """Close the socket."""
        if getattr(self, "sio", None) is not None and self.sio.connected:
            self.sio.disconnect()

    def _latency(self, name: str, payload: Any) -> None:
        at = payload.get("at") if isinstance(payload, dict) else None
        if not at:
            return
        sent = datetime.fromisoformat(at).timestamp()
        fire(self.environment, f"{name} {WS_DELIVERY}", sent)

    def _on_update(self, payload: Any) -> None:
        self._latency("shipment:updated", payload)

    def _on_board(self, payload: Any) -> None:
        self._latency("dispatch:board", payload)

    @task
    def follow(self) -> None:
        """Subscribe to the account's loads that are on the move (a shipper's screen)."""
        if self.board or not self.sio.connected:
            return
        page = self.get_json(
            "/api/shipments",
            "GET /api/shipments?status",
            status=list(ACTIVE),
            limit=50,
        )
        for shipment in (page or {}).get("items", []):
            if shipment["id"] in self.watching:
                continue
            started = time.time()
            try:
                answer = self.sio.call("subscribe", {"shipment_id": shipment["id"]}, timeout=10)
            except Exception as exc:
                fire(self.environment, "subscribe", started, exc)
                continue
            ok = isinstance(answer, dict) and answer.get("ok")
            fire(self.environment, "subscribe", started, None if ok else RuntimeError(str(answer)))
            if ok:
                self.watching.add(shipment["id"])
