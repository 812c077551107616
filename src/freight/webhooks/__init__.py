"""Signed webhooks: endpoints an organisation's admins register, and the outbox job kind
that delivers the organisation's public events to them (Standard Webhooks)."""
