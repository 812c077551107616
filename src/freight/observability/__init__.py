"""Structured logging with redaction, request ids and (later) metrics."""
