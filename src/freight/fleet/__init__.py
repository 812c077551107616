"""Drivers, vehicles and availability."""
