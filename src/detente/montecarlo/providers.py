"""The statistics providers: one summary, answered exactly, collected in a worker or merged.

Every number :meth:`~detente.analysis.Analysis.to_dict` reports is a reduction over draws of a
per-draw array — a summary (:func:`stat`), a share of draws, a mean, a per-round median. The
summary is written once, against a :class:`Provider` ``S`` that answers each reduction by an
explicit key: ``S.stat(key, fn)``, ``S.share``, ``S.shares``, ``S.mean``, ``S.medians``,
``S.categories``, where ``fn()`` returns the per-draw array. Providers:

* :class:`Exact` calls ``fn`` and reduces at once (an in-memory run);
* :class:`Collect` (inside a worker, on one chunk) calls ``fn`` and keeps only a digest of the
  array (:mod:`detente.montecarlo.digest`), answering with placeholders that take every branch,
  so that every key is recorded;
* :class:`Digests` answers from the merged digests of every chunk (``fn`` is not called).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypedDict

import numpy as np

from .digest import Categories, Columns, Counts, Digest, Numbers, digest

__all__ = ["Collect", "Digests", "Exact", "Provider", "Stat", "column", "share", "stat"]


class Stat(TypedDict):
    """A number summarised over draws: mean, sd and the 5/50/95 percentiles of its finite
    values (None where no draw has one), and the share of draws that had one."""

    mean: float | None
    sd: float | None
    p05: float | None
    p50: float | None
    p95: float | None
    defined: float


class Provider(Protocol):
    """Answers every reduction over draws by key; ``fn()`` gives the per-draw array."""

    @property
    def streamed(self) -> bool: ...

    def stat(self, key: str, fn: Callable[[], Any]) -> Stat: ...

    def share(self, key: str, fn: Callable[[], Any]) -> float: ...

    def shares(self, key: str, fn: Callable[[], Any]) -> list[float]: ...

    def mean(self, key: str, fn: Callable[[], Any]) -> float: ...

    def medians(self, key: str, fn: Callable[[], Any]) -> list[float]: ...

    def categories(self, key: str, fn: Callable[[], Any]) -> dict[str, float]: ...


def column(x: np.ndarray | Callable[[], np.ndarray],
           *index: int | slice) -> Callable[[], np.ndarray]:
    """A provider's ``fn`` for ``x[:, *index]`` in every draw, read when asked (``x``: an
    array, or a function that computes it once asked).

    >>> column(np.arange(6).reshape(3, 2), 1)()
    array([1, 3, 5])
    """
    def fn() -> np.ndarray:
        a = x() if callable(x) else x
        return np.asarray(a[(slice(None), *index)])

    return fn


def stat(x: np.ndarray) -> Stat:
    """mean, sd, p05, p50, p95 over the finite values, and the share of draws that had one."""
    x = np.asarray(x, dtype=float)
    ok = x[np.isfinite(x)]
    share = float(ok.size / x.size) if x.size else 0.0
    if ok.size == 0:
        return {"mean": None, "sd": None, "p05": None, "p50": None, "p95": None, "defined": 0.0}
    if ok.size == 1:
        v = float(ok[0])
        return {"mean": v, "sd": 0.0, "p05": v, "p50": v, "p95": v, "defined": share}
    p05, p50, p95 = np.percentile(ok, [5, 50, 95])
    return {"mean": float(ok.mean()), "sd": float(ok.std(ddof=1)), "p05": float(p05),
            "p50": float(p50), "p95": float(p95), "defined": share}


def share(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if np.size(mask) else 0.0


class Exact:
    """Reduces at once (today's in-memory summaries)."""

    streamed = False

    def stat(self, key: str, fn: Callable[[], Any]) -> Stat:
        return stat(fn())

    def share(self, key: str, fn: Callable[[], Any]) -> float:
        return share(fn())

    def shares(self, key: str, fn: Callable[[], Any]) -> list[float]:
        return [float(v) for v in np.asarray(fn()).mean(axis=0)]

    def mean(self, key: str, fn: Callable[[], Any]) -> float:
        return float(np.mean(fn()))

    def medians(self, key: str, fn: Callable[[], Any]) -> list[float]:
        return [float(v) for v in np.nanmedian(fn(), axis=0)]

    def categories(self, key: str, fn: Callable[[], Any]) -> dict[str, float]:
        labels, codes = fn()
        out = {}
        for i, lab in enumerate(labels):
            p = share(codes == i)
            if p > 0:
                out[lab] = p
        return out


_PLACEHOLDER: Stat = {"mean": 0.0, "sd": 0.0, "p05": 0.0, "p50": 0.0, "p95": 0.0, "defined": 1.0}


class Collect:
    """Keeps a digest of every array it is asked about (one chunk, draws ``start`` …) and
    answers with placeholders that take every branch (shares 1, numbers 0)."""

    streamed = False

    def __init__(self, start: int) -> None:
        self.start = start
        self.digests: dict[str, Digest] = {}

    def _put(self, key: str, kind: str, fn: Callable[[], Any]) -> Any:
        if key in self.digests:
            raise ValueError(f"summary key {key!r} used twice")
        x = fn()
        self.digests[key] = digest(kind, x, self.start)
        return x

    def stat(self, key: str, fn: Callable[[], Any]) -> Stat:
        self._put(key, "stat", fn)
        return _PLACEHOLDER.copy()

    def share(self, key: str, fn: Callable[[], Any]) -> float:
        self._put(key, "share", fn)
        return 1.0

    def shares(self, key: str, fn: Callable[[], Any]) -> list[float]:
        return [1.0] * np.shape(self._put(key, "shares", fn))[1]

    def mean(self, key: str, fn: Callable[[], Any]) -> float:
        self._put(key, "mean", fn)
        return 0.0

    def medians(self, key: str, fn: Callable[[], Any]) -> list[float]:
        return [0.0] * np.shape(self._put(key, "medians", fn))[1]

    def categories(self, key: str, fn: Callable[[], Any]) -> dict[str, float]:
        return {lab: 1.0 for lab in self._put(key, "categories", fn)[0]}


class Digests:
    """Answers from merged digests (``fn`` is never called): a streamed run's summary."""

    streamed = True

    def __init__(self, items: Mapping[str, Digest]) -> None:
        self.items = items

    def _get(self, key: str) -> Any:
        try:
            return self.items[key]
        except KeyError:
            raise KeyError(f"no digest for {key!r}: the chunks did not record it") from None

    def stat(self, key: str, fn: Callable[[], Any]) -> Stat:
        dg: Numbers = self._get(key)
        k, mean, m2 = dg.moments
        share = float(k / dg.n) if dg.n else 0.0
        if k == 0:
            return {"mean": None, "sd": None, "p05": None, "p50": None, "p95": None,
                    "defined": 0.0}
        sk = dg.sketch
        if sk is None:
            raise ValueError(f"{key!r} was digested as a mean, not as a summary")
        if k == 1:
            v = float(sk.lo[0])
            return {"mean": v, "sd": 0.0, "p05": v, "p50": v, "p95": v, "defined": share}
        return {"mean": float(mean), "sd": float(math.sqrt(max(m2, 0.0) / (k - 1))),
                "p05": sk.quantile(0.05), "p50": sk.quantile(0.5), "p95": sk.quantile(0.95),
                "defined": share}

    def share(self, key: str, fn: Callable[[], Any]) -> float:
        dg: Counts = self._get(key)
        return float(int(dg.k) / dg.n) if dg.n else 0.0

    def shares(self, key: str, fn: Callable[[], Any]) -> list[float]:
        dg: Counts = self._get(key)
        return [float(int(k) / dg.n) for k in dg.k]

    def mean(self, key: str, fn: Callable[[], Any]) -> float:
        dg: Numbers = self._get(key)
        k, mean, _ = dg.moments
        return float(mean) if k == dg.n else float("nan")

    def medians(self, key: str, fn: Callable[[], Any]) -> list[float]:
        dg: Columns = self._get(key)
        return [sk.quantile(0.5) for sk in dg.sketches]

    def categories(self, key: str, fn: Callable[[], Any]) -> dict[str, float]:
        dg: Categories = self._get(key)
        labels = sorted(dg.counts, key=lambda lab: dg.order[lab])
        return {lab: float(dg.counts[lab] / dg.n) for lab in labels if dg.counts[lab] > 0}
