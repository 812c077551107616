"""What ``freight serve --demo`` prints once the demo is seeded: where to go, who to be."""

from __future__ import annotations

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
        f"Open {url} and sign in as {email} (demo data from an earlier start; its",
        f"passwords were printed then; set a new one: freight users set-password {email})",
        "",
    ]
