"""Request and response bodies of the mail routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from freight.schema import Input

Token = Annotated[str, StringConstraints(min_length=10, max_length=2000)]


class PasswordResetRequest(Input):
    email: EmailStr


class PasswordResetConfirm(Input):
    token: Token
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ResetAccepted(BaseModel):
    detail: str = "if an account uses this address, a reset link is on its way"


class Notifications(BaseModel):
    """Which mails the caller gets: mail type -> on or off."""

    mails: dict[str, bool] = Field(
        description="booking_confirmed, assigned, picked_up, eta_slipped, delivered, "
        "invoice_issued, payment_received, webhook_disabled (as the caller's role allows)"
    )
    labels: dict[str, str] = Field(default_factory=dict, description="how each is named")


class NotificationsUpdate(Input):
    mails: dict[str, bool]


class MailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    template: str
    to_address: str
    subject: str
    status: str
    attempts: int
    shipment_id: uuid.UUID | None
    event_id: int | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None


class MailPage(BaseModel):
    items: list[MailRead]
    next_cursor: str | None
