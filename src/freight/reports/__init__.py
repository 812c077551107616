"""Reports: the numbers a carrier runs on, each one SQL aggregate over the raw facts.

``period`` resolves the filters (dates in the organisation's zone, its units);
``sql`` holds the few expressions that differ between SQLite and PostgreSQL; one module
per family of reports computes them; ``service`` checks who may read which; ``export``
writes any report as CSV or PDF; ``api`` is the route.
"""
