"""What ``freight serve --demo`` prints once the demo is seeded: where to go, who to be."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence

from freight.access import Role
from freight.demo.people import DemoLogin

# What each demo login shows first, in the order a newcomer would try them.
ORDER = [Role.DISPATCHER, Role.CUSTOMER, Role.DRIVER, Role.ADMIN]
SEES = {
    Role.DISPATCHER: "the dispatch board: pending loads, drivers, auto-dispatch",
    Role.CUSTOMER: "the shipper's portal: book with a live quote, track loads",
    Role.ADMIN: "users, API keys, rates, invoices and payments",
}
DRIVER_SEES = [  # the demo's driver logins, in order (see ``seed.DRIVER_LOADS``)
    "a phone's view: a load in transit",
    "a phone's view: a load assigned, pickup ahead",
    "a phone's view: loaded at the pickup dock",
]


def banner(logins: Sequence[DemoLogin], url: str) -> list[str]:
    """The lines to print: the URL and one sign-in per demo user."""
    dispatcher = next(login for login in logins if login.role == Role.DISPATCHER)
    width = max(len(login.email) for login in logins)
    lines = [
        "",
        "=" * 78,
        f"Open {url} and sign in as {dispatcher.email} / {dispatcher.password}",
        "",
        "Demo users (passwords are shown this once; reset one with",
        "`freight users set-password EMAIL`):",
    ]
    drivers = iter(DRIVER_SEES)
    for role in ORDER:
        for login in (x for x in logins if x.role == role):
            sees = SEES.get(role) or next(drivers, "a driver's loads")
            lines.append(f"  {role.value:<10} {login.email:<{width}}  {login.password}  {sees}")
    lines += ["", f"API docs: {url}/docs   Stop with Ctrl-C.", "=" * 78, ""]
    return lines


def already_seeded(url: str, email: str) -> list[str]:
    """The lines to print when the demo was seeded by an earlier start."""
    return [
        "",
        f"Open {url} and sign in as {email}",
        "(the demo's passwords were printed at its first start; set a new one with",
        "`.venv/bin/freight users set-password EMAIL`)",
        "",
    ]


class Announcement:
    """Print lines once the server accepts connections (after its own start-up logs).

    ``flush`` prints them at once if they have not been yet: call it when serving ends,
    so passwords shown only once are never lost to a server that failed to start.
    """

    def __init__(self, lines: Sequence[str], host: str, port: int) -> None:
        self.lines, self.host, self.port = list(lines), host, port
        self._lock = threading.Lock()
        self._done = threading.Event()

    def start(self, timeout_s: float = 120.0) -> None:
        threading.Thread(target=self._wait, args=(timeout_s,), daemon=True).start()

    def _wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._done.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                self._done.wait(0.1)
        self.flush()

    def flush(self) -> None:
        with self._lock:
            if not self._done.is_set():
                self._done.set()
                print("\n".join(self.lines), flush=True)
