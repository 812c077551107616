"""A real SMTP server (aiosmtpd) on 127.0.0.1, and a Freight whose worker mails to it."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope
from httpx import AsyncClient

from freight.settings import Settings
from tests.conftest import base_settings
from tests.helpers import Session, register, running_client
from tests.webhooks.conftest import FAST, eventually


@dataclass
class Inbox:
    """What the SMTP server accepted: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse_next: int = 0  # answer this many DATA commands with 451 (try again later)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Envelope) -> str:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 try again later"
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(([r.lower() for r in envelope.rcpt_tos], parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]

    async def wait_for(
        self, address: str, count: int = 1, within: float = 10.0
    ) -> list[EmailMessage]:
        async def enough() -> list[EmailMessage] | None:
            found = self.to(address)
            return found if len(found) >= count else None

        return await eventually(enough, within)


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    box = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(box, hostname="mail.test", enable_SMTPUTF8=True), "127.0.0.1", 0
    )
    box.port = server.sockets[0].getsockname()[1]
    yield box
    server.close()
    await server.wait_closed()


def mail_settings(database_url: str, tmp_path: Path, port: int | None, **extra: Any) -> Settings:
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none"} if port else {}
    return base_settings(
        database_url,
        tmp_path,
        **FAST,
        **smtp,
        mail_from="Acme Haulage <dispatch@acme.example>",
        public_base_url="https://freight.acme.example",
        **extra,
    )


@pytest.fixture
async def mailing(clean_db: str, tmp_path: Path, inbox: Inbox) -> AsyncIterator[AsyncClient]:
    """A client of a Freight that mails through the local SMTP server."""
    async with running_client(mail_settings(clean_db, tmp_path, inbox.port)) as http:
        yield http


@pytest.fixture
async def acme(mailing: AsyncClient) -> Session:
    return await register(mailing, "Acme Haulage", "admin@acme.example")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())
