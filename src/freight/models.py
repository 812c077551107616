"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from freight.identity.models import ApiKey, Organization, RefreshToken, User

__all__ = ["ApiKey", "Organization", "RefreshToken", "User"]
