"""Admin page for the organisation's rates: per-km by equipment, minimum charge, fuel
surcharge, detention, tax, currency, payment terms text and automatic invoicing.

People type money in major units (``1.95`` per km) and percentages (``24.5``); the form
converts them to minor units and basis points and validates with the API's own
``RateCardIn`` before ``billing.rates.put_card`` saves them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.billing import rates
from freight.billing.schemas import RateCardIn
from freight.deps import Context, SessionDep
from freight.identity import organization
from freight.schema import EquipmentType
from freight.web.admin_forms import (
    Errors,
    notice,
    parse_money,
    parse_percent,
    parse_whole,
)
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Invalid, submit
from freight.web.templating import renderer

if TYPE_CHECKING:
    from freight.billing.models import RateCard

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
RATES = "/app/admin/rates"
EQUIPMENT: tuple[str, ...] = get_args(EquipmentType)
# form field -> (RateCardIn field, parser)
NUMBERS = {
    "minimum_charge": ("minimum_charge_cents", parse_money),
    "fuel_surcharge": ("fuel_surcharge_bp", parse_percent),
    "detention_free_minutes": ("detention_free_minutes", parse_whole),
    "detention_hourly": ("detention_hourly_cents", parse_money),
    "tonu": ("tonu_cents", parse_money),
    "reattempt": ("reattempt_cents", parse_money),
    "layover": ("layover_cents", parse_money),
    "tax_rate": ("tax_rate_bp", parse_percent),
}
RATE_FIELDS = {"km": "per_km_cents", "mi": "per_mile_cents"}  # the form's unit -> its rates
ALIASES = {schema: name for name, (schema, _) in NUMBERS.items()}
ALIASES |= {f"{unit}.{e}": f"rate_{e}" for unit in RATE_FIELDS.values() for e in EQUIPMENT}
ALIASES |= {field: "rates" for field in RATE_FIELDS.values()}
ALIASES |= {"currency": "currency", "terms": "terms"}


def _major(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _values_of(card: RateCard | None, units: str) -> dict[str, str]:
    """The form's text for the saved rates (or an empty form, priced per mile for an
    organisation that shows miles)."""
    if card is None:
        unit = "mi" if units == "imperial" else "km"
        return {"currency": "USD", "detention_free_minutes": "120", "rate_unit": unit}
    values = {
        "rate_unit": card.rate_unit,
        "currency": card.currency,
        "minimum_charge": _major(card.minimum_charge_cents),
        "fuel_surcharge": _major(card.fuel_surcharge_bp),
        "detention_free_minutes": str(card.detention_free_minutes),
        "detention_hourly": _major(card.detention_hourly_cents),
        "tonu": _major(card.tonu_cents),
        "reattempt": _major(card.reattempt_cents),
        "layover": _major(card.layover_cents),
        "tax_rate": _major(card.tax_rate_bp),
        "terms": card.terms or "",
        "auto_invoice": "on" if card.auto_invoice else "",
    }
    for equipment, cents in (card.per_mile_cents or card.per_km_cents).items():
        values[f"rate_{equipment}"] = _major(cents)
    return values


def _render(
    request: Request,
    actor: Actor,
    card: RateCard | None,
    values: dict[str, str],
    *,
    status_code: int = 200,
    errors: Errors | None = None,
) -> Response:
    return renderer(request)(
        request,
        "admin_rates.html",
        actor=actor,
        status_code=status_code,
        card=card,
        equipment=EQUIPMENT,
        values=values,
        errors=errors or {},
        notice=notice(request.query_params.get("done")),
    )


@router.get(RATES)
async def rates_page(request: Request, actor: AdminUser, session: SessionDep) -> Response:
    """The rates form, filled with the saved rates."""
    card = await rates.card_for(session, actor.organization_id)
    shown = await organization.presentation(session, actor.organization_id)
    return _render(request, actor, card, _values_of(card, shown.units))


def _parse(values: dict[str, str]) -> RateCardIn:
    """The form's text as a ``RateCardIn``; ``Invalid`` names the fields that are not numbers."""
    errors: Errors = {}
    body: dict[str, Any] = {
        "currency": values["currency"].upper(),
        "terms": values["terms"] or None,
        "auto_invoice": values["auto_invoice"] == "on",
    }
    unit = values["rate_unit"] if values["rate_unit"] in RATE_FIELDS else "km"
    chosen: dict[str, int] = {}
    body[RATE_FIELDS[unit]] = chosen
    for name, (field, parse) in NUMBERS.items():
        if not values[name]:
            body[field] = 0
            continue
        try:
            body[field] = parse(values[name])
        except ValueError as exc:
            errors[name] = str(exc).capitalize()
    for equipment in EQUIPMENT:
        raw = values[f"rate_{equipment}"]
        if raw:
            try:
                chosen[equipment] = parse_money(raw)
            except ValueError as exc:
                errors[f"rate_{equipment}"] = str(exc).capitalize()
    if not chosen and not errors:
        errors["rates"] = "Set a rate for at least one kind of equipment"
    if errors:
        raise Invalid(errors)
    return RateCardIn.model_validate(body)


@router.post(RATES)
async def save_rates(
    request: Request, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """Replace the organisation's rates; new quotes and bookings price with them."""
    rate_names = ["rate_unit", *(f"rate_{e}" for e in EQUIPMENT)]
    names = ["currency", "terms", "auto_invoice", *NUMBERS, *rate_names]
    values = {name: text(form, name) for name in names}

    async def again(failure: Failure) -> Response:
        card = await rates.card_for(session, actor.organization_id)
        errors, status = failure.errors, failure.status
        return _render(request, actor, card, values, status_code=status, errors=errors)

    return await submit(
        ctx,
        session,
        lambda: rates.put_card(session, actor, _parse(values)),
        done=f"{RATES}?done=rates-saved",
        failed=again,
        fields=ALIASES,
    )
