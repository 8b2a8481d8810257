"""Digests of per-draw arrays that merge exactly: what a streamed run's chunks send home.

Every reduction the summary makes (:mod:`detente.montecarlo.providers`) has a digest, kept per
key by a worker for its chunk of draws (:func:`digest`) and merged key by key as chunks arrive
(:class:`Merger`). Digests merge exactly and deterministically — the same numbers whatever the
chunk size, worker count, backend or the order in which chunks arrive:

* yes/no arrays → integer counts (shares are exact): :class:`Counts`;
* mean and sd → one (count, mean, M2) triple per 1,024-draw block, folded in block order with
  the pairwise update of Chan, Golub & LeVeque (1979); chunks are whole blocks, so the blocks
  are the same whatever the chunking, and blocks are folded as soon as every earlier block is
  in: :class:`Numbers`;
* quantiles → a log-bucket sketch (:class:`~detente.montecarlo.sketch.Sketch`), per array or
  per round of a path (:class:`Columns`);
* labels → draws per label (:class:`Categories`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Union

import numpy as np

from ..scenario.draws import BLOCK
from .sketch import Sketch

__all__ = ["Categories", "Columns", "Counts", "Digest", "Merger", "Numbers", "digest"]


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
        sk = None if a.sketch is None or b.sketch is None else a.sketch.merge(b.sketch)
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


Digest = Union["Counts", "Numbers", "Columns", "Categories"]
"""One key's digest, of whichever kind its reduction needs."""


def digest(kind: str, x: Any, start: int) -> Digest:
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
        self.items: dict[str, Digest] = {}

    def add(self, digests: dict[str, Digest]) -> None:
        for key, dg in digests.items():
            cur = self.items.get(key)
            self.items[key] = dg if cur is None else cur.merge(dg)  # type: ignore[arg-type]
