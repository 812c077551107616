"""Organisations, users, sessions (refresh tokens) and API keys."""
