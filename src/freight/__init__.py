"""Freight: operations platform for trucking and freight companies."""

__version__ = "0.1.0"
