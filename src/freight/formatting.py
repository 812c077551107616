"""Numbers, money, weights, distances and times as the organisation's people read them.

The pages (``web/``) and the invoice PDF use it. Presentation only: the API and the
database stay metric, in cents and in UTC. A small table of conventions covers the
locales an organisation can choose (``LOCALES``); it follows what browsers' ``Intl``
prints for them closely enough that a page rendered here and a number a script updates
look alike, without a CLDR dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, get_args

from freight.timezones import zone

Locale = Literal[
    "en-US", "en-CA", "en-GB", "en-AU", "es-MX", "fr-CA", "fr-FR", "de-DE", "es-ES", "nl-NL"
]
LOCALES: tuple[str, ...] = get_args(Locale)

KG_PER_LB = 0.45359237
KM_PER_MI = 1.609344
NBSP = "\u00a0"
NNBSP = "\u202f"

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FR_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
DE_MONTHS = (
    "Jan.",
    "Feb.",
    "März",
    "Apr.",
    "Mai",
    "Juni",
    "Juli",
    "Aug.",
    "Sept.",
    "Okt.",
    "Nov.",
    "Dez.",
)
ES_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")
NL_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True, slots=True)
class Style:
    """How one locale writes numbers, amounts and dates."""

    decimal: str
    group: str
    home_currency: str
    months: tuple[str, ...]
    symbol_after: bool = False  # "3.282,00 €" rather than "$3,282.00"
    symbol_space: bool = False  # "€ 3.282,00"
    min_group: int = 4  # digits before grouping starts (es: 5, "3282" but "13.282")
    day_first: bool = True
    day_dot: bool = False  # "3. Dez."
    hour12: tuple[str, str] | None = None  # the am/pm markers, or a 24-hour clock


STYLES: dict[str, Style] = {
    "en-US": Style(".", ",", "USD", EN_MONTHS, day_first=False, hour12=("AM", "PM")),
    "en-CA": Style(".", ",", "CAD", EN_MONTHS, day_first=False, hour12=("a.m.", "p.m.")),
    "en-GB": Style(".", ",", "GBP", EN_MONTHS),
    "en-AU": Style(".", ",", "AUD", EN_MONTHS, hour12=("am", "pm")),
    "es-MX": Style(".", ",", "MXN", ES_MONTHS, hour12=("a.m.", "p.m.")),
    "fr-CA": Style(",", NBSP, "CAD", FR_MONTHS, symbol_after=True),
    "fr-FR": Style(",", NNBSP, "EUR", FR_MONTHS, symbol_after=True),
    "de-DE": Style(",", ".", "EUR", DE_MONTHS, symbol_after=True, day_dot=True),
    "es-ES": Style(",", ".", "EUR", ES_MONTHS, symbol_after=True, min_group=5),
    "nl-NL": Style(",", ".", "EUR", NL_MONTHS, symbol_space=True),
}
assert set(STYLES) == set(LOCALES), "every locale the API accepts has a style"

SYMBOLS = {"USD": "US$", "CAD": "CA$", "AUD": "A$", "MXN": "MX$", "EUR": "€", "GBP": "£"}
DOLLARS = {"USD", "CAD", "AUD", "MXN"}


def style_of(locale: str) -> Style:
    """The style of ``locale`` (en-US for one this table does not know)."""
    return STYLES.get(locale, STYLES["en-US"])


def number(value: float | Decimal, locale: str = "en-US", decimals: int = 0) -> str:
    """``8000`` as ``8,000`` (en-US), ``8.000`` (de-DE), ``8 000`` (fr-FR)."""
    style = style_of(locale)
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if exact < 0 else ""
    whole, _, part = f"{abs(exact):f}".partition(".")
    if len(whole) >= style.min_group:
        groups: list[str] = []
        while len(whole) > 3:
            whole, tail = whole[:-3], whole[-3:]
            groups.insert(0, tail)
        whole = style.group.join([whole, *groups])
    return f"{sign}{whole}{style.decimal + part if part else ''}"


def _symbol(currency: str, style: Style) -> str:
    if currency == style.home_currency and currency in DOLLARS:
        return "$"
    return SYMBOLS.get(currency, currency)


def money(cents: int | None, currency: str = "USD", locale: str = "en-US") -> str:
    """``328200, "USD"`` as ``$3,282.00`` (en-US) or ``3.282,00 US$`` (de-DE)."""
    if cents is None:
        return ""
    style = style_of(locale)
    amount = number(Decimal(abs(int(cents))) / 100, locale, 2)
    sign = "-" if cents < 0 else ""
    symbol = _symbol(currency.upper(), style)
    if style.symbol_after:
        return f"{sign}{amount}{NBSP}{symbol}"
    if style.symbol_space:
        return f"{symbol}{NBSP}{sign}{amount}"
    return f"{sign}{symbol}{amount}"


def weight(kg: float | None, units: str = "imperial", locale: str = "en-US") -> str:
    """``3628.7`` kg as ``8,000 lb`` (imperial) or ``3,629 kg`` (metric)."""
    if kg is None:
        return ""
    if units == "imperial":
        return f"{number(kg / KG_PER_LB, locale)} lb"
    return f"{number(kg, locale)} kg"


def distance(km: float | None, units: str = "imperial", locale: str = "en-US") -> str:
    """``1995.6`` km as ``1,240 mi`` (imperial) or ``1,996 km`` (metric)."""
    if km is None:
        return ""
    if units == "imperial":
        return f"{number(km / KM_PER_MI, locale)} mi"
    return f"{number(km, locale)} km"


def weight_unit(units: str) -> str:
    """The weight unit a form asks for: ``lb`` or ``kg``."""
    return "lb" if units == "imperial" else "kg"


def to_kg(amount: Decimal, units: str) -> float:
    """A weight typed in the organisation's unit, in kg (the API's unit)."""
    return float(amount) * KG_PER_LB if units == "imperial" else float(amount)


def from_kg(kg: float, units: str) -> float:
    """A weight in kg, in the organisation's unit."""
    return kg / KG_PER_LB if units == "imperial" else kg


def parse_number(raw: str, locale: str = "en-US") -> Decimal | None:
    """A number as a person types it in ``locale`` (``8,000`` or ``8.000,5``), else None."""
    style = style_of(locale)
    text = raw.strip().replace(" ", "").replace(NBSP, "").replace(NNBSP, "")
    text = text.replace(style.group, "") if style.group.strip() else text
    text = text.replace(style.decimal, ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _clock(moment: datetime, style: Style) -> str:
    if style.hour12 is None:
        return f"{moment.hour:02d}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    marker = style.hour12[0] if moment.hour < 12 else style.hour12[1]
    return f"{hour}:{moment.minute:02d} {marker}"


def _day(moment: datetime, style: Style, year: bool) -> str:
    month = style.months[moment.month - 1]
    if not style.day_first:
        return f"{month} {moment.day}, {moment.year}" if year else f"{month} {moment.day}"
    day = f"{moment.day}." if style.day_dot else str(moment.day)
    return f"{day} {month} {moment.year}" if year else f"{day} {month}"


def as_datetime(value: datetime | str | None) -> datetime | None:
    """A timestamp from the database or JSON, aware (naive values are UTC)."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def when(value: datetime | str | None, tz: str | None = None, locale: str = "en-US") -> str:
    """A moment in zone ``tz`` with the zone's abbreviation: ``Dec 3, 2:30 PM CST``.

    The year is shown only when it is not the current one there.
    """
    moment = as_datetime(value)
    if moment is None:
        return ""
    local = moment.astimezone(zone(tz))
    style = style_of(locale)
    year = local.year != datetime.now(local.tzinfo).year
    return f"{_day(local, style, year)}, {_clock(local, style)} {local.tzname()}"


def ago(value: datetime | str | None, now: datetime | None = None) -> str:
    """How long ago, as a person says it: ``just now``, ``12 min ago``, ``3 h ago``,
    ``4 days ago`` ('' for no time; a time ahead of ``now`` is ``just now``)."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    minutes = int(((now or datetime.now(UTC)) - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def time_left(value: datetime | str | None, now: datetime | None = None) -> str:
    """How long until a deadline: ``under a minute left``, ``14 min left``, ``2 h 5 min
    left`` ('' for no time; ``time is up`` once it passed)."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds <= 0:
        return "time is up"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute left"
    if minutes < 60:
        return f"{minutes} min left"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min left" if rest else f"{hours} h left"


def day(value: datetime | str | None, tz: str | None = None, locale: str = "en-US") -> str:
    """A date in zone ``tz``, with its year: ``Dec 3, 2026`` or ``3 Dec 2026``."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    return _day(moment.astimezone(zone(tz)), style_of(locale), True)


def local_input(value: datetime | str | None, tz: str | None) -> str:
    """A moment as a ``datetime-local`` input's value in zone ``tz``."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%dT%H:%M")


def from_local_input(raw: str, tz: str | None) -> datetime | None:
    """A ``datetime-local`` value typed as a wall-clock time in ``tz``, as aware UTC."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return moment.astimezone(UTC)
