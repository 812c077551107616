"""Signed links in mails: unsubscribing (no sign-in needed) and resetting a password.

Both are JWTs signed with ``FREIGHT_SECRET_KEY``, each with its own audience so one can
never be used as the other. An unsubscribe link names the organisation, the address and
the mail type and does not expire (a mail read a year later still unsubscribes). A reset
link names the reset request only; the request row says whether it is still usable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt

UNSUBSCRIBE = "freight:unsubscribe"
RESET = "freight:password-reset"


class BadToken(ValueError):
    """The token is malformed, forged, of another kind or expired."""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    organization_id: uuid.UUID
    email: str
    mail: str


def unsubscribe_token(key: str, wish: Unsubscribe) -> str:
    claims = {
        "aud": UNSUBSCRIBE,
        "org": str(wish.organization_id),
        "em": wish.email,
        "m": wish.mail,
    }
    return jwt.encode(claims, key, algorithm="HS256")


def read_unsubscribe(key: str, token: str) -> Unsubscribe:
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], audience=UNSUBSCRIBE)
        return Unsubscribe(uuid.UUID(claims["org"]), str(claims["em"]), str(claims["m"]))
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise BadToken("this unsubscribe link is not valid") from exc


def reset_token(key: str, reset_id: uuid.UUID, expires_at: datetime) -> str:
    claims = {"aud": RESET, "sub": str(reset_id), "exp": int(expires_at.timestamp())}
    return jwt.encode(claims, key, algorithm="HS256")


def read_reset(key: str, token: str) -> uuid.UUID:
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], audience=RESET)
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise BadToken("this reset link has expired or is not valid") from exc
