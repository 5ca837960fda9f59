"""Alembic migration scripts for gridbot's database (run them with `gridbot db upgrade`)."""
