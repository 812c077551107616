"""The ``mail`` job kind: recipients from events, one composed message per attempt, and
a record of each message (``MailMessage``) written when the attempt is settled."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.db import utcnow
from freight.mail import recipients
from freight.mail.catalog import EVENT_TYPES
from freight.mail.compose import Composed, Skip, compose
from freight.mail.models import MailMessage, MailStatus
from freight.mail.transport import SendFailed, masked, mime, send
from freight.outbox.kinds import Claimed, EventRef, NewJob, Outcome
from freight.settings import Settings

log = structlog.get_logger("freight.mail")
KIND = "mail"
NOT_KEPT = "[not kept: this mail held a single-use link]"


class MailDeliveries:
    """Mails as outbox jobs (see the package docstring)."""

    name = KIND

    def __init__(self, read_sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.read_sessions = read_sessions
        self.settings = settings

    def wants(self, event_type: str) -> bool:
        return event_type in EVENT_TYPES

    async def horizon(self, session: AsyncSession) -> int | None:
        return None  # the migration that made mail started its cursor at the newest event

    async def expand(self, session: AsyncSession, found: Sequence[EventRef]) -> list[NewJob]:
        return await recipients.expand(session, found)

    async def perform(self, job: Claimed) -> Outcome:
        if job.event_id is None:
            return Outcome(False, permanent=True, error="a mail job without an event")
        try:
            async with self.read_sessions() as session:
                composed = await compose(session, self.settings, job.event_id, job.target)
        except Skip as why:
            return Outcome(True, detail={"status": MailStatus.SKIPPED, "error": str(why)})
        detail: dict[str, object] = {"composed": composed}
        if not self.settings.smtp_host:
            log.info("mail.kept", mail=composed.mail, to=masked(composed.to))
            return Outcome(True, detail=detail | {"status": MailStatus.KEPT})
        try:
            await send(self.settings, mime(composed, self.settings.mail_from, job.id))
        except SendFailed as exc:
            log.warning("mail.failed", mail=composed.mail, to=masked(composed.to), error=str(exc))
            return Outcome(False, permanent=exc.permanent, error=str(exc), detail=detail)
        log.info("mail.sent", mail=composed.mail, to=masked(composed.to))
        return Outcome(True, detail=detail | {"status": MailStatus.SENT, "sent": True})

    async def settle(
        self, session: AsyncSession, job: Claimed, outcome: Outcome, status: str
    ) -> None:
        """Record the message and how its latest attempt ended."""
        d = outcome.detail
        composed = d.get("composed")
        state = str(d.get("status") or (MailStatus.SENT if outcome.ok else MailStatus.FAILED))
        now = utcnow()
        row = await session.get(MailMessage, job.id)
        if row is None:
            row = MailMessage(
                id=job.id,
                organization_id=job.organization_id,
                event_id=job.event_id,
                template="",
                to_address=job.target,
                status=state,
            )
            session.add(row)
        row.status, row.attempts, row.updated_at = state, job.attempt, now
        row.error = (outcome.error or d.get("error") or None) if state != MailStatus.SENT else None
        if isinstance(row.error, str):
            row.error = row.error[:500]
        if isinstance(composed, Composed):
            self._fill(row, composed, sent=bool(d.get("sent")))
        if state in (MailStatus.SENT, MailStatus.KEPT):
            row.sent_at = now

    def _fill(self, row: MailMessage, composed: Composed, sent: bool) -> None:
        row.template, row.subject = composed.mail, composed.subject
        row.shipment_id = composed.shipment_id
        hide = composed.sensitive and sent  # kept mails are the only copy: keep them whole
        row.text_body = NOT_KEPT if hide else composed.text
        row.html_body = f"<p>{NOT_KEPT}</p>" if hide else composed.html
        row.attachments = [
            {"name": a.name, "content_type": a.content_type, "size": len(a.data)}
            for a in composed.attachments
        ]

    async def close(self) -> None:
        return None
