"""Small database-vendor facts the models and raw SQL need."""

from django.conf import settings


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def code_collation() -> str | None:
    """Record codes sort in code-point order (exchange.md). SQLite's default BINARY
    collation already does; PostgreSQL needs "C" whatever the database's locale."""
    return "C" if is_postgres() else None
