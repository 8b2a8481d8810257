"""Alembic environment of the run history.

detente runs its migrations itself when a store is opened (:mod:`detente.store.migrate`), on a
connection it passes in ``config.attributes["connection"]``, inside a transaction it holds (with a
lock, so two processes opening a new database at once do not both create it). The ``alembic``
command line works too, given ``-x url=…`` or ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from detente.store.models import Base


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///runs.sqlite3 upgrade head")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


def _under_alembic() -> bool:
    """True when Alembic loaded this file (not when it is merely imported, e.g. for doctests)."""
    try:
        context.config  # noqa: B018
    except (AttributeError, NameError):
        return False
    return True


if _under_alembic():
    run_migrations()
