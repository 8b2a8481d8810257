"""Runs started from the web app: a queue worked off by one background thread.

A *job* analyses one scenario text (:func:`~detente.analysis.analyze`), records the run in the
store, and renders its report into the report cache. Its progress (``done``/``total`` draws and
a state) is what the page polls. Jobs live in memory; the runs they produce live in the store.

The worker is a daemon thread, so stopping the server never waits for a long analysis; a run
stopped that way leaves nothing in the store (the store writes a run in one transaction, after
the analysis).
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DetenteError, Problem, ScenarioError

if TYPE_CHECKING:
    from ..store.store import RunStore
    from .reports import ReportCache

__all__ = ["Job", "JobRunner"]

log = logging.getLogger("detente.web")

@dataclass
class Job:
    """One run started from the web app, and how far it got."""

    id: str
    scenario: str
    draws: int
    seed: int | None
    text: str = field(repr=False)
    state: str = "queued"  # → running → saving → done (or failed)
    done: int = 0
    total: int = 0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    run_id: str | None = None
    error: str | None = None
    report_error: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def fail(self, error: str, problems: list[Problem] | None = None) -> None:
        self.error = error
        self.problems = list(problems or [])
        self.state = "failed"
        self.finished = time.time()

    def to_dict(self) -> dict[str, Any]:
        now = time.time()
        elapsed = None if self.started is None else (self.finished or now) - self.started
        return {
            "id": self.id, "scenario": self.scenario, "draws": self.draws, "seed": self.seed,
            "state": self.state, "done": self.done, "total": self.total or self.draws,
            "fraction": (self.done / self.total) if self.total else 0.0,
            "elapsed_seconds": elapsed, "run_id": self.run_id,
            "run_url": None if self.run_id is None else f"/runs/{self.run_id}",
            "report_url": None if self.run_id is None else f"/runs/{self.run_id}/report",
            "error": self.error, "report_error": self.report_error,
            "problems": [p.to_dict() for p in self.problems],
        }


class JobRunner:
    """Queue of analysis jobs, worked off one at a time by a daemon thread."""

    def __init__(self, store: RunStore, reports: ReportCache, *, keep: int = 200) -> None:
        self._store = store
        self._reports = reports
        self._keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, scenario: str, text: str, *, draws: int, seed: int | None) -> Job:
        """Queue a run of ``text`` (already validated by the caller) and return its job."""
        job = Job(id=secrets.token_hex(8), scenario=scenario, draws=draws, seed=seed, text=text,
                  total=draws)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:  # forget the oldest finished jobs
                old = next((k for k, j in self._jobs.items() if j.state in ("done", "failed")),
                           None)
                if old is None:
                    break
                del self._jobs[old]
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="detente-web-runs",
                                                daemon=True)
                self._thread.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def close(self) -> None:
        """Stop the worker after the current job (queued jobs are dropped)."""
        self._queue.put(None)

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until a job is done or failed (for tests and scripts)."""
        end = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.state in ("done", "failed"):
                return job
            if time.monotonic() > end:
                raise TimeoutError(f"job {job_id} still {job.state} after {timeout} s")
            time.sleep(0.05)

    # ------------------------------------------------------------------------ worker
    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._run(job)
            except Exception as e:  # a bug: keep the worker alive, log the traceback
                log.exception("run %s of %s failed", job.id, job.scenario)
                job.fail(f"internal error: {type(e).__name__}: {e}")

    def _run(self, job: Job) -> None:
        from ..analysis import analyze
        from ..scenario.load import loads_scenario

        job.state = "running"
        job.started = time.time()
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            job.done, job.total = int(done), int(total)

        try:
            scenario = loads_scenario(job.text, file=f"{job.scenario}.yaml")
            result = analyze(scenario, draws=job.draws, seed=job.seed, progress=progress)
            job.done = job.total = job.draws
            job.state = "saving"
            data = result.to_dict()
            timings = {"analysis": float(result.seconds)}
            timings.update(getattr(result, "timings", None) or {})
            summary = self._store.record(
                job.text, result, results=data, timings=timings,
                options={"draws": job.draws, "seed": job.seed, "backend": "serial",
                         "source": "web", "scenario_file": f"{job.scenario}.yaml"})
        except ScenarioError as e:  # the file changed into a draft between submit and run
            job.fail("the scenario does not validate; fix it and run again", e.problems)
            return
        except DetenteError as e:  # the store cannot be written, …
            job.fail(str(e))
            return
        job.run_id = summary.id
        try:
            self._reports.render(summary.id, result)
        except DetenteError as e:  # the run is kept; the report is made again on demand
            job.report_error = str(e)
        except Exception as e:  # pragma: no cover - a bug in the report
            log.exception("report for run %s failed", summary.id)
            job.report_error = f"internal error: {type(e).__name__}: {e}"
        job.state = "done"
        job.finished = time.time()
        log.info("run %s of %s: %d draws in %.1f s", summary.id, job.scenario, job.draws,
                 time.perf_counter() - t0)
