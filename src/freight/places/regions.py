"""Region codes people write for Canada and Mexico, from GeoNames' numeric admin1 codes.

GeoNames gives US places their state's postal code (``IL``) but Canadian and Mexican
places a number (``08`` is Ontario). These tables turn those numbers into the ISO 3166-2
codes people write on an address, with the names a query may spell out. (The numbers
were checked against each region's largest city in the shipped data.)
"""

from __future__ import annotations

# GeoNames admin1 code -> (ISO 3166-2 subdivision code, name)
CANADA = {
    "01": ("AB", "Alberta"),
    "02": ("BC", "British Columbia"),
    "03": ("MB", "Manitoba"),
    "04": ("NB", "New Brunswick"),
    "05": ("NL", "Newfoundland and Labrador"),
    "07": ("NS", "Nova Scotia"),
    "08": ("ON", "Ontario"),
    "09": ("PE", "Prince Edward Island"),
    "10": ("QC", "Quebec"),
    "11": ("SK", "Saskatchewan"),
    "12": ("YT", "Yukon"),
    "13": ("NT", "Northwest Territories"),
    "14": ("NU", "Nunavut"),
}

MEXICO = {
    "01": ("AGU", "Aguascalientes"),
    "02": ("BCN", "Baja California"),
    "03": ("BCS", "Baja California Sur"),
    "04": ("CAM", "Campeche"),
    "05": ("CHP", "Chiapas"),
    "06": ("CHH", "Chihuahua"),
    "07": ("COA", "Coahuila"),
    "08": ("COL", "Colima"),
    "09": ("CMX", "Ciudad de Mexico"),
    "10": ("DUR", "Durango"),
    "11": ("GUA", "Guanajuato"),
    "12": ("GRO", "Guerrero"),
    "13": ("HID", "Hidalgo"),
    "14": ("JAL", "Jalisco"),
    "15": ("MEX", "Estado de Mexico"),
    "16": ("MIC", "Michoacan"),
    "17": ("MOR", "Morelos"),
    "18": ("NAY", "Nayarit"),
    "19": ("NLE", "Nuevo Leon"),
    "20": ("OAX", "Oaxaca"),
    "21": ("PUE", "Puebla"),
    "22": ("QUE", "Queretaro"),
    "23": ("ROO", "Quintana Roo"),
    "24": ("SLP", "San Luis Potosi"),
    "25": ("SIN", "Sinaloa"),
    "26": ("SON", "Sonora"),
    "27": ("TAB", "Tabasco"),
    "28": ("TAM", "Tamaulipas"),
    "29": ("TLA", "Tlaxcala"),
    "30": ("VER", "Veracruz"),
    "31": ("YUC", "Yucatan"),
    "32": ("ZAC", "Zacatecas"),
}

BY_COUNTRY = {"CA": CANADA, "MX": MEXICO}

# What people write for a country besides its ISO code and GeoNames name.
COUNTRY_ALIASES = {
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "mexique": "MX",
    "mejico": "MX",
}


def region_code(country: str, admin1: str) -> str | None:
    """The code shown for a place's region: the postal or ISO code where known, GeoNames'
    own code when it is letters (``ENG``, ``ZH``), else none (a bare number means nothing
    to a reader)."""
    table = BY_COUNTRY.get(country)
    if table is not None:
        known = table.get(admin1)
        return known[0] if known else None
    return admin1 if admin1.isalpha() else None
