"""Alembic migrations: one linear history, portable across SQLite and PostgreSQL."""
