"""Running an analysis in chunks: serially, on a local process pool, or on Dask.

A run of N draws is split into chunks of whole :data:`~detente.scenario.draws.BLOCK`-draw
blocks. Chunk c covers draws ``start … start + n − 1`` and samples exactly that slice of
the run (:func:`~detente.scenario.draws.sample` with ``start``), and every analysis treats
each draw on its own, so the assembled result is identical — bit for bit — whatever the
chunk size, the number of workers or the backend. :func:`merge` assembles the chunks'
per-draw arrays in draw order. A streamed run (``analyze(stream=True)``) keeps no per-draw
arrays: its chunks return mergeable digests instead (:mod:`detente.montecarlo.digest`), folded by
``run_chunks``' ``fold`` callback as they arrive.

Backends:

* ``serial`` — in this process (default);
* ``processes`` — a local pool of ``workers`` processes (default: one per core);
* ``dask`` — Dask distributed: a ``LocalCluster`` of ``workers`` processes, or the
  scheduler at ``scheduler`` (``tcp://host:8786``). Needs ``pip install 'detente[dask]'``.

Progress is reported through ``progress(done_draws, total_draws)`` as chunks finish.
Ctrl-C (KeyboardInterrupt) stops the workers and propagates; nothing is half-written.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import DetenteError
from ..scenario.draws import BLOCK
from .pool import processes

__all__ = ["BACKENDS", "Progress", "first_draws", "merge", "plan_chunks", "run_chunks"]

BACKENDS = ("serial", "processes", "dask")
Progress = Callable[[int, int], None]

# Arrays that describe the run, not a draw: kept once when chunks are merged.
_CONSTANT = frozenset({"free", "months", "has_stance", "scale_lo", "scale_hi"})


def plan_chunks(n: int, chunk_size: int | None = None, *, workers: int = 1,
                max_blocks: int = 16) -> list[tuple[int, int]]:
    """Split draws 0 … n − 1 into (start, size) chunks of whole 1,024-draw blocks.

    ``chunk_size`` is rounded up to a multiple of 1,024. By default a serial run is cut into
    about four chunks (for the progress bar; at least one block each, at most ``max_blocks``),
    and a pool's run into the chunks that keep every worker busy to the end
    (:func:`_balanced`).

    >>> plan_chunks(3000, 1024)
    [(0, 1024), (1024, 1024), (2048, 952)]
    >>> plan_chunks(500)
    [(0, 500)]
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if chunk_size is None:
        blocks = math.ceil(n / BLOCK)
        if isinstance(workers, (int, np.integer)) and not isinstance(workers, bool) and (
                workers > 1):  # (a bad value is refused by run_chunks, with its message)
            size = _balanced(n, int(workers), max_blocks)
        else:
            per = min(max_blocks, max(1, math.ceil(blocks / 4)))
            size = per * BLOCK
    else:
        if (isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer))
                or chunk_size < 1):
            raise DetenteError(
                f"chunk size must be at least 1 (a whole number); got {chunk_size!r}")
        size = math.ceil(chunk_size / BLOCK) * BLOCK
    return [(s, min(size, n - s)) for s in range(0, n, size)]


CHUNK_OVERHEAD = 256
"""The fixed cost of a chunk in draws' worth of work (the process model's month loop, the
dynamic models' rounds and the solvers' set-up run once per chunk whatever its size: about
0.6 s on the flagship, where a draw costs about 3 ms)."""


def _balanced(n: int, workers: int, max_blocks: int) -> int:
    """The chunk size (whole blocks) with the shortest expected wall time on a pool.

    Each candidate plan is dealt to the workers largest chunk first, each chunk to the least
    loaded worker; a worker's load is its draws plus :data:`CHUNK_OVERHEAD` per chunk. Ties go
    to the smaller chunks (a finer progress bar). Ten blocks on two workers: two chunks of five
    blocks, not five of two (three on one worker, two on the other).
    """
    best, best_size = math.inf, BLOCK
    for per in range(1, max_blocks + 1):
        size = per * BLOCK
        loads = [0] * workers
        for c in sorted((min(size, n - s) for s in range(0, n, size)), reverse=True):
            k = loads.index(min(loads))
            loads[k] += c + CHUNK_OVERHEAD
        if max(loads) < best:
            best, best_size = max(loads), size
        if size >= n:
            break
    return best_size


def _pad_rounds(parts: list[np.ndarray]) -> list[np.ndarray]:
    """Dynamic models stop when every draw of a chunk has settled: pad shorter paths
    (axis 1: rounds) with their final state, as a longer joint run would have."""
    r = max(p.shape[1] for p in parts)
    out = []
    for p in parts:
        if p.shape[1] < r:
            tail = np.repeat(p[:, -1:], r - p.shape[1], axis=1)
            p = np.concatenate([p, tail], axis=1)
        out.append(p)
    return out


def merge(parts: list[Any], name: str = "") -> Any:
    """Concatenate chunk results along the draw axis, field by field.

    Arrays are joined along axis 0 (except run-level arrays such as a timeline's months);
    a type with a ``concat(parts)`` method joins its own chunks; other dataclasses, dicts and
    tuples are merged member by member; anything else (names,
    parameters, draw-0 explanation trails) is taken from the first chunk, which holds draw 0.
    """
    first = parts[0]
    if len(parts) == 1:
        return first
    if isinstance(first, np.ndarray):
        if name in _CONSTANT or first.ndim == 0:
            return first
        if first.ndim >= 2 and len({p.shape[1:] for p in parts}) > 1:
            parts = _pad_rounds(parts)
        return np.concatenate(parts, axis=0)
    if callable(getattr(type(first), "concat", None)):  # a type that knows how its chunks join
        return type(first).concat(parts)
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        kw = {f.name: merge([getattr(p, f.name) for p in parts], f.name)
              for f in dataclasses.fields(first) if f.init}
        return dataclasses.replace(first, **kw)
    if isinstance(first, dict):
        return {k: merge([p[k] for p in parts], k) for k in first}
    if isinstance(first, tuple) and first and any(
            isinstance(x, np.ndarray) or dataclasses.is_dataclass(x) for x in first):
        return tuple(merge([p[i] for p in parts], name) for i in range(len(first)))
    return first


def first_draws(obj: Any, k: int = 1, name: str = "") -> Any:
    """The first ``k`` draws of a chunk result, field by field (the inverse of :func:`merge`:
    per-draw arrays are cut along axis 0, run-level arrays and everything else are kept)."""
    if isinstance(obj, np.ndarray):
        return obj if name in _CONSTANT or obj.ndim == 0 else obj[:k].copy()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: first_draws(getattr(obj, f.name), k, f.name)
                                           for f in dataclasses.fields(obj) if f.init})
    if isinstance(obj, dict):
        return {key: first_draws(v, k, key) for key, v in obj.items()}
    if isinstance(obj, tuple) and obj and any(
            isinstance(x, np.ndarray) or dataclasses.is_dataclass(x) for x in obj):
        return tuple(first_draws(x, k, name) for x in obj)
    return obj


# ----------------------------------------------------------------------------- backends
def _work(job: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    fn, args = job
    return fn(*args)


def _serial(jobs: list[tuple[Any, ...]]) -> Iterator[tuple[int, Any]]:
    for i, job in enumerate(jobs):
        yield i, _work(job)


def _indexed(item: tuple[int, Any]) -> tuple[int, Any]:
    i, job = item
    return i, _work(job)


def _dask(jobs: list[tuple[Any, ...]], workers: int,
          scheduler: str | None) -> Iterator[tuple[int, Any]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise DetenteError(
            "the dask backend needs Dask distributed: pip install 'detente[dask]'"
        ) from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    except (OSError, ValueError, TypeError) as e:  # unreachable, or not an address at all
        if cluster is not None:
            cluster.close()
        if not scheduler:
            raise DetenteError(
                f"cannot start a local Dask cluster of {workers} workers: {e}. Try fewer "
                "--workers, or --backend processes") from None
        raise DetenteError(
            f"cannot reach the Dask scheduler at {scheduler}: {e}. Check the address "
            "(tcp://host:8786) and that `dask scheduler` is running there"
        ) from None
    except BaseException:  # Ctrl-C while the cluster starts: take it down
        if cluster is not None:
            cluster.close()
        raise
    futures = []
    try:
        futures = [client.submit(_indexed, (i, job), pure=False) for i, job in enumerate(jobs)]
        for fut in as_completed(futures):
            yield fut.result()
            fut.release()
    finally:
        for fut in futures:
            fut.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def run_chunks(
    fn: Callable[..., Any],
    chunks: list[tuple[int, int]],
    args: Callable[[int, int], tuple[Any, ...]],
    *,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    fold: Callable[[int, Any], None],
) -> None:
    """Run ``fn(*args(start, size))`` for every chunk on a backend; hand each result to
    ``fold(index, result)`` as it arrives (in any order) and report progress."""
    if backend not in BACKENDS:
        raise DetenteError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise DetenteError("--scheduler needs --backend dask")
    if workers is not None and (isinstance(workers, bool)
                                or not isinstance(workers, (int, np.integer)) or workers < 1):
        raise DetenteError(f"workers must be at least 1 (a whole number); got {workers!r}")
    w = workers or os.cpu_count() or 1
    jobs = [(fn, args(s, n)) for s, n in chunks]
    total = sum(n for _, n in chunks)
    done = 0
    if progress:
        progress(0, total)
    if backend == "serial" or (backend == "processes" and len(jobs) == 1):
        it = _serial(jobs)
    elif backend == "processes":
        it = processes(jobs, w)
    else:
        it = _dask(jobs, w, scheduler)
    try:
        for i, res in it:
            fold(i, res)
            done += chunks[i][1]
            if progress:
                progress(done, total)
    finally:
        # an interruption or error in fold/progress (outside the generator) must stop the
        # workers now, not when the traceback holding this frame is freed
        it.close()
