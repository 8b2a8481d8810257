"""Bargaining solutions over packages, vectorised over draws.

Every function takes the members' utility weights ``w`` and ideal points ``p``
(N, K, I), their no-deal values ``d`` (N, K), the status quo ``q`` (N, I) and
which issues may move (``free``, (N, I); the others stay at the status quo).
Optional *side constraints* (``cw``, ``cp``, ``cd``: actors who are not at the
table but whose acceptance is required) restrict the packages to those every
side actor also prefers to its no-deal value.

Two-member tables without side constraints use the exact frontier
(:mod:`.two_members`); everything else uses the interior-point solver
(:mod:`.solver`). They agree to ~1e-8 in zone value, ideal points and KS shares and
to ~1e-9 in the Nash objective; the Nash *package* is the argmax of a smooth function,
so where it sits at (or next to) a kink of the frontier the solver's utilities can be
off by up to a few 1e-6 (tests/test_bargain_core.py).

Definitions (DESIGN.md; docs/explanation/bargaining.md):

* zone value z = max_x min_k (U_k(x) − d_k): a zone of agreement exists when
  z > :data:`ZONE_TOL` (every member can gain at once); when z ≤ 0, −z is the
  smallest uniform concession (lowering of every member's no-deal value) that
  would open one.
* Nash: argmax Π_k (U_k − d_k)^α_k (Nash 1950; weighted: Kalai 1977).
* Kalai–Smorodinsky: the frontier point where every member gets the same share
  of its ideal gain, a_k = max U_k over the acceptable set (Kalai &
  Smorodinsky 1975).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..utility import utility
from . import one_issue, two_members
from .solver import Program, State, lifted_start, recentre, solve

__all__ = ["ZONE_TOL", "Side", "kalai_smorodinsky", "nash", "utilities", "zone"]

ZONE_TOL = 1e-7
"""A zone of agreement exists when every member can gain more than this (utility units)."""


@dataclass(frozen=True)
class Side:
    """Side constraints: actors off the table whose acceptance is required."""

    w: np.ndarray  # (N, V, I)
    p: np.ndarray  # (N, V, I)
    d: np.ndarray  # (N, V)

    @property
    def size(self) -> int:
        return int(self.w.shape[1])


def utilities(w: np.ndarray, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """U_k(x) for packages x (N, I): (N, K) — :func:`detente.utility.utility`, with the
    bargaining modules' argument order."""
    return utility(x, p, w)


def _box(q: np.ndarray, free: np.ndarray):
    return np.where(free, 0.0, q), np.where(free, 1.0, q)


def _stack(w, p, d, side: Side | None):
    if side is None or side.size == 0:
        return w, p, d, 0
    return (np.concatenate([w, side.w], axis=1), np.concatenate([p, side.p], axis=1),
            np.concatenate([d, side.d], axis=1), side.size)


def _sub(side: Side | None, rows) -> Side | None:
    return None if side is None else Side(side.w[rows], side.p[rows], side.d[rows])


def zone(w, p, d, q, free, side: Side | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(z, x): the largest gain every member (and side actor) can get at once, and a package
    achieving it. z > ZONE_TOL: a zone of agreement exists.

    The method is chosen per draw (so a draw's result never depends on the others): the exact
    two-member frontier, the exact one-issue search, or the interior-point solver.
    """
    if w.shape[1] == 2 and (side is None or side.size == 0):
        f = two_members.frontier2(w, p, q, free)
        return two_members.maxmin2(f, d)
    W, P, D, _ = _stack(w, p, d, side)
    n, k, m = W.shape
    nfree = free.sum(axis=1)
    z = np.empty(n)
    x = np.array(q, dtype=float, copy=True)
    none = nfree == 0
    if none.any():
        z[none] = (utilities(W[none], P[none], q[none]) - D[none]).min(axis=1)
    one = nfree == 1
    if one.any():
        z[one], x[one] = one_issue.zone1(W[one], P[one], D[one], q[one], np.argmax(free[one], axis=1))
    many = nfree > 1
    if many.any():
        Wm, Pm, Dm, fm, qm = W[many], P[many], D[many], free[many], q[many]
        nm = int(many.sum())
        lo, hi = _box(qm, fm)
        prog = Program(w=Wm, p=Pm, e=Dm, lo=lo, hi=hi, free=fm, nu=np.ones((nm, k)),
                       s=np.ones((nm, k)), c=1.0)
        x0 = np.where(fm, 0.5, qm)
        t0 = lifted_start(prog, x0)
        u0 = (Wm * (1.0 - t0)).sum(axis=2)
        st = solve(prog, State(x0, t0, (u0 - Dm).min(axis=1) - 1.0))
        x[many] = st.x
        z[many] = (utilities(Wm, Pm, st.x) - Dm).min(axis=1)
    return z, x


def nash(w, p, d, q, free, alpha, side: Side | None = None, *, start=None):
    """The Nash bargaining solution (weights ``alpha`` (N, K)); NaN rows where no zone.

    Returns (x (N, I), z (N,)) — z is the zone value used to decide feasibility.
    """
    n, k, m = w.shape
    if k == 2 and (side is None or side.size == 0):
        f = two_members.frontier2(w, p, q, free)
        z, _ = two_members.maxmin2(f, d)
        _, x = two_members.nash2(f, d, alpha)
        return np.where((z > ZONE_TOL)[:, None], x, np.nan), z
    z, xz = zone(w, p, d, q, free, side) if start is None else start
    ok = z > ZONE_TOL
    out = np.full((n, m), np.nan)
    nfree = free.sum(axis=1)
    none = ok & (nfree == 0)
    out[none] = q[none]
    one = ok & (nfree == 1)
    if one.any():
        W, P, D, _ = _stack(w[one], p[one], d[one], _sub(side, one))
        out[one] = one_issue.nash1(W, P, D, q[one], np.argmax(free[one], axis=1), alpha[one], k)
    many = ok & (nfree > 1)
    if many.any():
        W, P, D, _ = _stack(w[many], p[many], d[many], _sub(side, many))
        lo, hi = _box(q[many], free[many])
        nm, kk = W.shape[0], W.shape[1]
        gamma = np.zeros((nm, kk))
        gamma[:, :k] = alpha[many]
        nu = np.zeros((nm, kk))
        nu[:, k:] = 1.0
        prog = Program(w=W, p=P, e=D, lo=lo, hi=hi, free=free[many], gamma=gamma, nu=nu)
        st = solve(prog, recentre(prog, xz[many], z[many]))
        out[many] = st.x
    return out, z


def ideal_points(w, p, d, q, free, side: Side | None = None, *, start=None) -> np.ndarray:
    """a_k = max U_k over the acceptable set, for every member (N, K); NaN where no zone."""
    n, k, m = w.shape
    if k == 2 and (side is None or side.size == 0):
        f = two_members.frontier2(w, p, q, free)
        z, _ = two_members.maxmin2(f, d)
        a = two_members.ideal2(f, d)
        return np.where((z > ZONE_TOL)[:, None], a, np.nan)
    z, xz = zone(w, p, d, q, free, side) if start is None else start
    ok = z > ZONE_TOL
    out = np.full((n, k), np.nan)
    if not ok.any():
        return out
    sub = None if side is None else Side(side.w[ok], side.p[ok], side.d[ok])
    W, P, D, _ = _stack(w[ok], p[ok], d[ok], sub)
    no, kk = W.shape[0], W.shape[1]
    # one program per (draw, member), stacked along the batch axis
    rep = lambda a: np.repeat(a, k, axis=0)  # noqa: E731
    beta = np.zeros((no * k, kk))
    beta[np.arange(no * k), np.tile(np.arange(k), no)] = 1.0
    lo, hi = _box(q[ok], free[ok])
    prog = Program(w=rep(W), p=rep(P), e=rep(D), lo=rep(lo), hi=rep(hi), free=rep(free[ok]),
                   beta=beta, nu=np.ones((no * k, kk)))
    st = solve(prog, recentre(prog, rep(xz[ok]), rep(z[ok])))
    u = utilities(rep(W), rep(P), st.x)
    out[ok] = u[np.arange(no * k), np.tile(np.arange(k), no)].reshape(no, k)
    return out


def kalai_smorodinsky(w, p, d, q, free, side: Side | None = None, *, start=None):
    """The Kalai–Smorodinsky solution: (x (N, I), ideal (N, K)); NaN rows where no zone."""
    n, k, m = w.shape
    z, xz = zone(w, p, d, q, free, side) if start is None else start
    a = ideal_points(w, p, d, q, free, side, start=(z, xz))
    ok = (z > ZONE_TOL) & np.isfinite(a).all(axis=1)
    out = np.full((n, m), np.nan)
    if not ok.any():
        return out, a
    scale = np.maximum(a - d, 1e-12)
    if k == 2 and (side is None or side.size == 0):
        f = two_members.frontier2(w, p, q, free)
        _, x = two_members.maxmin2(f, d, scale)
        out[ok] = x[ok]
        return out, a
    sub = None if side is None else Side(side.w[ok], side.p[ok], side.d[ok])
    W, P, D, _ = _stack(w[ok], p[ok], d[ok], sub)
    no, kk = W.shape[0], W.shape[1]
    s = np.zeros((no, kk))
    s[:, :k] = scale[ok]
    lo, hi = _box(q[ok], free[ok])
    prog = Program(w=W, p=P, e=D, lo=lo, hi=hi, free=free[ok], nu=np.ones((no, kk)), s=s, c=1.0)
    start_state = recentre(prog, xz[ok], z[ok])
    st = solve(prog, State(start_state.x, start_state.t, np.zeros(no)))
    out[ok] = _leximin_polish(W, P, D, q[ok], free[ok], s, k, st.x)
    return out, a


KS_SLACK = 1e-9
"""Leximin polish: every member keeps at least (t* − KS_SLACK) of its ideal gain."""


def _leximin_polish(W, P, D, q, free, scale, k, x):
    """With three or more members the max–min point on the segment to the ideal point can be
    only weakly Pareto-optimal (a member left below what it could get at no one's cost). Keep
    every member's share of its ideal gain at the max–min level t* and maximise the sum of
    shares: the result is Pareto-optimal and, generically, unique."""
    n, kk = W.shape[0], W.shape[1]
    gains = utilities(W, P, x) - D
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(scale > 0, gains / np.where(scale > 0, scale, 1.0), np.inf)
    tstar = share[:, :k].min(axis=1)
    e = D.copy()
    e[:, :k] = D[:, :k] + (tstar - KS_SLACK)[:, None] * scale[:, :k]
    slack = (utilities(W, P, x) - e).min(axis=1)
    good = slack > 1e-11  # too little room to move: the max–min point stands
    if not good.any():
        return x
    beta = np.zeros((n, kk))
    beta[:, :k] = 1.0 / np.maximum(scale[:, :k], 1e-12)
    lo, hi = _box(q, free)
    g = good
    prog = Program(w=W[g], p=P[g], e=e[g], lo=lo[g], hi=hi[g], free=free[g], beta=beta[g],
                   nu=np.ones((int(g.sum()), kk)))
    st = solve(prog, recentre(prog, x[g], slack[g]))
    out = x.copy()
    out[g] = st.x
    return out
