"""Checking what clients send over socket.io: shapes, types and ranges, before any use.

A payload that does not fit is answered ``{ok: false, error}`` naming the field; no
value reaches the database unless it fits the column (event ids are 64-bit).
"""

from __future__ import annotations

import uuid
from typing import Any

MAX_EVENT_ID = 2**63 - 1
MAX_TOKEN_CHARS = 4096


class BadPayload(ValueError):
    """The message names the field and what was expected."""


def _mapping(data: Any, expected: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadPayload(f"invalid: expected {expected}")
    return data


def _shipment_id(data: dict[str, Any]) -> uuid.UUID:
    value = data.get("shipment_id")
    if not isinstance(value, str) or len(value) > 64:
        raise BadPayload("invalid shipment_id: expected a UUID string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadPayload("invalid shipment_id: expected a UUID string") from None


def parse_shipment_ref(data: Any) -> uuid.UUID:
    """``{shipment_id}``."""
    return _shipment_id(_mapping(data, "{shipment_id}"))


def parse_subscribe(data: Any) -> tuple[uuid.UUID, int]:
    """``{shipment_id, since_event_id?}``; ``since_event_id`` an integer in 0 .. 2**63-1."""
    body = _mapping(data, "{shipment_id, since_event_id?}")
    shipment_id = _shipment_id(body)
    since = body.get("since_event_id")
    if since is None:
        return shipment_id, 0
    # bool is an int in Python; 1.0 or "5" are not event ids either.
    if isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= MAX_EVENT_ID:
        raise BadPayload(f"invalid since_event_id: expected an integer from 0 to {MAX_EVENT_ID}")
    return shipment_id, since


def parse_reauth(data: Any) -> str:
    """``{token}``: a fresh access token."""
    token = _mapping(data, "{token}").get("token")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise BadPayload("invalid token: expected an access token string")
    return token
