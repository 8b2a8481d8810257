"""The ``processes`` backend: a local pool of worker processes, and a Ctrl-C that stops it.

Where the platform can fork, the workers inherit the run's jobs from the parent's memory at the
moment the pool forks them (:data:`_SHARED`, keyed by a token per pool, so concurrent runs in
one process — the web app's — do not mix), and each task sent down the pool's pipe is only the
token and a job's index: nothing large is pickled, and the pool's task thread never blocks on a
full pipe. It matters for Ctrl-C: ``Pool.terminate()`` joins that thread, and a thread blocked
sending a large payload to workers that were just killed waits for ever (seen: 3 interrupts in
24 under load hung, each with the task thread in ``Connection._send``). Tasks are also handed to
the pool a few at a time (:data:`WINDOW` per worker), so however many chunks a run has, at most
a handful of small messages are in flight. Without fork (spawn), each task carries its job.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import signal
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["WINDOW", "processes"]

WINDOW = 2
"""Tasks in flight per worker: one running, one waiting, so no worker idles between tasks."""

_SHARED: dict[int, list[tuple[Callable[..., Any], tuple[Any, ...]]]] = {}
_TOKENS = itertools.count()


def _ignore_sigint() -> None:  # pragma: no cover - runs in worker processes
    """Workers leave Ctrl-C to the parent, which stops them; no tracebacks from each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT while a pool forks its workers, then deliver it to the parent.

    A terminal's Ctrl-C goes to the whole process group. A worker forked at that moment, before
    its initializer ignores SIGINT, would die in its bootstrap, and the pool would wait for its
    task for ever. Held here, the signal only sets a flag (inherited by the forked workers, where
    it does nothing); once the pool stands, the parent raises KeyboardInterrupt if one came. Only
    the main thread can set signal handlers; elsewhere (the web app's runs) nothing changes.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    old = signal.signal(signal.SIGINT, lambda sig, frame: came.append(sig))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if came:
        raise KeyboardInterrupt


def _shared(task: tuple[int, int]) -> tuple[int, Any]:  # pragma: no cover - in workers
    token, i = task
    fn, args = _SHARED[token][i]
    return i, fn(*args)


def _carried(task: tuple[int, tuple[Callable[..., Any], tuple[Any, ...]]]) -> tuple[int, Any]:
    i, (fn, args) = task  # pragma: no cover - in workers
    return i, fn(*args)


def processes(jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]], workers: int
              ) -> Iterator[tuple[int, Any]]:
    """Run ``fn(*args)`` for every job on a local pool; yield (index, result) as they finish.

    A worker's exception is raised here (with the worker's traceback as its cause). Closing the
    generator early (Ctrl-C, an error in the caller) terminates the workers at once.
    """
    import multiprocessing as mp

    # fork where the platform has it: workers start at once, inherit the jobs, and scripts need
    # no ``if __name__ == "__main__"`` guard (spawn re-imports the main module)
    fork = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork" if fork else "spawn")
    token = next(_TOKENS)
    if fork:
        _SHARED[token] = jobs
    pool = None
    try:
        try:
            with _sigint_held():  # a Ctrl-C while the workers start reaches the parent after
                pool = ctx.Pool(processes=min(workers, len(jobs)), initializer=_ignore_sigint)
        except KeyboardInterrupt:
            if pool is not None:
                pool.terminate()
                pool.join()
            raise
        done: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        todo = iter(range(len(jobs)))

        def submit() -> bool:
            i = next(todo, None)
            if i is None:
                return False
            assert pool is not None
            task: tuple[Any, Any] = (token, i) if fork else (i, jobs[i])
            pool.apply_async(_shared if fork else _carried, (task,),
                             callback=lambda r: done.put((True, r)),
                             error_callback=lambda e: done.put((False, e)))
            return True

        running = sum(submit() for _ in range(WINDOW * min(workers, len(jobs))))
        ok = False
        try:
            while running:
                while True:  # a timed wait, so that Ctrl-C reaches the parent at once
                    try:
                        good, item = done.get(timeout=0.2)
                        break
                    except queue.Empty:
                        continue
                running -= 1
                if not good:
                    raise item
                running += submit()
                yield item
            ok = True
        finally:
            if ok:
                pool.close()
            else:  # interrupted or failed: stop the workers now
                pool.terminate()
            pool.join()
    finally:
        _SHARED.pop(token, None)
