"""Where the run history lives: resolving its URL, opening it, and explaining failures.

SQLite by default, in the user's data folder (no setup); PostgreSQL by URL. Every failure a user
can fix becomes a :class:`StoreError` that says what went wrong and how to fix it; passwords
never appear in messages.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..errors import DetenteError

__all__ = [
    "ENV_DATA_DIR",
    "ENV_DB",
    "NoHistory",
    "RunNotFound",
    "StoreError",
    "default_url",
    "display_url",
    "explain",
    "make_engine",
    "resolve_url",
    "sqlite_file",
]

ENV_DB = "DETENTE_DB"
ENV_DATA_DIR = "DETENTE_DATA_DIR"
DB_FILE = "runs.sqlite3"
#: How long a writer waits for another process's transaction on SQLite (milliseconds).
BUSY_TIMEOUT_MS = 60_000
#: How long to wait for a PostgreSQL server to answer before giving up (seconds).
CONNECT_TIMEOUT_S = 10

_URL_HINT = ("use sqlite:///PATH (or just a file path) or postgresql://USER:PASSWORD@HOST/DATABASE")


class StoreError(DetenteError):
    """The run history cannot be opened, read or written; the message says how to fix it."""

    exit_code = 1


class RunNotFound(StoreError):
    """No run has this id (or an id prefix matches several runs)."""


class NoHistory(StoreError):
    """There is no run history at this place yet (and it was not to be created)."""


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL (None: in memory, or not SQLite)."""
    db = url.database or ""
    if url.get_backend_name() != "sqlite" or db in ("", ":memory:") or db.startswith("file:"):
        return None
    return Path(db)


def default_url() -> str:
    """The run history's URL when none is given: ``$DETENTE_DB``, else an SQLite file in
    ``$DETENTE_DATA_DIR`` or the user's data folder (``platformdirs.user_data_dir("detente")``).
    """
    env = os.environ.get(ENV_DB, "").strip()
    if env:
        return env
    return "sqlite:///" + str(data_dir() / DB_FILE)


def data_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """detente's data folder (run history, web workspace): ``folder``, else
    ``$DETENTE_DATA_DIR``, else the user's data folder (``platformdirs.user_data_dir``)."""
    if folder is not None and str(folder).strip():
        return Path(folder).expanduser()
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("detente", appauthor=False))


def resolve_url(url: str | None = None) -> URL:
    """Parse a database URL (or a plain file path, taken as an SQLite file).

    ``postgresql://`` and ``postgres://`` use the psycopg 3 driver.

    >>> resolve_url("runs.db").drivername
    'sqlite'
    >>> resolve_url("postgresql://me@localhost/runs").drivername
    'postgresql+psycopg'
    """
    raw = default_url() if url is None or not str(url).strip() else str(url).strip()
    if "://" not in raw:  # a file path
        return URL.create("sqlite", database=str(Path(raw).expanduser()))
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise StoreError(f"{_mask(raw)!r} is not a database URL; {_URL_HINT}") from None
    backend = parsed.get_backend_name()
    if backend == "postgres" or backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise StoreError(f"the run history must be SQLite or PostgreSQL; got {backend!r} in "
                         f"{display_url(parsed)}; {_URL_HINT}")
    return parsed


def display_url(url: URL | str) -> str:
    """The URL with its password hidden."""
    if isinstance(url, str):
        return _mask(url)
    return url.render_as_string(hide_password=True)


def _mask(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw if "@" not in raw else "…@" + raw.rsplit("@", 1)[1]


def make_engine(url: URL) -> Engine:
    """An engine for the run history: WAL and a busy timeout on SQLite; a connect timeout on
    PostgreSQL. Creates the SQLite file's folder."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return create_engine(url, connect_args=args, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as e:
        raise StoreError(
            f"cannot use {display_url(url)}: the PostgreSQL driver is not installed ({e}); "
            "install it with `pip install 'detente[postgres]'` (psycopg 3)") from None


def _wal(cur: Any) -> None:
    """Put the database in WAL mode (persistent: a no-op once set). SQLite answers "database is
    locked" at once, without its busy handler, when another connection is creating the file or
    switching it at the same moment: retry, with backoff, up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.002
    while True:
        try:
            cur.execute("PRAGMA journal_mode")
            if str(cur.fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(2 * delay, 0.1)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if memory:
        engine = create_engine(url, poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        path = Path(database)
        if path.is_dir():
            raise StoreError(f"{path} is a folder; the run history is a file: give a file name, "
                             f"e.g. --db {path / DB_FILE}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the folder {path.parent} for the run history: "
                             f"{e.strerror}; set {ENV_DATA_DIR} or pass --db") from None
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below), so pysqlite's own transaction handling is off.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not memory:
                _wal(cur)
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock at BEGIN, waiting for other writers (busy timeout),
        # instead of failing at once when it upgrades a read lock later.
        write = conn.get_execution_options().get("detente_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def explain(exc: BaseException, url: URL, doing: str) -> StoreError:
    """A :class:`StoreError` for a database failure while ``doing`` something (a short phrase)."""
    where = display_url(url)
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    detail = first[0] if first else type(exc).__name__
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and "file is not a database" in detail:
        return StoreError(f"{where} is not an SQLite database, so it cannot hold the run "
                          "history; nothing was changed; pass another file with --db")
    if sqlite and ("unable to open" in detail or "readonly" in detail):
        return StoreError(f"cannot {doing} the run history {where}: {detail}; check that the "
                          f"folder exists and is writable, or set {ENV_DATA_DIR} or --db")
    if sqlite and "locked" in detail:
        return StoreError(f"cannot {doing} the run history {where}: another process held it "
                          f"for more than {BUSY_TIMEOUT_MS // 1000} s ({detail}); try again")
    if not sqlite and isinstance(exc, OperationalError):
        return StoreError(f"cannot connect to the run history {where}: {detail}; check that "
                          "the server is running and the host, port, user, password and "
                          "database in the URL")
    if isinstance(exc, SQLAlchemyError):
        return StoreError(f"cannot {doing} the run history {where}: {detail}")
    return StoreError(f"cannot {doing} the run history {where}: {type(exc).__name__}: {detail}")
