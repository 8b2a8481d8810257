"""One coalition's joint moves as bitsets, to test every state at once.

A coalition's moves never change the options of DMs outside it, so the states fall into *groups*
(same options outside the coalition; :func:`_fibers`) and every reachable set is a set of
positions in one group: a row of 64-bit words (:func:`_bits`). :func:`_closure` labels the
strongly connected components of the members' joint moves (:func:`_scc`; or, when their options
are reversible, the components of :func:`~detente.stability.reach._components`) and closes the
component graph, so that ``R_H(s)`` is the bitset of ``s``'s component. :func:`_above` tables,
per group and payoff level, the states above that level; :class:`_CoalitionMoves` holds one
coalition's tables and gives its improvements from a chunk of states at a time
(:func:`~detente.stability.coalitions.coalition_solve`, which sizes chunks by :data:`_WORDS`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .graph import MoveGraph
from .model import Conflict
from .reach import _components, _reversible

__all__: list[str] = []

_WORDS = 1 << 20  # uint64 words per temporary bitset array (8 MB); rows are chunked to fit


def _fibers(conflict: Conflict, h: Sequence[int]) -> tuple[np.ndarray, np.ndarray, int]:
    """States grouped by the options of DMs outside ``h`` (a coalition's moves stay in its
    group): group id and position in the group for every state, and the largest group."""
    mask = 0
    for i in h:
        mask |= conflict.owner_mask(i)
    key = conflict.feasible & ~np.int64(mask)
    _, fib, counts = np.unique(key, return_inverse=True, return_counts=True)
    fib = fib.ravel()
    order = np.argsort(fib, kind="stable")
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    loc = np.empty(fib.size, dtype=np.int64)
    loc[order] = np.arange(fib.size) - start[fib[order]]
    return fib, loc, int(counts.max()) if counts.size else 0


def _bits(n_rows: int, w: int, row: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(n_rows, w) uint64 bitsets with bit ``pos[k]`` set in row ``row[k]``."""
    out = np.zeros(n_rows * w, dtype=np.uint64)
    if row.size:
        key = row * w + (pos >> 6)
        order = np.argsort(key, kind="stable")
        key = key[order]
        bit = np.left_shift(np.uint64(1), (pos[order] & 63).astype(np.uint64))
        heads = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        out[key[heads]] = np.bitwise_or.reduceat(bit, heads)
    return out.reshape(n_rows, w)


def _above(fib: np.ndarray, loc: np.ndarray, values: np.ndarray, levels: int, nf: int, w: int
           ) -> np.ndarray:
    """(nf, levels, w): per group, at row ``levels - 1 - l`` (level ``l``), the states of the
    group whose value is greater than ``l`` (values are clipped to ``levels``); look up with
    :func:`_at_level`."""
    v = levels - np.minimum(values, levels).astype(np.int64)   # 0 = greatest value
    per = _bits(nf * (levels + 1), w, fib * (levels + 1) + v, loc).reshape(nf, levels + 1, w)
    return np.bitwise_or.accumulate(per[:, :levels], axis=1)  # row q: values ≥ levels - q


def _at_level(table: np.ndarray, fib: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The rows of an :func:`_above` table for these groups and levels."""
    return table[fib, table.shape[1] - 1 - level]


def _popcount(a: np.ndarray) -> int:
    if hasattr(np, "bitwise_count"):  # numpy ≥ 2
        return int(np.bitwise_count(a).sum(dtype=np.int64))
    return int(np.unpackbits(np.ascontiguousarray(a).view(np.uint8)).sum(dtype=np.int64))


def _scc(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Strongly connected component of every node (labels 0..k-1) of the graph with edges
    ``src → dst``: forward max-label propagation, then backward reachability of each label's
    root inside its label, repeated on what is left (all components found by one round leave)."""
    comp = np.full(n, -1, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    ids = np.arange(n, dtype=np.int64)
    while active.any():
        keep = active[src] & active[dst]
        s, d = src[keep], dst[keep]
        color = np.where(active, ids, -1)
        by_dst = np.argsort(d, kind="stable")
        sd, dd = s[by_dst], d[by_dst]
        heads = np.flatnonzero(np.r_[True, dd[1:] != dd[:-1]]) if dd.size else dd
        while dd.size:
            best = np.maximum.reduceat(color[sd], heads)
            new = color.copy()
            np.maximum.at(new, dd[heads], best)
            if np.array_equal(new, color):
                break
            color = new
        inside = active & (color == ids)          # each label's root
        same = color[s] == color[d]
        bs, bd = s[same], d[same]
        while bs.size:
            grow = inside[bd] & ~inside[bs]
            if not grow.any():
                break
            inside[bs[grow]] = True
        comp[inside] = color[inside]
        active &= ~inside
    _, lab = np.unique(comp, return_inverse=True)
    return lab.ravel()


def _closure(n: int, src: np.ndarray, dst: np.ndarray, fib: np.ndarray, loc: np.ndarray,
             w: int, lab: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Component of every state and, per component, the bitset (positions in the state's group)
    of the states reachable from it, itself included. ``lab``: components already known (the
    graph is then symmetric: no edges between components)."""
    if lab is not None:
        return lab, _bits(int(lab.max()) + 1 if n else 0, w, lab, loc)
    lab = _scc(n, src, dst)
    m = int(lab.max()) + 1 if n else 0
    reach = _bits(m, w, lab, loc)
    cs, cd = lab[src], lab[dst]
    cross = cs != cd
    if not cross.any():
        return lab, reach
    pair = np.unique(cs[cross] * m + cd[cross])
    cs, cd = pair // m, pair % m
    level = np.zeros(m, dtype=np.int64)  # longest path to a sink of the component graph
    heads = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    while True:
        new = level.copy()
        new[cs[heads]] = np.maximum.reduceat(level[cd] + 1, heads)
        if np.array_equal(new, level):
            break
        level = new
    for lv in range(1, int(level.max()) + 1):
        e = level[cs] == lv
        a, b = cs[e], cd[e]
        hd = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        reach[a[hd]] |= np.bitwise_or.reduceat(reach[b], hd, axis=0)
    return lab, reach


class _CoalitionMoves:
    """One coalition's reachable sets and payoff-level tables, to test all states at once."""

    def __init__(self, conflict: Conflict, h: tuple[int, ...], moves: Sequence[MoveGraph],
                 sanction_min: np.ndarray):
        n = conflict.n_states
        pay = conflict.payoffs
        self.h = h
        self.fib, self.loc, big = _fibers(conflict, h)
        self.w = w = max(1, -(-big // 64))
        nf = int(self.fib.max()) + 1 if n else 0
        if _reversible(conflict, h):
            self.lab, self.reach = _closure(n, np.empty(0, np.int64), np.empty(0, np.int64),
                                            self.fib, self.loc, w, _components(conflict, h))
        else:
            src = np.concatenate([moves[i].sources() for i in h]).astype(np.int64)
            dst = np.concatenate([moves[i].indices for i in h]).astype(np.int64)
            self.lab, self.reach = _closure(n, src, dst, self.fib, self.loc, w)
        self.pay = [pay[i] for i in h]
        levels = [int(p.max()) + 1 if n else 0 for p in self.pay]
        self.better = [_above(self.fib, self.loc, p, lv, nf, w)
                       for p, lv in zip(self.pay, levels)]
        # sanction_min[t, a]: the least payoff of member a the others can push t down to
        self.unsanctioned = [_above(self.fib, self.loc, sanction_min[:, a], lv, nf, w)
                             for a, lv in enumerate(levels)]
        gpos = np.full((nf, w * 64), -1, dtype=np.int64)
        gpos[self.fib, self.loc] = np.arange(n)
        self.gpos = gpos

    def improvements(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), w) bitsets of the coalition improvements from the states ``rows``."""
        f = self.fib[rows]
        imp = self.reach[self.lab[rows]]
        for p, b in zip(self.pay, self.better):
            imp &= _at_level(b, f, p[rows])
        return imp

    def decode(self, s: int) -> list[int]:
        row = self.improvements(np.array([s]))[0]
        pos = np.flatnonzero(np.unpackbits(row.view(np.uint8), bitorder="little"))
        return np.sort(self.gpos[self.fib[s], pos]).tolist()
