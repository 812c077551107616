"""Per-shipment message threads and read pointers."""
