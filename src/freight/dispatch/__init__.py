"""Manual assignment, the auto-dispatch optimiser and proof of delivery."""
