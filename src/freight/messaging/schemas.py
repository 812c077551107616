"""Request and response bodies for shipment messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from freight.schema import Input

# The configured limit (FREIGHT_MESSAGE_MAX_CHARS) is checked by the service; this cap only
# keeps absurd bodies from being parsed at all.
HARD_MAX_CHARS = 100_000


class MessageCreate(Input):
    body: Annotated[str, Field(min_length=1, max_length=HARD_MAX_CHARS)]


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shipment_id: uuid.UUID
    author_id: uuid.UUID | None
    author_role: str
    author_name: str
    body: str
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None
    unread_count: int = Field(description="messages from others after your read pointer")
    last_read_id: int


class ReadRequest(Input):
    up_to_id: Annotated[int, Field(ge=1, le=2**62)]


class ReadState(BaseModel):
    shipment_id: uuid.UUID
    user_id: uuid.UUID
    up_to_id: int
    unread_count: int


class UnreadShipment(BaseModel):
    shipment_id: uuid.UUID
    unread_count: int


class UnreadSummary(BaseModel):
    items: list[UnreadShipment]
    total: int
