"""The bench's databases on either engine: SQLite files under bench/out by default, PostgreSQL
databases on the server DATABASE_URL names (postgres://...). The bench never writes into the
database the URL names: it makes its own beside it, named after it, dropped and made anew.
"""

import urllib.parse
from pathlib import Path

POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgis://")


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(POSTGRES_SCHEMES)


def _admin_sql(url: str, statement: str) -> None:
    """One statement on the server's `postgres` database (CREATE/DROP DATABASE cannot run in
    a transaction, nor on the database they name)."""
    import psycopg

    admin = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(statement)


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def fresh_postgres(url: str, name: str, template: str | None = None) -> str:
    """An empty database `name` on url's server (a copy of `template` if given): its URL."""
    _admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_sql(url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def drop_postgres(url: str) -> None:
    _admin_sql(url, f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
