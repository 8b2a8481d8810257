"""The quantile sketch of a streamed run: log buckets that merge exactly (DDSketch).

A :class:`Sketch` holds integer counts of finite values per log bucket (Masson, Rim & Lee 2019,
PVLDB 12(12)) with relative accuracy :data:`ALPHA`, merged by addition, plus every bucket's
exact minimum and maximum and the number of values at exactly them (merged by min/max), so the
extremes, a bucket holding one value and a mass of draws at a bucket's edge are exact. Bucket
keys come from ``frexp`` and fixed cut points, so a value's bucket never depends on where it
sits in an array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["ALPHA", "ZERO", "Sketch"]

ALPHA = 1e-3
"""Relative accuracy of a streamed quantile (each bucket spans a ratio of at most (1+α)/(1−α))."""
ZERO = 1e-12
"""Values with |x| below this share one exact-zero bucket (absolute error < 1e-12)."""
_M = math.ceil(math.log(2.0) / math.log((1 + ALPHA) / (1 - ALPHA)))  # 347 buckets per binade
_EDGES = 0.5 * np.exp2(np.arange(_M + 1) / _M)  # bucket edges within [0.5, 1), then 1.0
_EDGES[-1] = 1.0
_OFFSET = 1 << 21  # keys: 0 is the zero bucket, ±(_OFFSET + e·M + k) the others


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

