"""A web run as a record (a job), and the file that keeps the records across restarts.

A :class:`Job` is one run: the scenario, draws and seed asked for, its state and progress, and
what came of it (the run in the store, or the error and the scenario's problems). States:
``queued`` → ``running`` → ``saving`` → ``done``; or ``failed``; ``cancelling`` →
``cancelled``; ``lost``.

**Job states survive a restart.** Every change of state is written by :class:`JobLog` to a small
SQLite file in the app's data folder (``web-jobs.sqlite3``; not the scenario text, not the
progress). Jobs that were waiting or running when the server stopped are marked ``lost`` —
"lost in a restart" — when it stops cleanly, and on the next start if it did not (killed,
crashed): a lost job left nothing in the run history. One server per data folder. The queue that
runs the jobs is :mod:`detente.web.jobs`.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem

__all__ = ["ACTIVE", "CANCELLED", "FINISHED", "LOST", "LOST_SAVING", "Job", "JobLog",
           "new_job_id"]

log = logging.getLogger("detente.web")

#: States of a job that has not finished (it waits, runs, stops or is being saved).
ACTIVE = frozenset({"queued", "running", "cancelling", "saving"})
#: States of a finished job.
FINISHED = frozenset({"done", "failed", "cancelled", "lost"})

LOST = ("lost in a restart: the server stopped before this run finished, so nothing of it was "
        "kept; run it again")
LOST_SAVING = ("lost in a restart while it was being saved: the run history has it only if "
               "its save had finished (see the runs list)")
CANCELLED = "cancelled: nothing of this run was kept"


def new_job_id() -> str:
    import secrets

    return secrets.token_hex(8)


@dataclass
class Job:
    """One run started from the web app, and how far it got."""

    id: str
    scenario: str
    draws: int
    seed: int | None
    text: str = field(repr=False)
    state: str = "queued"
    done: int = 0
    total: int = 0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    run_id: str | None = None
    error: str | None = None
    report_error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def to_dict(self) -> dict[str, Any]:
        now = time.time()
        elapsed = None if self.started is None else (self.finished or now) - self.started
        return {
            "id": self.id, "scenario": self.scenario, "draws": self.draws, "seed": self.seed,
            "state": self.state, "done": self.done, "total": self.total or self.draws,
            "fraction": (self.done / self.total) if self.total else 0.0,
            "created": self.created, "elapsed_seconds": elapsed, "run_id": self.run_id,
            "run_url": None if self.run_id is None else f"/runs/{self.run_id}",
            "report_url": None if self.run_id is None else f"/runs/{self.run_id}/report",
            "status_url": f"/api/jobs/{self.id}",
            "cancel_url": f"/api/jobs/{self.id}/cancel" if self.state in (
                "queued", "running") else None,
            "error": self.error, "report_error": self.report_error,
            "problems": [p.to_dict() for p in self.problems],
        }

    # -------------------------------------------------------------------- persistence
    def record(self) -> dict[str, Any]:
        """What is kept across restarts (not the scenario text, not the progress)."""
        return {"id": self.id, "scenario": self.scenario, "draws": self.draws,
                "seed": self.seed, "state": self.state, "created": self.created,
                "started": self.started, "finished": self.finished, "run_id": self.run_id,
                "error": self.error, "report_error": self.report_error,
                "problems": [p.to_dict() for p in self.problems]}

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> Job:
        problems = []
        for p in doc.get("problems") or []:
            try:
                problems.append(Problem(**p))
            except TypeError:  # a record from another version: keep what reads
                continue
        job = cls(id=str(doc["id"]), scenario=str(doc.get("scenario", "")),
                  draws=int(doc.get("draws") or 0), seed=doc.get("seed"), text="",
                  state=str(doc.get("state", "lost")), created=float(doc.get("created") or 0),
                  started=doc.get("started"), finished=doc.get("finished"),
                  run_id=doc.get("run_id"), error=doc.get("error"),
                  report_error=doc.get("report_error"), problems=problems)
        job.total = job.draws
        if job.state == "done":
            job.done = job.draws
        return job


class JobLog:
    """The jobs' states in an SQLite file (one row per job, its record as JSON).

    Each call opens its own connection, so any thread may call it, before and after the
    runner closes. ``path=None``: nothing is kept (in memory only).
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)
        self._lock = threading.Lock()
        self.marked_lost = 0  # by the last restore()
        if self.path is None:
            return
        try:
            self._setup()
        except sqlite3.DatabaseError as e:  # not an SQLite file (or damaged): start anew
            aside = self.path.with_name(f"{self.path.name}.broken-{int(time.time())}")
            log.warning("the job states in %s cannot be read (%s); moved aside to %s",
                        self.path, e, aside)
            os.replace(self.path, aside)
            self._setup()

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA busy_timeout = 30000")
        con.execute("PRAGMA synchronous = NORMAL")  # WAL: durable but for a power cut
        return con

    def _setup(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, "
                        "created REAL NOT NULL, state TEXT NOT NULL, doc TEXT NOT NULL)")

    def put(self, job: Job) -> None:
        """Write one job's record (after each change of state)."""
        if self.path is None:
            return
        rec = job.record()
        try:
            with self._lock, closing(self._connect()) as con:
                con.execute("INSERT OR REPLACE INTO jobs (id, created, state, doc) "
                            "VALUES (?, ?, ?, ?)",
                            (job.id, job.created, job.state, json.dumps(rec)))
        except sqlite3.Error as e:  # the run itself goes on; its state is not kept
            log.warning("cannot keep the state of job %s in %s: %s", job.id, self.path, e)

    def restore(self, keep: int) -> list[Job]:
        """The newest ``keep`` jobs, oldest first, after marking every job that was still
        waiting or running as lost (the server stopped under it); older ones are forgotten."""
        self.marked_lost = 0
        if self.path is None:
            return []
        jobs: list[Job] = []
        with self._lock, closing(self._connect()) as con:
            rows = con.execute("SELECT doc FROM jobs ORDER BY created DESC, id DESC").fetchall()
            for i, (doc,) in enumerate(rows):
                try:
                    job = Job.from_record(json.loads(doc))
                except (ValueError, KeyError, TypeError):
                    continue
                if job.state not in FINISHED:
                    if job.run_id:  # saved; stopped while its report was made
                        job.state, job.done = "done", job.draws
                        job.report_error = ("the report was not made before the server "
                                            "stopped; it is made when first opened")
                    else:
                        job.error = LOST_SAVING if job.state == "saving" else LOST
                        job.state = "lost"
                        self.marked_lost += 1
                    job.finished = job.finished or time.time()
                    con.execute("UPDATE jobs SET state = ?, doc = ? WHERE id = ?",
                                (job.state, json.dumps(job.record()), job.id))
                if i < keep:
                    jobs.append(job)
            if len(rows) > keep:
                con.execute("DELETE FROM jobs WHERE id NOT IN (SELECT id FROM jobs ORDER BY "
                            "created DESC, id DESC LIMIT ?)", (keep,))
        return jobs[::-1]

    def forget(self, job_ids: list[str]) -> None:
        if self.path is None or not job_ids:
            return
        try:
            with self._lock, closing(self._connect()) as con:
                con.executemany("DELETE FROM jobs WHERE id = ?", [(j,) for j in job_ids])
        except sqlite3.Error as e:
            log.warning("cannot forget old jobs in %s: %s", self.path, e)
