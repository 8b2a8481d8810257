"""Unilateral moves and improvements as sparse (CSR) graphs over feasible states.

DM ``i`` can move from feasible state ``s`` to feasible state ``t ≠ s`` iff ``s`` and ``t``
differ only in options ``i`` controls (any non-empty subset may change in one move) and no
changed option violates its reversibility ('fwd': cannot go Y→N; 'back': cannot go N→Y), and
``i`` perceives both states (see :attr:`Conflict.misperceptions`).
Moves are built with numpy bit operations, in chunks of states, never as a dense
states × states matrix.

>>> from detente.stability.model import Conflict
>>> c = Conflict.from_dict({
...     "options": [{"name": "Strike", "owner": "US", "reversibility": "fwd"},
...                 {"name": "Withdraw", "owner": "USSR"}],
...     "decision_makers": [{"name": "US", "priorities": []},
...                         {"name": "USSR", "priorities": []}]})
>>> g = unilateral_moves(c)[0]
>>> [g.targets(s).tolist() for s in range(c.n_states)]   # the strike cannot be undone
[[1], [], [3], []]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Conflict

__all__ = ["MoveGraph", "unilateral_improvements", "unilateral_moves"]

_CHUNK = 1 << 22  # state × assignment pairs handled at once (bounds temporary memory)


@dataclass(frozen=True, eq=False)
class MoveGraph:
    """Directed graph over feasible state indices ``0..n-1`` in CSR form: the targets of
    ``s`` are ``indices[indptr[s]:indptr[s+1]]`` (ascending)."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def n(self) -> int:
        return int(self.indptr.size - 1)

    @property
    def n_edges(self) -> int:
        return int(self.indices.size)

    def targets(self, s: int) -> np.ndarray:
        return self.indices[self.indptr[s]:self.indptr[s + 1]]

    def out_degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def sources(self) -> np.ndarray:
        """The source index of every edge (aligned with :attr:`indices`)."""
        return np.repeat(np.arange(self.n, dtype=self.indices.dtype), self.out_degree())

    def select(self, keep: np.ndarray) -> MoveGraph:
        """The subgraph of the edges where ``keep`` (aligned with :attr:`indices`) is true."""
        counts = np.bincount(self.sources()[keep], minlength=self.n)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return _frozen(indptr, self.indices[keep])

    def min_over(self, values: np.ndarray, empty) -> np.ndarray:
        """Per source state, the minimum of ``values`` over its targets (``empty`` if none).
        ``values`` may have trailing axes (n, ...)."""
        return self._reduce(np.minimum, values, empty)

    def max_over(self, values: np.ndarray, empty) -> np.ndarray:
        """Per source state, the maximum of ``values`` over its targets (``empty`` if none)."""
        return self._reduce(np.maximum, values, empty)

    def _reduce(self, ufunc: np.ufunc, values: np.ndarray, empty) -> np.ndarray:
        out = np.full((self.n,) + values.shape[1:], empty, dtype=values.dtype)
        if self.indices.size:
            nonempty = self.indptr[1:] > self.indptr[:-1]
            out[nonempty] = ufunc.reduceat(values[self.indices], self.indptr[:-1][nonempty],
                                           axis=0)
        return out


def _frozen(indptr: np.ndarray, indices: np.ndarray) -> MoveGraph:
    indptr.setflags(write=False)
    indices.setflags(write=False)
    return MoveGraph(indptr, indices)


def _submasks(mask: int) -> np.ndarray:
    """All submasks of ``mask`` in increasing order (pdep of 0..2^popcount−1)."""
    bits = [1 << b for b in range(mask.bit_length()) if mask >> b & 1]
    out = np.zeros(1, dtype=np.int64)
    for b in bits:
        out = np.concatenate([out, out | b])
    return np.sort(out)


def _moves_for_mask(conflict: Conflict, mask: int, seen: np.ndarray | None = None
                    ) -> MoveGraph:
    """Moves changing options in ``mask``; with ``seen`` (bools over states), only between
    states the mover perceives."""
    feasible = conflict.feasible
    n = feasible.size
    lut = conflict.index_of
    fwd, back = conflict.direction_masks()
    assign = _submasks(mask)
    indptr = np.zeros(n + 1, dtype=np.int64)
    chunks = []
    step = max(1, _CHUNK // max(1, assign.size))
    for lo in range(0, n, step):
        s = feasible[lo:lo + step, None]
        t = (s & ~mask) | assign[None, :]
        ok = t != s
        ok &= ((s & fwd) & ~t) == 0        # 'fwd' options taken stay taken
        ok &= ((~s & back) & t) == 0       # 'back' options dropped stay dropped
        tgt = lut[t]
        ok &= tgt >= 0
        if seen is not None:
            ok &= seen[lo:lo + s.shape[0], None] & seen[np.maximum(tgt, 0)]
        indptr[lo + 1:lo + 1 + s.shape[0]] = ok.sum(axis=1)
        chunks.append(tgt[ok])  # row-major: per source, ascending target (submask order)
    np.cumsum(indptr, out=indptr)
    indices = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    dtype = np.int32 if n < 2**31 else np.int64
    return _frozen(indptr, indices.astype(dtype))


def unilateral_moves(conflict: Conflict) -> tuple[MoveGraph, ...]:
    """Every DM's unilateral moves, one :class:`MoveGraph` per DM (in DM order). A DM with
    misperceptions has no move from or to a state it does not perceive (as in GMCR+)."""
    def build() -> tuple[MoveGraph, ...]:
        seen = conflict.perceived if conflict.misperceptions else None
        return tuple(_moves_for_mask(conflict, conflict.owner_mask(i),
                                     None if seen is None or seen[i].all() else seen[i])
                     for i in range(len(conflict.decision_makers)))
    return conflict._cached("moves", build)  # read-only arrays: computed once per conflict


def unilateral_improvements(conflict: Conflict,
                            moves: tuple[MoveGraph, ...] | None = None) -> tuple[MoveGraph, ...]:
    """Every DM's unilateral improvements: moves to states it strictly prefers."""
    def build(moves: tuple[MoveGraph, ...]) -> tuple[MoveGraph, ...]:
        pay = conflict.payoffs
        return tuple(g.select(pay[i][g.indices] > pay[i][g.sources()])
                     for i, g in enumerate(moves))
    own = unilateral_moves(conflict)
    if moves is None or moves is own:
        return conflict._cached("improvements", lambda: build(own))
    return build(moves)
