""":class:`RunStore`: the run history over a database URL.

A run is recorded after its analysis has finished, as one complete row in one transaction: a
run interrupted half-way leaves no row, and two runs recorded at once both land (SQLite in WAL
mode with a busy timeout; PostgreSQL's row-level concurrency).
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, load_only

from .database import (
    NoHistory,
    RunNotFound,
    StoreError,
    display_url,
    explain,
    make_engine,
    resolve_url,
    sqlite_file,
)
from .diff import RunDiff, diff_runs
from .migrate import upgrade
from .models import Run
from .records import RunRecord, RunSummary, json_ready, new_run_id

if TYPE_CHECKING:
    from ..analysis import Analysis

__all__ = ["EXPORT_FORMAT", "RunStore"]

#: The ``format`` tag of :meth:`RunStore.export` documents (and its version).
EXPORT_FORMAT = ("detente-run", 1)
_ID = re.compile(r"^[0-9a-z]{4,32}$")
_SUMMARY_COLUMNS = (Run.id, Run.created_at, Run.status, Run.scenario_id, Run.scenario_title,
                    Run.fingerprint, Run.seed, Run.draws, Run.version, Run.seconds)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _summary(row: Run) -> RunSummary:
    return RunSummary(
        id=row.id, created_at=_utc(row.created_at), status=row.status,
        scenario_id=row.scenario_id, scenario_title=row.scenario_title,
        fingerprint=row.fingerprint, seed=None if row.seed is None else int(row.seed),
        draws=row.draws, version=row.version, seconds=row.seconds)


class RunStore:
    """The history of analysis runs in one database.

    ``url``: an SQLAlchemy URL (``sqlite:///path``, ``postgresql://user:pw@host/db``) or a
    file path; default :func:`~detente.store.default_url` (``$DETENTE_DB``, else an SQLite file
    in ``$DETENTE_DATA_DIR`` or the user's data folder). Opening creates or upgrades the schema
    (Alembic); with ``create=False`` a missing SQLite file is :class:`~detente.store.NoHistory`
    instead of a new, empty history. Every failure is a :class:`~detente.store.StoreError` saying how to fix it.

    >>> store = RunStore("sqlite://")      # in memory
    >>> store.list()
    []
    >>> store.close()
    """

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self._url = resolve_url(url)
        self.url = display_url(self._url)
        path = sqlite_file(self._url)
        if not create and path is not None and not path.exists():
            raise NoHistory(f"there is no run history at {path} yet; `detente analyze FILE` "
                            "records runs there (or pass --db, or set DETENTE_DB, to the one "
                            "you mean)")
        self._engine: Engine = make_engine(self._url)
        # An in-memory SQLite history is one connection shared by every thread (StaticPool):
        # two threads using it at once interleave their transactions (or crash the sqlite3
        # module), so its uses take turns. Files and servers have a connection per thread.
        self._serial: AbstractContextManager[Any] = (
            threading.RLock() if self._url.get_backend_name() == "sqlite" and path is None
            else nullcontext())
        try:
            upgrade(self._engine, self.url)
        except StoreError:
            self._engine.dispose()
            raise
        except (SQLAlchemyError, OSError) as e:
            self._engine.dispose()
            raise explain(e, self._url, "open") from None

    # -------------------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunStore({self.url!r})"

    # -------------------------------------------------------------------------- writing
    def record(
        self,
        scenario_text: str,
        analysis: Analysis,
        *,
        timings: dict[str, float] | None = None,
        options: dict[str, Any] | None = None,
        results: dict[str, Any] | None = None,
        status: str = "ok",
    ) -> RunSummary:
        """Store one finished run as a single row, in one transaction.

        ``scenario_text`` is the scenario file's exact text; ``timings`` optional seconds per
        stage; ``options`` how it was run (backend, workers, …: any JSON-ready dict);
        ``results`` ``analysis.to_dict()`` when the caller has it already.
        """
        s = analysis.scenario
        data = json_ready(analysis.to_dict() if results is None else results)
        row_values: dict[str, Any] = {
            "status": status, "scenario_id": s.id, "scenario_title": s.title,
            "fingerprint": analysis.fingerprint, "scenario_text": scenario_text,
            "seed": None if analysis.seed is None else str(int(analysis.seed)),
            "draws": int(analysis.draws), "version": analysis.version,
            "seconds": float(analysis.seconds),
            "timings": None if timings is None else json_ready(dict(timings)),
            "options": json_ready(dict(options or {})), "results": data}
        for _attempt in range(3):
            row = Run(id=new_run_id(), created_at=dt.datetime.now(dt.UTC), **row_values)
            try:
                with self._serial, Session(self._engine, expire_on_commit=False) as session, \
                        session.begin():
                    session.connection(execution_options={"detente_write": True})
                    session.add(row)
            except IntegrityError:  # the same id drawn twice in one millisecond: draw again
                continue
            except SQLAlchemyError as e:
                raise explain(e, self._url, "write to") from None
            return _summary(row)
        raise StoreError(f"could not find a free run id in {self.url}; try again")

    def delete(self, run_id: str) -> None:
        """Delete one run (its full id: no prefixes, so nothing is deleted by mistake)."""
        try:
            with self._serial, Session(self._engine) as session, session.begin():
                session.connection(execution_options={"detente_write": True})
                result = session.execute(delete(Run).where(Run.id == run_id))
                gone = getattr(result, "rowcount", 0)  # a CursorResult for a DELETE
        except SQLAlchemyError as e:
            raise explain(e, self._url, "write to") from None
        if not gone:
            raise RunNotFound(f"no run {run_id!r} in {self.url}; nothing was deleted "
                              "(give the full id, as `detente runs list` shows it)")

    # -------------------------------------------------------------------------- reading
    def list(self, *, limit: int | None = 20, scenario: str | None = None
             ) -> builtins.list[RunSummary]:
        """The newest runs first; ``scenario``: only runs of this scenario id (or fingerprint)."""
        q = select(Run).options(load_only(*_SUMMARY_COLUMNS)).order_by(
            Run.created_at.desc(), Run.id.desc())
        if scenario:
            q = q.where((Run.scenario_id == scenario) | (Run.fingerprint == scenario))
        if limit is not None:
            q = q.limit(max(0, int(limit)))
        try:
            with self._serial, Session(self._engine) as session:
                return [_summary(r) for r in session.scalars(q)]
        except SQLAlchemyError as e:
            raise explain(e, self._url, "read") from None

    def get(self, run_id: str) -> RunRecord:
        """One run with everything; ``run_id`` may be a unique prefix (4 characters or more)."""
        key = (run_id or "").strip().lower()
        if not _ID.match(key):
            raise RunNotFound(f"{run_id!r} is not a run id; run ids are 16 letters and digits, "
                              "as `detente runs list` shows them (a unique prefix of 4 or more "
                              "will do)")
        try:
            with self._serial, Session(self._engine) as session:
                rows = session.scalars(select(Run).where(Run.id.startswith(key))
                                       .order_by(Run.id).limit(6)).all()
        except SQLAlchemyError as e:
            raise explain(e, self._url, "read") from None
        exact = [r for r in rows if r.id == key]
        if exact:
            rows = exact
        if not rows:
            raise RunNotFound(f"no run {run_id!r} in {self.url}; `detente runs list` shows the "
                              "stored runs (pass --db if they are in another database)")
        if len(rows) > 1:
            shown = ", ".join(r.id for r in rows[:5]) + (", …" if len(rows) > 5 else "")
            raise RunNotFound(f"{run_id!r} matches several runs ({shown}); give more of the id")
        row = rows[0]
        s = _summary(row)
        return RunRecord(**vars(s), scenario_text=row.scenario_text, timings=row.timings,
                         options=dict(row.options or {}), results=row.results)

    def diff(self, a: str, b: str) -> RunDiff:
        """What changed between two runs, the older as ``a`` whichever order they come in:
        inputs and results (:func:`~detente.store.diff.diff_runs`)."""
        return diff_runs(self.get(a), self.get(b))

    def export(self, run_id: str) -> dict[str, Any]:
        """Everything stored about one run, as JSON-ready data (``format: detente-run``)."""
        rec = self.get(run_id)
        return {"format": EXPORT_FORMAT[0], "format_version": EXPORT_FORMAT[1], **rec.to_dict()}
