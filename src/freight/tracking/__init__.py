"""GPS ingest and filtering, positions, ETA and geofence arrival/departure."""
