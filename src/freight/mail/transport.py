"""Handing a composed mail over: to SMTP with ``aiosmtplib``, or, with no SMTP host
configured (the embedded default), to nobody: the message is kept for the Outbox page.

The MIME message has the plain-text part first and the HTML part as its alternative,
the attachments after, a ``Message-ID`` derived from the job (the same on every attempt,
so a receiver can drop a duplicate) and, for mails one may turn off, ``List-Unsubscribe``
with ``List-Unsubscribe-Post`` (RFC 8058 one-click unsubscribe).
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from freight.mail.compose import Composed
from freight.settings import Settings


class SendFailed(Exception):
    """The SMTP server refused or could not be reached; ``permanent``: do not retry."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


def mime(composed: Composed, sender: str, message_id: uuid.UUID) -> EmailMessage:
    """The message as it goes on the wire."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "freight.local"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = composed.to
    message["Subject"] = composed.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{message_id.hex}@{domain}>"
    if composed.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{composed.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(composed.text)
    message.add_alternative(composed.html, subtype="html")
    for attachment in composed.attachments:
        main, _, sub = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=main, subtype=sub, filename=attachment.name
        )
    return message


async def send(settings: Settings, message: EmailMessage) -> None:
    """Send through the configured SMTP server, or raise ``SendFailed``."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            timeout=settings.smtp_timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise SendFailed(f"recipient refused ({codes})", all(c >= 500 for c in codes)) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise SendFailed(f"SMTP answered {exc.code}", 500 <= exc.code < 600) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendFailed(f"could not reach the SMTP server ({type(exc).__name__})") from exc


def masked(address: str) -> str:
    """An address as logs may show it: ``j***@example.com``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
