"""Persistence: the only part of station/ that imports SQLAlchemy or Alembic."""
