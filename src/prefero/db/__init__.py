"""Storage: declarative base, engine and session factory, Alembic migrations."""
