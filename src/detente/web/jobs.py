"""Runs started from the web app: a bounded queue worked off by a few background threads.

A *job* analyses one scenario text (:func:`~detente.analysis.analyze`), records the run in the
store, and renders its report into the report cache. Its progress (``done``/``total`` draws and
a state) is what the page polls.

- **A bounded queue.** At most ``workers`` jobs run at once; at most ``max_queued`` wait. A run
  asked for when the queue is full is refused at once (:class:`QueueFull`, HTTP 429 with a
  ``Retry-After``), never queued without bound.
- **Cancel.** A waiting job is cancelled at once; a running one stops at its next chunk of
  draws (the analysis reports progress chunk by chunk) and before it is saved. Nothing of a
  cancelled job is kept: the store writes a run in one transaction, only after the analysis,
  and a job past that point (``saving``) can no longer be cancelled (HTTP 409).
- **Job states survive a restart.** Every change of state is written to a small SQLite file in
  the app's data folder; jobs a stop interrupted are marked ``lost``. The job record, its
  states and that file are :mod:`detente.web.job_states`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING

from ..errors import DetenteError, Problem, ScenarioError
from .job_states import CANCELLED, FINISHED, LOST, Job, JobLog, new_job_id

if TYPE_CHECKING:
    from ..store.store import RunStore
    from .reports import ReportCache

__all__ = ["MAX_QUEUED", "CancelRefused", "JobRunner", "QueueFull"]

log = logging.getLogger("detente.web")

MAX_QUEUED = 32
"""Most runs that may wait for a worker; one more is refused (HTTP 429)."""


class QueueFull(DetenteError):
    """The run queue is full: the run was not queued (HTTP 429; try again later)."""

    status = 429

    def __init__(self, message: str, retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CancelRefused(DetenteError):
    """The job is past the point where it can be cancelled (HTTP 409)."""

    status = 409


class _Cancelled(Exception):
    """Raised in the analysis's progress callback to stop a cancelled job."""


class JobRunner:
    """A bounded queue of analysis jobs, worked off by ``workers`` daemon threads.

    ``keep``: how many finished jobs are remembered (in memory and in ``state_file``);
    ``max_queued``: how many may wait; ``state_file``: where job states are kept across
    restarts (None: nowhere).
    """

    def __init__(self, store: RunStore, reports: ReportCache, *, keep: int = 200,
                 workers: int | None = None, max_queued: int = MAX_QUEUED,
                 state_file: str | os.PathLike[str] | None = None) -> None:
        self._store = store
        self._reports = reports
        self._keep = max(1, int(keep))
        self.workers = max(1, int(workers if workers is not None
                                  else min(2, os.cpu_count() or 1)))
        self.max_queued = max(0, int(max_queued))
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._waiting: deque[Job] = deque()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.log = JobLog(state_file)
        for job in self.log.restore(self._keep):
            self._jobs[job.id] = job
        #: How many jobs this start found interrupted by the last stop (now lost).
        self.lost_at_start = self.log.marked_lost

    # ------------------------------------------------------------------------ asking
    def submit(self, scenario: str, text: str, *, draws: int, seed: int | None) -> Job:
        """Queue a run of ``text`` (already validated by the caller) and return its job;
        :class:`QueueFull` if ``max_queued`` runs are waiting already."""
        job = Job(id=new_job_id(), scenario=scenario, draws=draws, seed=seed, text=text,
                  total=draws)
        with self._cond:
            if self._closed:
                raise QueueFull("the server is stopping; run it again when it is back", 30)
            if len(self._waiting) >= self.max_queued:
                running = sum(1 for j in self._jobs.values() if j.state in (
                    "running", "cancelling", "saving"))
                raise QueueFull(
                    f"the run queue is full: {len(self._waiting)} runs are waiting and "
                    f"{running} running (at most {self.max_queued} may wait); nothing was "
                    "queued: try again when a run has finished, or cancel one")
            self._jobs[job.id] = job
            self._waiting.append(job)
            self.log.put(job)
            self._forget_old()
            self._start_workers()
            self._cond.notify()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._cond:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """The jobs, newest first."""
        with self._cond:
            return list(reversed(self._jobs.values()))

    def counts(self) -> dict[str, int]:
        with self._cond:
            out = {"waiting": len(self._waiting), "max_queued": self.max_queued,
                   "workers": self.workers}
            for j in self._jobs.values():
                out[j.state] = out.get(j.state, 0) + 1
            return out

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a job: at once if it waits, at its next chunk of draws if it runs (state
        ``cancelling``, then ``cancelled``). None: no such job; :class:`CancelRefused` if it
        is being saved or has finished otherwise."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state in ("cancelled", "cancelling"):
                return job
            if job.state == "queued":
                try:
                    self._waiting.remove(job)
                except ValueError:  # pragma: no cover - a queued job is in the queue
                    pass
                job.cancel.set()
                self._finish(job, "cancelled", CANCELLED)
                return job
            if job.state == "running":
                job.cancel.set()
                job.state = "cancelling"
                self.log.put(job)
                return job
            if job.state == "saving":
                raise CancelRefused(f"job {job.id} is being saved and can no longer be "
                                    "cancelled; delete its run once it is done")
            what = {"done": f"it has finished (run {job.run_id}); delete the run instead",
                    "failed": "it has failed already", "lost": "it was lost in a restart"}
            raise CancelRefused(f"job {job.id} cannot be cancelled: {what.get(job.state, '')}"
                                .rstrip(": "))

    def close(self) -> None:
        """Stop: waiting jobs are lost, running ones stop at their next chunk and are lost
        (nothing of them is kept); a job being saved is saved."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            while self._waiting:
                self._finish(self._waiting.popleft(), "lost", LOST)
            for job in self._jobs.values():
                if job.state in ("running", "cancelling"):
                    job.cancel.set()
            self._cond.notify_all()

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until a job has finished (done, failed, cancelled or lost)."""
        end = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.state in FINISHED:
                return job
            if time.monotonic() > end:
                raise TimeoutError(f"job {job_id} still {job.state} after {timeout} s")
            time.sleep(0.02)

    # ------------------------------------------------------------------------ internals
    def _start_workers(self) -> None:  # with the lock held
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < self.workers:
            t = threading.Thread(target=self._work, daemon=True,
                                 name=f"detente-web-runs-{len(self._threads) + 1}")
            self._threads.append(t)
            t.start()

    def _forget_old(self) -> None:  # with the lock held
        excess = len(self._jobs) - self._keep
        if excess <= 0:
            return
        old = [k for k, j in self._jobs.items() if j.state in FINISHED][:excess]
        for k in old:
            del self._jobs[k]
        self.log.forget(old)

    def _finish(self, job: Job, state: str, error: str | None = None,
                problems: list[Problem] | None = None) -> None:  # with the lock held
        job.state = state
        if error is not None:
            job.error = error
        if problems is not None:
            job.problems = list(problems)
        job.finished = time.time()
        job.text = ""  # the scenario text is in the run (if any); free it
        self.log.put(job)

    def _set(self, job: Job, state: str) -> None:
        with self._cond:
            job.state = state
            self.log.put(job)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = self._waiting.popleft()
                job.state = "running"
                job.started = time.time()
                self.log.put(job)
            try:
                self._run(job)
            except Exception as e:  # a bug: keep the worker alive, log the traceback
                log.exception("run %s of %s failed", job.id, job.scenario)
                with self._cond:
                    self._finish(job, "failed", f"internal error: {type(e).__name__}: {e}")

    def _stopped(self, job: Job) -> None:
        """A job stopped by a cancel (or by the server stopping): nothing was kept."""
        with self._cond:
            if self._closed and job.state != "cancelling":
                self._finish(job, "lost", LOST)
            else:
                self._finish(job, "cancelled", CANCELLED)

    def _run(self, job: Job) -> None:
        from ..analysis import analyze
        from ..scenario.load import loads_scenario

        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            job.done, job.total = int(done), int(total)
            if job.cancel.is_set():
                raise _Cancelled

        try:
            if job.cancel.is_set():
                raise _Cancelled
            scenario = loads_scenario(job.text, file=f"{job.scenario}.yaml")
            result = analyze(scenario, draws=job.draws, seed=job.seed, progress=progress)
            data = result.to_dict()
        except _Cancelled:
            self._stopped(job)
            return
        except ScenarioError as e:  # the file changed into a draft between submit and run
            with self._cond:
                self._finish(job, "failed", "the scenario does not validate; fix it and run "
                             "again", e.problems)
            return
        except DetenteError as e:
            with self._cond:
                self._finish(job, "failed", str(e))
            return
        with self._cond:  # the last moment to cancel: after this the run is written
            if job.cancel.is_set():
                stop = True
            else:
                stop = False
                job.done = job.total = job.draws
                job.state = "saving"
                self.log.put(job)
        if stop:
            self._stopped(job)
            return
        timings = {"analysis": float(result.seconds)}
        timings.update(getattr(result, "timings", None) or {})
        try:
            summary = self._store.record(
                job.text, result, results=data, timings=timings,
                options={"draws": job.draws, "seed": job.seed, "backend": "serial",
                         "source": "web", "scenario_file": f"{job.scenario}.yaml",
                         "calibration": "shipped" if job.draws > 1 else "none"})
        except DetenteError as e:  # the store cannot be written, …
            with self._cond:
                self._finish(job, "failed", str(e))
            return
        with self._cond:  # kept at once: a stop while the report is made loses no run
            job.run_id = summary.id
            self.log.put(job)
        try:
            self._reports.render(summary.id, result)
        except DetenteError as e:  # the run is kept; the report is made again on demand
            job.report_error = str(e)
        except Exception as e:  # pragma: no cover - a bug in the report
            log.exception("report for run %s failed", summary.id)
            job.report_error = f"internal error: {type(e).__name__}: {e}"
        with self._cond:
            self._finish(job, "done")
        log.info("run %s of %s: %d draws in %.1f s", summary.id, job.scenario, job.draws,
                 time.perf_counter() - t0)
