"""``GET /api/places``: what a typed place name or ZIP code may mean, best first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from freight.db import end_read
from freight.deps import Context, CurrentUser, SessionDep
from freight.errors import invalid
from freight.identity import organization
from freight.places.geocoder import PlaceQuery
from freight.places.schemas import PlacePage, PlaceRead

router = APIRouter(prefix="/api/places", tags=["places"])

MAX_QUERY = 100
MAX_LIMIT = 50


@router.get("")
async def search_places(
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY,
            description='a city ("Springfield, IL", typos welcome), its first letters, '
            "or a US ZIP code (3 to 5 digits)",
        ),
    ],
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="only places in this ISO alpha-2 country"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="at most this many")] = 10,
) -> PlacePage:
    """Places matching ``q``, typo-tolerant, ranked by how well they match, then the
    caller's organisation's country, then population. Works with no network; with
    ``FREIGHT_GEOCODER`` set, the server's places, in its order."""
    await ctx.limits.hit(ctx.limits.places, actor.principal)
    if not q.strip():
        raise invalid("query", "q", msg="type a place name or a ZIP code")
    code = country.upper() if country else None
    if code is not None and not ctx.geocoder.knows_country(code):
        raise invalid("query", "country", msg=f"{code} is not an ISO 3166 country code")
    shown = await organization.presentation(session, actor.organization_id)
    if ctx.geocoder.remote:
        await end_read(session)  # no connection held while a geocoding server answers
    # Asked as someone types (the booking page's suggestions): a prefix search fits.
    query = PlaceQuery(q, code, shown.country, limit, partial=True)
    found = await ctx.geocoder.search(query)
    return PlacePage(items=[PlaceRead.of(p) for p in found])
