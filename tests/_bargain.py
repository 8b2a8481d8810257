"""Shared helpers for the bargaining tests: random problems, brute-force grids, and ways to
send one problem down each of the three solver paths of :mod:`detente.bargain.core`.

Notation as in core: ``w``, ``p`` (N, K, I) weights and ideal points, ``d`` (N, K) no-deal
values, ``q`` (N, I) status quo, ``free`` (N, I) the issues that may move.

The paths. Core picks a solver by the shape of the problem: two members without side
constraints → the exact frontier (two_members); one free issue → 1-D search (one_issue); anything
else → the interior-point solver. To run the *same* problem on another path we add things
that provably change nothing:

* a **slack side constraint**: an off-table actor whose no-deal value is −10 (utilities lie in
  [0, 1], so it accepts every package and its gain, ≥ 9, never is the smallest); its presence
  takes two-member problems off the exact frontier;
* a **dummy issue**: free, and weighted 0 by everyone (members and side actor), so no utility
  depends on it; with it a one-issue problem has two free issues and leaves the 1-D search.
"""

from __future__ import annotations

import itertools

import numpy as np

from detente.bargain import core
from detente.bargain.core import Side

PATHS = ("two_members", "one_issue", "solver")


def utilities(w: np.ndarray, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """U_k(x) = Σ_j w_kj (1 − |x_j − p_kj|) for packages x (N, I) → (N, K), written out anew
    (not core's) so the tests do not check the code against itself."""
    n, k, m = w.shape
    out = np.zeros((n, k))
    for j in range(m):
        out += w[:, :, j] * (1.0 - np.abs(x[:, j, None] - p[:, :, j]))
    return out


def random_problems(rng: np.random.Generator, n: int, k: int, m: int, *,
                    cost: tuple[float, float] = (-0.1, 0.2), zero: float = 0.2):
    """n random tables: saliences 0 (with probability ``zero``) or in [0.05, 1] (every member
    cares about issue 0), positions and status quo uniform, d = U(q) − cost."""
    sal = rng.uniform(0.05, 1.0, (n, k, m)) * (rng.random((n, k, m)) >= zero)
    sal[..., 0] = np.maximum(sal[..., 0], 0.05)
    w = sal / sal.sum(axis=2, keepdims=True)
    p = rng.random((n, k, m))
    q = rng.random((n, m))
    d = utilities(w, p, q) - rng.uniform(*cost, (n, k))
    return w, p, d, q


def grid(m: int, points: int) -> np.ndarray:
    """Every package of a regular grid on [0, 1]^m: (points**m, m)."""
    g = np.linspace(0.0, 1.0, points)
    return np.array(list(itertools.product(g, repeat=m)))


def grid_utilities(w1: np.ndarray, p1: np.ndarray, packages: np.ndarray) -> np.ndarray:
    """Utilities (G, K) of many packages (G, I) for one draw (w1, p1: (K, I))."""
    return (w1[None] * (1.0 - np.abs(packages[:, None, :] - p1[None]))).sum(axis=2)


def slack_side(n: int, m: int) -> Side:
    """An off-table actor who accepts everything (no-deal value −10)."""
    return Side(np.full((n, 1, m), 1.0 / m), np.full((n, 1, m), 0.3), np.full((n, 1), -10.0))


def with_dummy_issue(w, p, q, free, side: Side):
    """Append an issue that is free and that nobody (members or side actor) weighs."""
    n, k, _ = w.shape
    w2 = np.concatenate([w, np.zeros((n, k, 1))], axis=2)
    p2 = np.concatenate([p, np.full((n, k, 1), 0.5)], axis=2)
    q2 = np.concatenate([q, np.full((n, 1), 0.5)], axis=1)
    f2 = np.concatenate([free, np.ones((n, 1), bool)], axis=1)
    s2 = Side(np.concatenate([side.w, np.zeros((n, side.size, 1))], axis=2),
              np.concatenate([side.p, np.full((n, side.size, 1), 0.5)], axis=2), side.d)
    return w2, p2, q2, f2, s2


def _route(path: str, w, p, q, free):
    """(w, p, q, free, side, strip) that send the problem down ``path``; strip(x) drops the
    dummy issue from packages."""
    n, k, m = w.shape
    if path == "two_members":
        assert k == 2, "the exact frontier is for two members"
        return w, p, q, free, None, lambda x: x
    side = slack_side(n, m)
    if path == "one_issue":
        assert (free.sum(axis=1) == 1).all(), "the 1-D search is for one free issue"
        return w, p, q, free, side, lambda x: x
    if path == "solver":
        w2, p2, q2, f2, s2 = with_dummy_issue(w, p, q, free, side)
        return w2, p2, q2, f2, s2, lambda x: x[:, :m]
    raise ValueError(path)


def zone(path, w, p, d, q, free):
    """Zone value z (N,) on the given path."""
    W, P, Q, F, side, _ = _route(path, w, p, q, free)
    return core.zone(W, P, d, Q, F, side)[0]


def nash(path, w, p, d, q, free, alpha=None):
    """Nash package (N, I) on the given path (NaN rows where no zone)."""
    n, k, _ = w.shape
    alpha = np.ones((n, k)) if alpha is None else alpha
    W, P, Q, F, side, strip = _route(path, w, p, q, free)
    return strip(core.nash(W, P, d, Q, F, alpha, side)[0])


def kalai_smorodinsky(path, w, p, d, q, free):
    """(KS package (N, I), ideal utilities (N, K)) on the given path."""
    W, P, Q, F, side, strip = _route(path, w, p, q, free)
    x, a = core.kalai_smorodinsky(W, P, d, Q, F, side)
    return strip(x), a


def log_nash(gain: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """Σ α_k log g_k along the last axis; −inf where some gain is ≤ 0."""
    alpha = np.ones(gain.shape[-1]) if alpha is None else alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (alpha * np.log(np.where(gain > 0, gain, 1.0))).sum(axis=-1)
    return np.where((gain > 0).all(axis=-1), v, -np.inf)


def dominating(u_star: np.ndarray, u: np.ndarray, *, slack: float = 1e-9,
               strict: float = 1e-7) -> np.ndarray:
    """Rows of u (G, K) that weakly dominate u_star (K,): no member worse by more than
    ``slack``, some member better by more than ``strict``."""
    diff = u - u_star[None, :]
    return (diff >= -slack).all(axis=1) & (diff > strict).any(axis=1)


def probes(rng: np.random.Generator, x: np.ndarray, free: np.ndarray, count: int = 4000):
    """Packages to test Pareto optimality of x (I,): uniform ones and small perturbations of x
    at three scales, plus moving each free issue alone; fixed issues stay put."""
    m = x.size
    parts = [rng.random((count, m))]
    for scale in (1e-2, 1e-4, 1e-6):
        parts.append(x + rng.normal(0.0, scale, (count, m)))
    steps = np.linspace(-1.0, 1.0, 401)
    for j in range(m):
        y = np.tile(x, (steps.size, 1))
        y[:, j] = y[:, j] + steps
        parts.append(y)
    y = np.clip(np.vstack(parts), 0.0, 1.0)
    return np.where(free[None, :], y, x[None, :])
