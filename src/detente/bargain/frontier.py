"""Pareto frontiers: of a discrete package grid, and sampled points for charts.

:func:`pareto_mask` finds the non-dominated rows of a utility matrix (packages ×
members). It first discards every package dominated by one of a few hundred
frontier points that are cheap to get — with separable utilities the package
maximising a weighted sum of utilities is, issue by issue, the best level for
that weighted sum — and then compares only the survivors pairwise, in blocks.
Exact: a package dominated by a discarded one is dominated by whatever
discarded it (dominance is transitive).

:func:`frontier_points` samples the continuous frontier of a table for charts:
for weight vectors λ on the simplex, the package maximising Σ λ_k U_k is the
λ-weighted median of the members' positions on each issue.
"""

from __future__ import annotations

import bisect

import numpy as np

from ..forecast.central import weighted_median
from .core import utilities

__all__ = ["frontier_points", "grid_frontier", "grid_utilities", "pareto_mask"]


def grid_utilities(w: np.ndarray, p: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Utilities (P, K) of every package on a grid: w, p (K, I); levels (L,) in [0, 1].

    P = L ** I packages, in C order (the last issue varies fastest).
    """
    k, m = w.shape
    per = w[:, :, None] * (1.0 - np.abs(levels[None, None, :] - p[:, :, None]))  # (K, I, L)
    u = np.zeros((1, k))
    for j in range(m):
        u = (u[:, None, :] + per[:, j, :].T[None, :, :]).reshape(-1, k)
    return u


def _dominated_by(cand: np.ndarray, ref: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """For each row of cand: is some row of ref ≥ in every column and > in one?"""
    out = np.zeros(len(cand), bool)
    for s in range(0, len(cand), chunk):
        c = cand[s:s + chunk]
        ge = (ref[None, :, :] >= c[:, None, :]).all(axis=2)
        gt = (ref[None, :, :] > c[:, None, :]).any(axis=2)
        out[s:s + chunk] = (ge & gt).any(axis=1)
    return out


def _mask_sweep(u: np.ndarray) -> np.ndarray:
    """Exact Pareto mask for two or three columns: sort by the first, sweep a staircase."""
    n, k = u.shape
    order = np.lexsort(tuple(-u[:, c] for c in range(k - 1, -1, -1)))  # by u0 desc, then …
    mask = np.zeros(n, bool)
    stair_a: list[float] = []  # second column, ascending
    stair_b: list[float] = []  # third column (0 for k = 2), descending
    i = 0
    us = u[order]
    while i < n:
        j = i
        while j < n and us[j, 0] == us[i, 0]:
            j += 1
        group = us[i:j]
        gidx = order[i:j]
        cols = group[:, 1:] if k == 3 else np.c_[group[:, 1], np.zeros(len(group))]
        keep = np.ones(len(group), bool)
        for g, (a, b) in enumerate(cols):
            pos = bisect.bisect_left(stair_a, a)
            if pos < len(stair_a) and stair_b[pos] >= b:
                keep[g] = False  # dominated by a point with a strictly larger first column
        # within the group (equal first column): plain 2-D dominance
        for g in np.flatnonzero(keep):
            a, b = cols[g]
            others = cols[keep] if keep.sum() > 1 else cols[:0]
            if ((others[:, 0] >= a) & (others[:, 1] >= b)
                    & ((others[:, 0] > a) | (others[:, 1] > b))).any():
                keep[g] = False
        for g in np.flatnonzero(keep):
            a, b = float(cols[g, 0]), float(cols[g, 1])
            pos = bisect.bisect_left(stair_a, a)
            if pos < len(stair_a) and stair_b[pos] >= b:
                continue
            lo = pos
            while lo > 0 and stair_b[lo - 1] <= b:
                lo -= 1
            del stair_a[lo:pos], stair_b[lo:pos]
            stair_a.insert(lo, a)
            stair_b.insert(lo, b)
        mask[gidx[keep]] = True
        i = j
    return mask


def pareto_mask(u: np.ndarray, probes: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the Pareto-optimal rows of u (P, K) (maximisation, exact).

    Rows dominated by ``probes`` (by default the best rows for 64 fixed
    positive weightings of the columns, which are Pareto-optimal) are discarded
    first, in one vectorised pass; the survivors then go through a sort and a
    staircase sweep (two or three members, O(P log P)) or pairwise comparison
    in blocks (more members).
    """
    u = np.asarray(u, dtype=float)
    n, k = u.shape
    if k == 1:
        return u[:, 0] == u[:, 0].max()
    if probes is None:
        rng = np.random.default_rng(0)  # fixed: the result does not depend on it
        lam = rng.dirichlet(np.ones(k), size=64)
        probes = u[np.unique(np.argmax(u @ lam.T, axis=0))]
    alive = ~_dominated_by(u, probes)
    idx = np.flatnonzero(alive)
    cand = u[idx]
    keep = _mask_sweep(cand) if k in (2, 3) else ~_dominated_by(cand, cand)
    mask = np.zeros(n, bool)
    mask[idx[keep]] = True
    return mask


def grid_frontier(w: np.ndarray, p: np.ndarray, levels: np.ndarray):
    """Pareto-optimal packages of a discrete grid: (packages (F, I) as level indices,
    utilities (F, K)).

    On an issue someone cares about, a level below every caring member's ideal
    point is dominated by the next level up as long as that one is still at or
    below them all (it brings every caring member closer); likewise above. So
    only the levels strictly between the extreme ideal points, plus the closest
    level on either side, are enumerated.
    """
    k, m = w.shape
    keep_levels = []
    for j in range(m):
        care = w[:, j] > 0
        if care.any():
            lo, hi = p[care, j].min(), p[care, j].max()
            below = np.flatnonzero(levels <= lo)
            above = np.flatnonzero(levels >= hi)
            inside = set(np.flatnonzero((levels > lo) & (levels < hi)).tolist())
            if below.size:
                inside.add(int(below[np.argmax(levels[below])]))  # the closest level below
            if above.size:
                inside.add(int(above[np.argmin(levels[above])]))  # the closest level above
            keep_levels.append(np.array(sorted(inside)))
        else:
            keep_levels.append(np.arange(len(levels)))
    grids = np.meshgrid(*keep_levels, indexing="ij")
    idx = np.stack([g.ravel() for g in grids], axis=1)
    x = levels[idx]
    u = (w[None] * (1.0 - np.abs(x[:, None, :] - p[None]))).sum(axis=2)
    mask = pareto_mask(u)
    return idx[mask], u[mask]


def frontier_points(w: np.ndarray, p: np.ndarray, q: np.ndarray, free: np.ndarray,
                    n_points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Packages (P, I) and utilities (P, K) on the Pareto frontier of one table (one draw).

    w, p: (K, I); q: (I,); free: (I,) bool. Weight vectors: the simplex corners
    plus a fixed quasi-random set, so the output is deterministic.
    """
    k, m = w.shape
    rng = np.random.default_rng(12345)
    lam = np.vstack([np.eye(k), rng.dirichlet(np.ones(k), size=max(n_points - k, 0))])
    x = np.tile(q, (len(lam), 1)).astype(float)
    for j in np.flatnonzero(free):
        # the λ-weighted sum of utilities is maximised at the λ·w-weighted median
        med = weighted_median(lam * w[None, :, j], np.broadcast_to(p[:, j], lam.shape))
        x[:, j] = np.where(np.isnan(med), q[j], med)  # nobody weighted: the status quo
    u = utilities(np.broadcast_to(w, (len(lam), k, m)), np.broadcast_to(p, (len(lam), k, m)), x)
    keep = pareto_mask(u)
    _, uniq = np.unique(np.round(u[keep], 12), axis=0, return_index=True)
    sel = np.flatnonzero(keep)[np.sort(uniq)]
    return x[sel], u[sel]
