"""Passwords, tokens, field encryption and rate limits."""
