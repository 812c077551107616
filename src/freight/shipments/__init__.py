"""Shipper accounts, shipments with stops, the lifecycle and the timeline."""
