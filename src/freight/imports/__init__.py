"""CSV imports and exports of shipments, drivers, vehicles and shipper accounts.

``kinds`` says each kind's columns and how a row becomes the body its create service
takes; ``reading`` checks the file and streams its records; ``service`` validates and
imports them in batches; ``export`` writes the same columns back out.
"""
