"""Forgot password, end to end through the SMTP server: the same answer for every
address, a single-use link for 30 minutes, every session ended on reset."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

from httpx import AsyncClient

from tests.helpers import PASSWORD, Session, assert_problem, login
from tests.mail.conftest import Inbox, text_of

NEW = "a much longer new passphrase"


def token_in(mail: EmailMessage) -> str:
    found = re.search(r"/app/reset-password\?token=([\w.-]+)", text_of(mail))
    assert found is not None, text_of(mail)
    return found.group(1)


async def ask(http: AsyncClient, email: str) -> dict[str, str]:
    resp = await http.post("/api/auth/password-reset", json={"email": email})
    assert resp.status_code == 202, resp.text
    body: dict[str, str] = resp.json()
    return body


async def test_reset_sets_the_password_and_ends_every_session(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    unknown = await ask(mailing, "nobody@nowhere.example")
    known = await ask(mailing, "Admin@Acme.example")
    assert unknown == known  # nothing tells whether the address has an account
    [mail] = await inbox.wait_for("admin@acme.example")
    assert mail["Subject"] == "Reset your Freight password"
    assert "List-Unsubscribe" not in mail  # not a mail one can turn off
    token = token_in(mail)
    resp = await mailing.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW}
    )
    assert resp.status_code == 204, resp.text
    refreshed = await mailing.post("/api/auth/refresh", json={"refresh_token": acme.refresh_token})
    assert refreshed.status_code == 401  # the old login is over
    bad = await mailing.post(
        "/api/auth/login", json={"email": acme.user["email"], "password": PASSWORD}
    )
    assert bad.status_code == 401
    await login(mailing, acme.user["email"], NEW)
    again = await mailing.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW + "!"}
    )
    body = assert_problem(again, 422)
    assert body["errors"][0]["loc"] == ["body", "token"]
    await asyncio.sleep(0.3)
    assert len(inbox.to("nobody@nowhere.example")) == 0


async def test_a_weak_password_keeps_the_link_usable(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    await ask(mailing, acme.user["email"])
    token = token_in((await inbox.wait_for(acme.user["email"]))[0])
    weak = await mailing.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "short"}
    )
    assert assert_problem(weak, 422)["errors"][0]["loc"][-1] == "password"
    ok = await mailing.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW}
    )
    assert ok.status_code == 204


async def test_forged_and_superseded_links_do_not_work(
    mailing: AsyncClient, acme: Session, inbox: Inbox
) -> None:
    await ask(mailing, acme.user["email"])
    first = token_in((await inbox.wait_for(acme.user["email"]))[0])
    await ask(mailing, acme.user["email"])  # a second request retires the first link
    second = token_in((await inbox.wait_for(acme.user["email"], count=2))[1])
    for token in (first, second[:-3] + "abc", "not-a-token-at-all"):
        resp = await mailing.post(
            "/api/auth/password-reset/confirm", json={"token": token, "password": NEW}
        )
        assert assert_problem(resp, 422)["errors"][0]["loc"] == ["body", "token"]
    ok = await mailing.post(
        "/api/auth/password-reset/confirm", json={"token": second, "password": NEW}
    )
    assert ok.status_code == 204


async def test_two_uses_at_once_one_wins(mailing: AsyncClient, acme: Session, inbox: Inbox) -> None:
    await ask(mailing, acme.user["email"])
    token = token_in((await inbox.wait_for(acme.user["email"]))[0])
    results = await asyncio.gather(
        *(
            mailing.post(
                "/api/auth/password-reset/confirm", json={"token": token, "password": NEW + str(i)}
            )
            for i in range(2)
        )
    )
    assert sorted(r.status_code for r in results) == [204, 422]


async def test_requests_are_rate_limited(mailing: AsyncClient, acme: Session) -> None:
    codes = [
        (
            await mailing.post("/api/auth/password-reset", json={"email": acme.user["email"]})
        ).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [202] * 5 and codes[-1] == 429
    bad = await mailing.post("/api/auth/password-reset", json={"email": "not an address"})
    assert assert_problem(bad, 422)["errors"][0]["loc"] == ["body", "email"]
