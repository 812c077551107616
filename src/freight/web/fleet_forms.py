"""Reading the fleet pages' forms: a driver's details and login, a vehicle's details.

Form text becomes the fleet schemas' bodies (empty fields as None); the schemas' own
words for a bad phone or licence are replaced by ones a dispatcher can act on.
"""

from __future__ import annotations

import math
import re
from typing import Any, get_args

from starlette.datastructures import FormData

from freight import formatting as fmt
from freight.fleet.console import Login
from freight.identity.organization import Presentation
from freight.places import placing
from freight.places.geocoder import Geocoder
from freight.places.nearby import closest_name, in_words, nearby
from freight.schema import EquipmentType
from freight.web.admin_forms import parse_uuid
from freight.web.auth import text
from freight.web.forms import Invalid

EQUIPMENT: tuple[str, ...] = get_args(EquipmentType)
DRIVER_TEXT = ("full_name", "phone", "license_number", "license_region", "home_base")
# A home base picked from the suggestions: its coordinates, and the words they belong to.
HOME_PICKED = ("home_lat", "home_lng", "home_picked")
COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
DRIVER_FIELDS = {f: f for f in DRIVER_TEXT} | {
    "equipment_types": "equipment_types",
    "vehicle_id": "vehicle_id",
    "user_id": "user_id",
    "home_lat": "home_base",
    "home_lng": "home_base",
    "email": "email",
    "password": "password",
    "reason": "reason",
}
DRIVER_MESSAGES = {
    "full_name": "Enter the driver's name (at most 200 characters)",
    "phone": "Enter a phone number such as +1 312 555 0142",
    "license_number": "Enter the licence number (3 to 40 characters)",
    "license_region": "Enter the licence's state or region (at most 60 characters)",
    "equipment_types": "Choose the equipment the driver is qualified for",
    "email": "Enter an email address such as drew@example.com",
}
VEHICLE_TEXT = ("number", "kind", "equipment_type", "capacity", "vin")
VEHICLE_FIELDS = {f: f for f in VEHICLE_TEXT} | {"capacity_kg": "capacity", "reason": "reason"}
MAX_CAPACITY_KG = 100_000  # the schema's limit
VEHICLE_MESSAGES = {
    "number": "Enter the truck's number (at most 40 characters)",
    "kind": "Enter the kind of vehicle, such as tractor (at most 40 characters)",
    "equipment_type": "Choose the equipment type",
    "vin": "Enter the 17-character VIN, or leave it empty",
}


def home_base_of(lat: float | None, lng: float | None) -> str:
    """A home base in words for the form: the place at it (``Joplin, MO``), else near
    which place it is, else its coordinates ('' when there is none)."""
    if lat is None or lng is None:
        return ""
    return closest_name(lat, lng) or in_words(nearby(lat, lng)) or f"{lat:.5f}, {lng:.5f}"


def home_values(lat: float | None, lng: float | None) -> dict[str, str]:
    """The home base fields of a saved driver: the words, and the coordinates they stand for."""
    said = home_base_of(lat, lng)
    if not said:
        return {"home_base": "", "home_lat": "", "home_lng": "", "home_picked": ""}
    return {"home_base": said, "home_lat": str(lat), "home_lng": str(lng), "home_picked": said}


async def home_base(
    values: dict[str, Any], geocoder: Geocoder, country: str
) -> tuple[float | None, float | None]:
    """Where the typed home base is: the coordinates of the suggestion picked (while its
    words are unchanged), typed coordinates, or the geocoder's place for the text.

    Raises ``Invalid`` naming ``home_base`` with suggestions when it cannot be placed.
    """
    typed = values["home_base"].strip()
    if not typed:
        return None, None
    if typed == values["home_picked"].strip():
        try:
            return _checked(float(values["home_lat"]), float(values["home_lng"]))
        except ValueError:
            pass
    pair = COORDINATES.match(typed)
    if pair:
        return _checked(float(pair[1]), float(pair[2]))
    place, suggestions = await placing.place_named(typed, geocoder, country)
    if place is not None:
        return place.lat, place.lng
    said = "We could not find this place."
    if suggestions:
        names = " or ".join(placing.label(p) for p in suggestions)
        said += f" Did you mean {names}? Pick it from the list."
    else:
        said += " Type a town and its state, such as Joplin, MO, or a ZIP code."
    raise Invalid({"home_base": said})


def _checked(lat: float, lng: float) -> tuple[float, float]:
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return lat, lng
    raise Invalid({"home_base": "Those coordinates are not on the map."})


def driver_values(form: FormData) -> dict[str, Any]:
    """What was typed in a driver form, to show again (equipment as a list)."""
    values: dict[str, Any] = {name: text(form, name) for name in DRIVER_TEXT + HOME_PICKED}
    values["vehicle_id"] = text(form, "vehicle_id")
    values["equipment_types"] = [e for e in form.getlist("equipment_types") if isinstance(e, str)]
    return values


def driver_body(values: dict[str, Any], home: tuple[float | None, float | None]) -> dict[str, Any]:
    """The ``DriverCreate`` / ``DriverUpdate`` body of a driver form, with the home base
    placed (``home_base``)."""
    body: dict[str, Any] = {
        name: values[name] or None for name in DRIVER_TEXT if name != "home_base"
    }
    body["full_name"] = values["full_name"]
    body["equipment_types"] = values["equipment_types"]
    body["vehicle_id"] = parse_uuid(values["vehicle_id"])
    body["home_lat"], body["home_lng"] = home
    return body


def login_of(form: FormData) -> Login | None:
    """A new login asked for in the form (an email typed), else None."""
    email = text(form, "email")
    password = form.get("password")
    if not email:
        return None
    return Login(email, password if isinstance(password, str) else "")


def vehicle_values(form: FormData) -> dict[str, str]:
    """What was typed in a vehicle form."""
    return {name: text(form, name) for name in VEHICLE_TEXT}


def vehicle_messages(shown: Presentation) -> dict[str, str]:
    """The vehicle form's words for a refused field, the capacity in the organisation's unit."""
    unit = fmt.weight_unit(shown.units)
    most = fmt.number(math.floor(fmt.from_kg(MAX_CAPACITY_KG, shown.units)), shown.locale)
    capacity = f"Enter the capacity in {unit}, more than 0 and at most {most}"
    return VEHICLE_MESSAGES | {"capacity": capacity}


def capacity_text(kg: float, shown: Presentation) -> str:
    """A vehicle's capacity as the form shows it: a plain number in the organisation's unit."""
    return f"{round(fmt.from_kg(kg, shown.units)):d}"


def vehicle_body(values: dict[str, str], shown: Presentation) -> dict[str, Any]:
    """The ``VehicleCreate`` / ``VehicleUpdate`` body, the capacity typed in ``shown`` units
    turned into kg (left as typed when it is not a number: the schema refuses it)."""
    body: dict[str, Any] = {name: values[name] or None for name in VEHICLE_TEXT}
    del body["capacity"]
    amount = fmt.parse_number(values["capacity"], shown.locale)
    typed = values["capacity"] or None
    body["capacity_kg"] = typed if amount is None else round(fmt.to_kg(amount, shown.units), 3)
    body["vin"] = values["vin"].upper() or None
    return body


def hours(minutes: int) -> str:
    """Minutes as ``52 h 30 m``."""
    whole, rest = divmod(max(int(minutes), 0), 60)
    return f"{whole} h {rest:02d} m"
