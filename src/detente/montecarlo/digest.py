"""Summaries over draws that merge exactly: digests, and the three statistics providers.

Every number :meth:`~detente.analysis.Analysis.to_dict` reports is a reduction over draws of a
per-draw array — a summary (:func:`stat`), a share of draws, a mean, a
per-round median. The summary is written once, against a *provider* ``S`` that answers each
reduction by an explicit key: ``S.stat(key, fn)``, ``S.share``, ``S.shares``, ``S.mean``,
``S.medians``, ``S.categories``, where ``fn()`` returns the per-draw array. Providers:

* :class:`Exact` calls ``fn`` and reduces at once (an in-memory run);
* :class:`Collect` (inside a worker, on one chunk) calls ``fn`` and keeps only a digest of the
  array, answering with placeholders that take every branch, so that every key is recorded;
* :class:`Digests` answers from the merged digests of every chunk (``fn`` is not called).

Digests merge exactly and deterministically — the same numbers whatever the chunk size, worker
count, backend or the order in which chunks arrive:

* yes/no arrays → integer counts (shares are exact);
* mean and sd → one (count, mean, M2) triple per 1,024-draw block, folded in block order with
  the pairwise update of Chan, Golub & LeVeque (1979); chunks are whole blocks, so the blocks
  are the same whatever the chunking, and blocks are folded as soon as every earlier block is in;
* quantiles → a log-bucket sketch (DDSketch: Masson, Rim & Lee 2019, PVLDB 12(12)) with relative
  accuracy :data:`ALPHA`: integer counts per bucket (merged by addition), plus every bucket's
  exact minimum and maximum and the number of draws at exactly them (merged by min/max), so
  the extremes, a bucket holding one value and a mass of draws at a bucket's edge are exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..scenario.draws import BLOCK

__all__ = ["ALPHA", "Collect", "Digests", "Exact", "Merger", "Sketch", "digest", "share", "stat"]

ALPHA = 1e-3
"""Relative accuracy of a streamed quantile (each bucket spans a ratio of at most (1+α)/(1−α))."""
ZERO = 1e-12
"""Values with |x| below this share one exact-zero bucket (absolute error < 1e-12)."""
_M = math.ceil(math.log(2.0) / math.log((1 + ALPHA) / (1 - ALPHA)))  # 347 buckets per binade
_EDGES = 0.5 * np.exp2(np.arange(_M + 1) / _M)  # bucket edges within [0.5, 1), then 1.0
_EDGES[-1] = 1.0
_OFFSET = 1 << 21  # keys: 0 is the zero bucket, ±(_OFFSET + e·M + k) the others


# ------------------------------------------------------------------------------- the sketch
def _keys(x: np.ndarray) -> np.ndarray:
    """Bucket keys of finite values, ordered as the values are. The mapping is exact (binary
    exponent from frexp, then comparisons with fixed edges): the same value always lands in the
    same bucket, wherever it sits in an array."""
    m, e = np.frexp(np.abs(x))
    k = np.searchsorted(_EDGES, m, side="right") - 1
    key = _OFFSET + e.astype(np.int64) * _M + k
    return np.where(np.abs(x) < ZERO, 0, np.where(x > 0, key, -key))


def _extreme(keys: np.ndarray, starts: np.ndarray, v: np.ndarray, c: np.ndarray,
             lowest: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per key group (entries sorted by key): the smallest (or largest) value and how many
    draws have exactly it."""
    order = np.lexsort((v if lowest else -v, keys))
    vs, cs = v[order], c[order]
    ext = vs[starts]
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, keys.size]))
    return ext, np.add.reduceat(np.where(vs == ext[group], cs, 0), starts)


def _group(keys: np.ndarray, counts: np.ndarray, lo: np.ndarray, lo_n: np.ndarray,
           hi: np.ndarray, hi_n: np.ndarray) -> tuple[np.ndarray, ...]:
    """Combine entries with equal keys: counts add; the minima (maxima) are the smallest
    (largest) of the entries' with the draws at exactly them added up. Order-free."""
    if keys.size == 0:
        return keys, counts, lo, lo_n, hi, hi_n
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lo, lo_n = _extreme(keys, starts, lo[order], lo_n[order], True)
    hi, hi_n = _extreme(keys, starts, hi[order], hi_n[order], False)
    return keys[starts], np.add.reduceat(counts[order], starts), lo, lo_n, hi, hi_n


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's linear interpolation (np.percentile), so exact neighbours give numpy's value."""
    d = b - a
    return float(b - d * (1 - t)) if t >= 0.5 else float(a + d * t)


@dataclass(frozen=True, eq=False)
class Sketch:
    """Counts of finite values per log bucket, with each bucket's exact min and max and the
    number of values equal to them (a mass point at a bucket's edge stays exact)."""

    keys: np.ndarray  # (B,) int64, sorted
    counts: np.ndarray  # (B,) int64
    lo: np.ndarray  # (B,) smallest value in the bucket
    lo_n: np.ndarray  # (B,) values equal to it
    hi: np.ndarray  # (B,) largest value in the bucket
    hi_n: np.ndarray  # (B,) values equal to it

    @classmethod
    def of(cls, x: np.ndarray) -> Sketch:
        v = np.asarray(x, dtype=float).ravel()
        return cls.of_sorted(np.sort(v[np.isfinite(v)]))

    @classmethod
    def of_sorted(cls, v: np.ndarray) -> Sketch:
        """The sketch of sorted finite values (bucket keys are then sorted too)."""
        if not v.size:
            i, f = np.zeros(0, np.int64), np.zeros(0)
            return cls(i, i, f, i, f, i)
        keys = _keys(v)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], v.size].astype(np.int64)
        lo, hi = v[starts], v[ends - 1]
        return cls(keys[starts], ends - starts, lo,
                   np.searchsorted(v, lo, side="right") - starts, hi,
                   ends - np.searchsorted(v, hi, side="left"))

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: Sketch) -> Sketch:
        return Sketch(*_group(*(np.r_[a, b] for a, b in zip(self._fields(), other._fields()))))

    def _fields(self) -> tuple[np.ndarray, ...]:
        return self.keys, self.counts, self.lo, self.lo_n, self.hi, self.hi_n

    def _value(self, rank: int, cum: np.ndarray) -> float:
        b = int(np.searchsorted(cum, rank, side="right"))
        offset = rank - (int(cum[b]) - int(self.counts[b]))  # rank within the bucket
        if offset < self.lo_n[b]:
            return float(self.lo[b])
        if offset >= self.counts[b] - self.hi_n[b]:
            return float(self.hi[b])
        key = int(self.keys[b])
        if key == 0:
            rep = 0.0
        else:
            e, k = divmod(abs(key) - _OFFSET, _M)
            lo, hi = math.ldexp(float(_EDGES[k]), e), math.ldexp(float(_EDGES[k + 1]), e)
            rep = math.copysign(2 * lo * hi / (lo + hi), key)
        return min(max(rep, float(self.lo[b])), float(self.hi[b]))

    def quantile(self, q: float) -> float:
        """The q-quantile with numpy's linear interpolation between neighbouring ranks; each
        neighbour is within α (relative) of the true one. NaN when empty."""
        n = self.n
        if n == 0:
            return float("nan")
        cum = np.cumsum(self.counts)
        h = (n - 1) * q  # numpy's virtual index for method="linear", computed as numpy does
        r0 = min(max(math.floor(h), 0), n - 1)
        r1 = min(r0 + 1, n - 1)
        v0 = self._value(r0, cum)
        return v0 if r1 == r0 else _lerp(v0, self._value(r1, cum), h - r0)


# ------------------------------------------------------------------------------- digests
@dataclass(frozen=True, eq=False)
class Counts:
    """How many draws were true (per column for a 2-D array), out of ``n``."""

    n: int
    k: np.ndarray

    def merge(self, o: Counts) -> Counts:
        return Counts(self.n + o.n, self.k + o.k)


def _fold(a: tuple[int, float, float], b: tuple[int, float, float]) -> tuple[int, float, float]:
    """Chan, Golub & LeVeque (1979): (count, mean, M2) of two samples from theirs."""
    na, ma, sa = a
    nb, mb, sb = b
    if nb == 0:
        return a
    if na == 0:
        return b
    n = na + nb
    delta = mb - ma
    return n, ma + delta * nb / n, sa + sb + delta * delta * na * nb / n


@dataclass(frozen=True, eq=False)
class Numbers:
    """A numeric array: draws, per-block moments of its finite values, and (for ``stat``) a
    sketch. ``state`` is the fold of blocks 0 … next − 1; later blocks wait in ``blocks``."""

    n: int
    blocks: dict[int, tuple[int, float, float]]
    sketch: Sketch | None
    state: tuple[int, tuple[int, float, float]] = (0, (0, 0.0, 0.0))

    def merge(self, o: Numbers) -> Numbers:
        a, b = (self, o) if o.state[0] == 0 else (o, self)
        if b.state[0]:
            raise ValueError("two partly folded digests cannot be merged")
        if a.blocks.keys() & b.blocks.keys() or any(k < a.state[0] for k in b.blocks):
            raise ValueError("the same block of draws arrived twice")
        sk = None if a.sketch is None else a.sketch.merge(b.sketch)
        return Numbers(a.n + b.n, {**a.blocks, **b.blocks}, sk, a.state).advance()

    def advance(self) -> Numbers:
        """Fold every block that follows the folded prefix (in block order: deterministic)."""
        nxt, acc = self.state
        if nxt not in self.blocks:
            return self
        blocks = dict(self.blocks)
        while nxt in blocks:
            acc = _fold(acc, blocks.pop(nxt))
            nxt += 1
        return replace(self, blocks=blocks, state=(nxt, acc))

    @property
    def moments(self) -> tuple[int, float, float]:
        """(count, mean, M2) of the finite values of every block."""
        done = self.advance()
        if done.blocks:
            raise ValueError(f"block {done.state[0]} is missing: blocks "
                             f"{sorted(done.blocks)[:3]}… cannot be folded")
        return done.state[1]


@dataclass(frozen=True, eq=False)
class Columns:
    """Per-column sketches of an (N, R) array (rounds of a path). A chunk whose paths stopped
    earlier is extended with its last column: its later rounds equal its final one."""

    n: int
    sketches: tuple[Sketch, ...]

    def merge(self, o: Columns) -> Columns:
        a, b = list(self.sketches), list(o.sketches)
        r = max(len(a), len(b))
        a += a[-1:] * (r - len(a))
        b += b[-1:] * (r - len(b))
        return Columns(self.n + o.n, tuple(x.merge(y) for x, y in zip(a, b)))


@dataclass(frozen=True, eq=False)
class Categories:
    """Draws per label; ``order`` ranks labels by (first chunk start, position) seen."""

    n: int
    counts: dict[str, int]
    order: dict[str, tuple[int, int]] = field(default_factory=dict)

    def merge(self, o: Categories) -> Categories:
        counts = dict(self.counts)
        order = dict(self.order)
        for lab, c in o.counts.items():
            counts[lab] = counts.get(lab, 0) + c
            order[lab] = min(order.get(lab, o.order[lab]), o.order[lab])
        return Categories(self.n + o.n, counts, order)


def _numbers(x: np.ndarray, start: int, sketch: bool) -> Numbers:
    x = np.asarray(x, dtype=float)
    if start % BLOCK:
        raise ValueError(f"a chunk starts at a whole block of {BLOCK} draws, not at {start}")
    blocks = {}
    for s in range(0, x.shape[0], BLOCK):
        xb = x[s: s + BLOCK]
        ok = xb[np.isfinite(xb)]  # a fresh contiguous array: sums as in any other chunking
        if ok.size:
            m = float(ok.mean())
            blocks[(start + s) // BLOCK] = (int(ok.size), m, float(np.sum((ok - m) ** 2)))
        else:
            blocks[(start + s) // BLOCK] = (0, 0.0, 0.0)
    return Numbers(int(x.shape[0]), blocks, Sketch.of(x) if sketch else None)


def digest(kind: str, x: Any, start: int) -> Any:
    """The digest of one chunk's per-draw array (draws ``start`` … on axis 0)."""
    if kind in ("share", "shares"):
        x = np.asarray(x)
        return Counts(int(x.shape[0]), np.count_nonzero(x, axis=0).astype(np.int64))
    if kind in ("stat", "mean"):
        return _numbers(x, start, sketch=kind == "stat")
    if kind == "medians":
        x = np.sort(np.asarray(x, dtype=float), axis=0)  # one sort for every column
        return Columns(int(x.shape[0]), tuple(
            Sketch.of_sorted(col[np.isfinite(col)]) for col in x.T))
    if kind == "categories":
        labels, codes = x
        codes = np.asarray(codes)
        counts = {lab: int(np.count_nonzero(codes == i)) for i, lab in enumerate(labels)}
        return Categories(int(codes.size), counts, {lab: (start, i) for i, lab in enumerate(labels)})
    raise ValueError(f"unknown reduction {kind!r}")


class Merger:
    """Merged digests, key by key, as chunks arrive (in any order)."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def add(self, digests: dict[str, Any]) -> None:
        for key, dg in digests.items():
            cur = self.items.get(key)
            self.items[key] = dg if cur is None else cur.merge(dg)


# ------------------------------------------------------------------------------- providers
def stat(x: np.ndarray) -> dict[str, Any]:
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


def _stat_exact(x: np.ndarray) -> dict[str, Any]:
    return stat(x)


class Exact:
    """Reduces at once (today's in-memory summaries)."""

    streamed = False

    def stat(self, key: str, fn: Callable[[], Any]) -> dict[str, Any]:
        return _stat_exact(fn())

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
            p = self.share(key, lambda i=i: codes == i)
            if p > 0:
                out[lab] = p
        return out


_PLACEHOLDER = {"mean": 0.0, "sd": 0.0, "p05": 0.0, "p50": 0.0, "p95": 0.0, "defined": 1.0}


class Collect:
    """Keeps a digest of every array it is asked about (one chunk, draws ``start`` …) and
    answers with placeholders that take every branch (shares 1, numbers 0)."""

    streamed = False

    def __init__(self, start: int) -> None:
        self.start = start
        self.digests: dict[str, Any] = {}

    def _put(self, key: str, kind: str, fn: Callable[[], Any]) -> Any:
        if key in self.digests:
            raise ValueError(f"summary key {key!r} used twice")
        x = fn()
        self.digests[key] = digest(kind, x, self.start)
        return x

    def stat(self, key: str, fn: Callable[[], Any]) -> dict[str, Any]:
        self._put(key, "stat", fn)
        return dict(_PLACEHOLDER)

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
    """Answers from merged digests (``fn`` is never called)."""

    streamed = True

    def __init__(self, items: dict[str, Any]) -> None:
        self.items = items

    def _get(self, key: str) -> Any:
        try:
            return self.items[key]
        except KeyError:
            raise KeyError(f"no digest for {key!r}: the chunks did not record it") from None

    def stat(self, key: str, fn: Callable[[], Any]) -> dict[str, Any]:
        dg: Numbers = self._get(key)
        k, mean, m2 = dg.moments
        share = float(k / dg.n) if dg.n else 0.0
        if k == 0:
            return {"mean": None, "sd": None, "p05": None, "p50": None, "p95": None,
                    "defined": 0.0}
        if k == 1:
            v = float(dg.sketch.lo[0])
            return {"mean": v, "sd": 0.0, "p05": v, "p50": v, "p95": v, "defined": share}
        sk = dg.sketch
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
        return [sk.quantile(0.5) for sk in self._get(key).sketches]

    def categories(self, key: str, fn: Callable[[], Any]) -> dict[str, float]:
        dg: Categories = self._get(key)
        labels = sorted(dg.counts, key=lambda lab: dg.order[lab])
        return {lab: float(dg.counts[lab] / dg.n) for lab in labels if dg.counts[lab] > 0}
