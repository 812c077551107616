"""Request and response bodies of the identity API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from freight.access import Role
from freight.formatting import Locale
from freight.schema import Input, Secret
from freight.timezones import is_zone

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, Field(min_length=1, max_length=256), Secret()]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{5,30}$")]


class RegisterRequest(Input):
    organization_name: Name
    email: EmailStr
    password: Password
    full_name: Name


class LoginRequest(Input):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    password: Password
    # Only needed when the email and password open accounts in several organisations
    # (the 409 ``organization_required`` lists them).
    organization_id: uuid.UUID | None = None


class RefreshRequest(Input):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    phone: str | None
    customer_id: uuid.UUID | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None


class UserCreate(Input):
    email: EmailStr
    full_name: Name
    role: Role
    password: Password
    phone: Phone | None = None
    customer_id: uuid.UUID | None = Field(
        default=None, description="the shipper account; required for customers"
    )


class UserUpdate(Input):
    full_name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    phone: Phone | None = None
    customer_id: uuid.UUID | None = None
    is_active: bool | None = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int
    user: UserRead


class RegisterAccepted(BaseModel):
    """The same answer whether or not the email already had an account."""

    status: str = "accepted"
    detail: str = (
        "If this email was not registered yet, the organisation and its admin now exist: "
        "sign in with this email and password. If it was, nothing changed."
    )


class ApiKeyCreate(Input):
    name: Name
    role: Role
    expires_at: AwareDatetime | None = Field(
        default=None, description="when the key stops working; none: it does not expire"
    )


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    role: Role
    prefix: str
    created_at: datetime
    created_by: uuid.UUID | None = Field(
        description="the admin who made it; their deactivation or demotion revokes it"
    )
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret key. It is shown this once and cannot be recovered.")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyRead]
    next_cursor: str | None


# --- shipper accounts ------------------------------------------------------------------

Cents = Annotated[int, Field(ge=0, le=10**12)]


# Who else at the shipper is mailed about its loads (booked, picked up, delivered...).
Contacts = Annotated[
    list[EmailStr],
    Field(max_length=10, description="addresses mailed about this account's loads"),
]


class CustomerCreate(Input):
    name: Name
    billing_email: EmailStr
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    billing_address: Annotated[str, StringConstraints(max_length=500)] | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] = 30
    credit_limit_cents: Cents | None = None
    notification_emails: Contacts = []


class CustomerUpdate(Input):
    name: Name | None = None
    billing_email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    billing_address: Annotated[str, StringConstraints(max_length=500)] | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    credit_limit_cents: Cents | None = None
    notification_emails: Contacts | None = None


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    billing_email: str
    phone: str | None
    billing_address: str | None
    payment_terms_days: int
    credit_limit_cents: int | None
    notification_emails: list[str] = []
    created_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None


# --- organisation settings -------------------------------------------------------------

Units = Literal["imperial", "metric"]
PaperSize = Literal["letter", "a4"]
Country = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{2}$")]
ZoneName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description="an IANA time zone, e.g. America/Chicago: times on pages are shown in it"),
]


class OrganizationRead(BaseModel):
    """How the organisation's pages show units, money, times and paper (the API does not)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    units: Units
    locale: Locale
    paper_size: PaperSize
    timezone: str
    country: str


class OrganizationUpdate(Input):
    name: Name | None = None
    units: Units | None = None
    locale: Locale | None = None
    paper_size: PaperSize | None = None
    timezone: ZoneName | None = None
    country: Country | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_zone(value):
            raise ValueError("not a known IANA time zone, e.g. America/Chicago")
        return value
