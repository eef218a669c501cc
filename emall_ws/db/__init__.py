"""Persistence: SQLAlchemy 2 models (the single source of the schema) and sessions."""
