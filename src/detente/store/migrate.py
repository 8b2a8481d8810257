"""Bring a run history's schema up to date with Alembic, from code, when a store is opened.

The migrations live in this package (``migrations/``), so an installed detente carries them.
Opening a store that is already current costs one query. Otherwise the upgrade runs in one
transaction under a lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so two
processes opening a new database at once do not both create it, and a failed upgrade changes
nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from .database import StoreError

__all__ = ["HEAD", "MIGRATIONS", "alembic_config", "current_revision", "upgrade"]

#: The newest schema revision this detente knows (a test checks it is Alembic's head).
HEAD = "0001"
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
_PG_LOCK = 0x64E7E47E  # the advisory lock id detente's migrations take on PostgreSQL


def alembic_config(connection: Connection | None = None):  # -> alembic.config.Config
    """An Alembic configuration built in code: the package's migrations, on ``connection``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded in the database (None: no detente schema yet)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, where: str) -> None:
    """Create or upgrade the schema to :data:`HEAD`; raise :class:`StoreError` if impossible."""
    with engine.connect() as conn:
        if current_revision(conn) == HEAD:
            return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    with engine.connect() as conn:
        conn.execution_options(detente_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
            rev = current_revision(conn)  # again: another process may have done it meanwhile
            if rev == HEAD:
                return
            cfg = alembic_config(conn)
            if rev is None:
                if inspect(conn).has_table("runs"):
                    raise StoreError(f"{where} already has a table named 'runs' that detente did "
                                     "not create; nothing was changed; use another database "
                                     "for the run history")
            else:
                try:
                    ScriptDirectory.from_config(cfg).get_revision(rev)
                except CommandError:
                    raise StoreError(
                        f"the run history {where} was written by a newer detente (schema "
                        f"revision {rev!r}; this detente knows up to {HEAD!r}); nothing was "
                        "changed; upgrade detente to use it") from None
            command.upgrade(cfg, "head")
