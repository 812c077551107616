"""Request and response bodies of the webhooks API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from freight.schema import Input
from freight.webhooks.catalog import EVENT_TYPES, is_known_filter

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
EventTypes = Annotated[list[str], Field(max_length=len(EVENT_TYPES) + 10)]
DeliveryStatus = Literal["pending", "delivered", "dead"]


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host and no credentials or fragment."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ValueError("not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with https:// (or http://)")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password; the signature authenticates")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    return value


def check_event_types(value: list[str] | None) -> list[str] | None:
    """Known event types (or ``family.*``), each once; None or empty means every type."""
    if not value:
        return None
    unknown = [v for v in value if not is_known_filter(v)]
    if unknown:
        raise ValueError(f"unknown event type(s): {', '.join(unknown[:5])}")
    return list(dict.fromkeys(value))


class EndpointCreate(Input):
    url: Url
    description: Description | None = None
    event_types: EventTypes | None = Field(
        default=None, description="event types to receive (or `shipment.*`); none: all"
    )
    enabled: bool = True

    _url = field_validator("url")(check_url)
    _types = field_validator("event_types")(check_event_types)


class EndpointUpdate(Input):
    url: Url | None = None
    description: Description | None = None
    event_types: EventTypes | None = None
    enabled: bool | None = None

    _url = field_validator("url")(lambda v: v if v is None else check_url(v))
    _types = field_validator("event_types")(check_event_types)


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str] | None
    enabled: bool
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None
    last_failure_at: datetime | None
    failing_since: datetime | None
    disabled_at: datetime | None
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None = Field(
        description="after a rotation, the old secret also signs until then"
    )


class EndpointCreated(EndpointRead):
    secret: str = Field(
        description="The signing secret (`whsec_...`). It is shown this once and cannot be "
        "recovered; rotate it to get a new one."
    )


class EndpointPage(BaseModel):
    items: list[EndpointRead]
    next_cursor: str | None


class SecretRotation(Input):
    overlap_hours: Annotated[float, Field(ge=0, le=24 * 7)] = Field(
        default=24, description="how long the previous secret keeps signing beside the new one"
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    outcome: str
    started_at: datetime
    duration_ms: int | None
    status_code: int | None
    response_excerpt: str | None = Field(description="the first 1 KB of the answer")
    error: str | None
    worker: str | None = Field(description="the worker process that made the attempt")


class DeliveryRead(BaseModel):
    id: uuid.UUID
    message_id: str = Field(description="the `webhook-id` header, the same on every attempt")
    endpoint_id: uuid.UUID
    event_id: int | None
    event_type: str | None
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempts: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None


class ReplaySince(Input):
    since_event_id: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        description="deliver again every matching event after this one"
    )


class ReplayAccepted(BaseModel):
    queued: int = Field(description="deliveries made pending (new or again)")
    through_event_id: int | None = Field(description="the newest event replayed")
    more: bool = Field(description="more events remain: replay again from through_event_id")
