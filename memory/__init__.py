"""Persistence: SQLAlchemy models, Alembic migrations, repositories and the audit log."""
