"""Metrics, Prometheus rules and a real scrape."""
