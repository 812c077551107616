"""The admin "Outbox": every mail of the organisation, sent or kept, and each one read.

On the embedded default (no SMTP host) this is where mails go instead of a mail server,
so ``make run`` shows what customers would receive. The HTML part is served on its own
address with a sandboxing Content-Security-Policy: no script in a mail can run here.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.mail import service
from freight.web.auth import web_role
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@router.get("/app/admin/outbox")
async def outbox(request: Request, actor: AdminUser, session: SessionDep, ctx: Context) -> Response:
    """The mails, newest first."""
    rows, next_cursor = await service.list_messages(
        session, actor, 50, request.query_params.get("cursor")
    )
    return renderer(request)(
        request,
        "admin_outbox.html",
        actor=actor,
        messages=rows,
        next_cursor=next_cursor,
        kept_here=not ctx.settings.smtp_host,
    )


@router.get("/app/admin/outbox/{message_id}")
async def message(
    request: Request, message_id: uuid.UUID, actor: AdminUser, session: SessionDep
) -> Response:
    """One mail: who, what, how it ended, and its plain-text part."""
    mail = await service.get_message(session, actor, message_id)
    return renderer(request)(request, "admin_outbox_message.html", actor=actor, mail=mail)


@router.get("/app/admin/outbox/{message_id}/html")
async def message_html(message_id: uuid.UUID, actor: AdminUser, session: SessionDep) -> Response:
    """The HTML part as the recipient's mail program shows it, sandboxed."""
    mail = await service.get_message(session, actor, message_id)
    headers = {"Content-Security-Policy": SANDBOX, "Cache-Control": "private, no-store"}
    return HTMLResponse(mail.html_body, headers=headers)
