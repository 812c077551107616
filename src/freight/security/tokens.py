"""Access tokens (short-lived JWTs) and opaque refresh and API-key secrets."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from freight.db import utcnow
from freight.errors import Unauthorized
from freight.settings import Settings

ALGORITHM = "HS256"
ACCESS = "access"
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says about its holder."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: str
    expires_at: datetime
    # The server-side session (the login) this token belongs to; it dies with it.
    session_id: uuid.UUID


class TokenService:
    """Issues and verifies the JWTs that authenticate API calls."""

    def __init__(self, settings: Settings) -> None:
        self._key = settings.secret_key.get_secret_value()
        self._issuer = settings.jwt_issuer
        self.access_ttl = timedelta(minutes=settings.access_token_minutes)
        self.refresh_ttl = timedelta(days=settings.refresh_token_days)
        self._verified: dict[str, AccessClaims] = {}

    def issue_access(
        self, user_id: uuid.UUID, organization_id: uuid.UUID, role: str, session_id: uuid.UUID
    ) -> str:
        """A signed access token for this user's session ``session_id``."""
        now = utcnow()
        claims = {
            "sub": str(user_id),
            "org": str(organization_id),
            "role": role,
            "sid": str(session_id),
            "typ": ACCESS,
            "iss": self._issuer,
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify_access(self, token: str) -> AccessClaims:
        """Decode and check an access token; anything wrong is 401.

        A token that verified once is remembered until it expires: its signature cannot
        change, and whether its user and its session may still act is checked on every
        call elsewhere (``deps.principal``).
        """
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at <= utcnow():
                del self._verified[token]
                raise Unauthorized("token expired")
            return known
        claims = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[token] = claims
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "org", "role", "typ", "sid"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("invalid token") from None
        if claims.get("typ") != ACCESS:
            raise Unauthorized("invalid token")
        try:
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                organization_id=uuid.UUID(claims["org"]),
                role=str(claims["role"]),
                expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
                session_id=uuid.UUID(claims["sid"]),
            )
        except (ValueError, TypeError):
            raise Unauthorized("invalid token") from None


def new_secret(prefix: str, nbytes: int = 32) -> str:
    """A random opaque secret such as a refresh token or an API key."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret, the only form in which it is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()
