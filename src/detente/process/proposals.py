"""What a proposer offers, and what a responder would get by waiting (vectorised over rows).

A *row* is one (draw, month) problem. Members' utilities are detente's separable,
piecewise-linear ones (w, p: (R, K, I)); ``free`` (R, I) are the issues that may move, the
others stay at the status quo ``q`` (R, I).

* :func:`best_package` — the proposer's best package that gives every other member at least
  its floor: max U_k(x) s.t. U_j(x) ≥ f_j (j ≠ k), U_k(x) ≥ f_k. Two members: exactly, on the
  Pareto frontier polyline (:mod:`detente.bargain.two_members`); more: the interior-point solver.
* :func:`continuation` — each member's value of rejecting a proposal and going on: the
  stationary subgame-perfect equilibrium (SSPE) of the bargaining game with the scenario's
  protocol. Two members: solved exactly on the frontier by fixed-point iteration, for random
  recognition (Baron & Ferejohn 1989, closed rule, unanimity) or alternating offers
  (Rubinstein 1982), with per-member discount factors δ_j. More members: the responders'
  continuation is δ_j·v_j + (1 − δ_j)·d_j with v the asymmetric Nash bargaining payoffs weighted
  by recognition probabilities — the SSPE's limit as δ → 1 (Binmore, Rubinstein & Wolinsky
  1986; Britz, Herings & Predtetchinski 2010) and exact for transferable utility with a
  common δ (Baron & Ferejohn's proposer premium, tests/test_process_theory.py).
"""

from __future__ import annotations

import numpy as np

from ..bargain import core
from ..bargain.core import ZONE_TOL
from ..bargain.two_members import Frontier2, frontier2, nash2
from ..bargain.solver import Program, recentre, solve

__all__ = ["best_package", "best_on_frontier", "continuation", "nash_from", "pair_bound"]



def _rows(f: Frontier2, rows: np.ndarray) -> Frontier2:
    return Frontier2(v=f.v[rows], order=f.order[rows], p1=f.p1[rows], p2=f.p2[rows],
                     base=f.base[rows], free=f.free[rows])


def best_on_frontier(v: np.ndarray, k: int, floor: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """On a two-member frontier polyline ``v`` (R, S+1, 2) — member 0's utility falling and
    member 1's rising along it — member k's best point where the other gets ≥ ``floor``.

    Returns (feasible (R,), utilities (R, 2), segment (R,), θ (R,)).
    """
    r, s1, _ = v.shape
    o = 1 - k
    seq = v if k == 0 else v[:, ::-1, :]
    ok = seq[:, :, o] >= floor[:, None]
    feasible = ok.any(axis=1)
    first = np.argmax(ok, axis=1)
    prev = np.maximum(first - 1, 0)
    pa = np.take_along_axis(seq, prev[:, None, None].repeat(2, 2), axis=1)[:, 0]
    pb = np.take_along_axis(seq, first[:, None, None].repeat(2, 2), axis=1)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        th = (floor - pa[:, o]) / (pb[:, o] - pa[:, o])
    th = np.clip(np.where(np.isfinite(th), th, 1.0), 0.0, 1.0)
    th = np.where(first > 0, th, 1.0)  # at the first vertex itself
    u = pa + th[:, None] * (pb - pa)
    # segment index in the original (forward) orientation and θ along it
    if k == 0:
        seg, theta = np.where(first > 0, first - 1, 0), np.where(first > 0, th, 0.0)
    else:
        last = s1 - 1 - first  # vertex index (forward) of pb
        seg = np.where(first > 0, last, np.maximum(last - 1, 0))
        theta = np.where(first > 0, 1.0 - th, np.where(last > 0, 1.0, 0.0))
    return feasible, u, seg, theta


def best_package(w: np.ndarray, p: np.ndarray, floors: np.ndarray, q: np.ndarray,
                 free: np.ndarray, proposer: np.ndarray, frontier: Frontier2 | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The proposer's best package subject to every member's floor (R, K).

    Returns (x (R, I), feasible (R,)): x is NaN where no package meets every floor with room
    to spare (more than :data:`ZONE_TOL`). ``frontier``: the rows' two-member frontier, if
    already computed.
    """
    r, k, m = w.shape
    x = np.full((r, m), np.nan)
    if r == 0:
        return x, np.zeros(0, bool)
    if k == 2:
        f = frontier if frontier is not None else frontier2(w, p, q, free)
        feasible = np.zeros(r, bool)
        for kk in (0, 1):
            rows = proposer == kk
            if not rows.any():
                continue
            ok, u, seg, th = best_on_frontier(f.v[rows], kk, floors[rows, 1 - kk])
            ok &= u[:, kk] - floors[rows, kk] > ZONE_TOL
            xr = _rows(f, rows).package(seg, th)
            x[rows] = np.where(ok[:, None], xr, np.nan)
            feasible[rows] = ok
        return x, feasible
    z = pair_bound(w, p, floors, q, free)
    maybe = z > ZONE_TOL
    xz = np.full((r, m), np.nan)
    if maybe.any():
        z[maybe], xz[maybe] = core.zone(w[maybe], p[maybe], floors[maybe], q[maybe],
                                        free[maybe])
    ok = z > ZONE_TOL
    if ok.any():
        lo, hi = np.where(free[ok], 0.0, q[ok]), np.where(free[ok], 1.0, q[ok])
        no = int(ok.sum())
        beta = np.zeros((no, k))
        beta[np.arange(no), proposer[ok]] = 1.0
        prog = Program(w=w[ok], p=p[ok], e=floors[ok], lo=lo, hi=hi, free=free[ok],
                       beta=beta, nu=np.ones((no, k)))
        st = solve(prog, recentre(prog, xz[ok], z[ok]))
        x[ok] = st.x
    return x, ok


def pair_bound(w: np.ndarray, p: np.ndarray, d: np.ndarray, q: np.ndarray,
               free: np.ndarray) -> np.ndarray:
    """An upper bound of the zone value (R,) of a table of more than two members: the
    smallest exact zone value of any two of them (adding members can only shrink the set of
    packages everyone accepts). ≤ ZONE_TOL: no zone, without calling the solver."""
    from ..bargain.two_members import maxmin2

    k = w.shape[1]
    out = np.full(w.shape[0], np.inf)
    for i in range(k):
        for j in range(i + 1, k):
            pair = [i, j]
            z, _ = maxmin2(frontier2(w[:, pair], p[:, pair], q, free), d[:, pair])
            out = np.minimum(out, z)
    return out


def nash_from(w: np.ndarray, p: np.ndarray, d: np.ndarray, q: np.ndarray, free: np.ndarray,
              alpha: np.ndarray, x0: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`detente.bargain.core.nash` for the process model's many months: rows that two
    members alone already deny a zone (:func:`pair_bound`) are answered without the solver
    (x NaN, z that bound); the others start from a package ``x0`` (R, I) where it gives every
    member more than its no-deal value (no phase-I search needed), else from scratch.

    Returns (x, z): z > ZONE_TOL exactly where a zone exists; it is then the zone value, or
    (warm rows) the smallest member gain at x0, a lower bound of it."""
    if w.shape[1] == 2:
        return core.nash(w, p, d, q, free, alpha)
    bound = pair_bound(w, p, d, q, free)
    x = np.full(q.shape, np.nan)
    z = bound.copy()
    maybe = bound > ZONE_TOL
    if maybe.any():
        sub = (w[maybe], p[maybe], d[maybe], q[maybe], free[maybe], alpha[maybe])
        x[maybe], z[maybe] = _nash_warm(*sub, None if x0 is None else x0[maybe])
    return x, z


def _nash_warm(w, p, d, q, free, alpha, x0):
    if x0 is None:
        return core.nash(w, p, d, q, free, alpha)
    have = np.isfinite(x0).all(axis=1)
    slack = np.where(have, (core.utilities(w, p, np.nan_to_num(x0)) - d).min(axis=1), -1.0)
    warm = slack > ZONE_TOL
    x = np.full(q.shape, np.nan)
    z = np.full(q.shape[0], -np.inf)
    if warm.any():
        x[warm], _ = core.nash(w[warm], p[warm], d[warm], q[warm], free[warm], alpha[warm],
                               start=(slack[warm], x0[warm]))
        z[warm] = slack[warm]  # a lower bound of the zone value: enough to say there is one
    cold = ~warm
    if cold.any():
        x[cold], z[cold] = core.nash(w[cold], p[cold], d[cold], q[cold], free[cold],
                                     alpha[cold])
    return x, z


PATIENCE_EPS = 1e-6
"""1 − δ is floored at this when weighting members by patience (δ = 1: the most patient)."""
BISECTIONS = 64


def continuation(w: np.ndarray, p: np.ndarray, d: np.ndarray, q: np.ndarray,
                 free: np.ndarray, rho: np.ndarray, delta: np.ndarray, *,
                 alternating: bool = False, frontier: Frontier2 | None = None,
                 start: np.ndarray | None = None) -> np.ndarray:
    """Each member's value of rejecting and going on, in the SSPE (R, K); NaN where the
    members have no zone of agreement (d: their no-deal values, (R, K)).

    A responder j accepts a proposal x exactly when U_j(x) ≥ this value. Random recognition
    with probabilities ``rho`` (R, K), or (two members) ``alternating`` offers, in which case
    the value is that of the member's own next proposal. ``delta`` (R, K): discount factors.
    ``start`` (R, I): a package every member prefers to no deal, to start the solver from.

    Two members: the exact SSPE. With F(u1) the most member 0 can get when member 1 gets u1
    (and G the reverse), the responders' values solve c0 = a0 + b0·F(c1), c1 = a1 + b1·G(c0)
    (random recognition: a_i = d_i(1 − δ_i)/(1 − δ_i ρ_−i), b_i = δ_i ρ_i/(1 − δ_i ρ_−i);
    alternating: a_i = d_i(1 − δ_i), b_i = δ_i), so c1 is the root of the increasing
    c1 ↦ a1 + b1·G(a0 + b0·F(c1)) − c1 on [d1, G(d0)]: found by bisection. When every δ is 1
    the equations hold for any frontier point; the limit of the SSPE as δ → 1 is taken — the
    asymmetric Nash payoffs weighted by recognition.

    More members: v = the asymmetric Nash payoffs with weights ρ_j/(1 − δ_j) (normalised; the
    SSPE's limit as the δ's approach 1 at those relative rates), and c_j = d_j + δ_j(v_j − d_j):
    exact for transferable utility with a common δ (Baron & Ferejohn's proposer premium).
    """
    r, k, m = w.shape
    out = np.full((r, k), np.nan)
    if r == 0:
        return out
    if k != 2:
        wts = rho / np.maximum(1.0 - delta, PATIENCE_EPS)
        wts = wts / wts.sum(axis=1, keepdims=True)
        x, z = nash_from(w, p, d, q, free, wts, start)
        ok = z > ZONE_TOL
        v = core.utilities(w[ok], p[ok], x[ok])
        out[ok] = d[ok] + delta[ok] * (v - d[ok])
        return out
    f = frontier if frontier is not None else frontier2(w, p, q, free)
    z, _ = _maxmin(f, d)
    ok = z > ZONE_TOL
    if not ok.any():
        return out
    rows = np.nonzero(ok)[0]
    v, dd, de, rh = f.v[rows], d[rows], delta[rows], rho[rows]
    patient = (de >= 1.0).all(axis=1)
    c = np.empty_like(dd)
    if patient.any():
        _, xn = nash2(_rows(f, rows[patient]), dd[patient], rh[patient])
        c[patient] = core.utilities(w[rows[patient]], p[rows[patient]], xn)
    act = ~patient
    if act.any():
        va, da, ea, ra = v[act], dd[act], de[act], rh[act]
        if alternating:
            a_, b_ = da * (1.0 - ea), ea
        else:
            other = ra[:, ::-1]
            den = 1.0 - ea * other
            a_, b_ = da * (1.0 - ea) / den, ea * ra / den

        def F(u1: np.ndarray) -> np.ndarray:  # member 0's best when member 1 gets u1
            return best_on_frontier(va, 0, u1)[1][:, 0]

        def G(u0: np.ndarray) -> np.ndarray:
            return best_on_frontier(va, 1, u0)[1][:, 1]

        lo, hi = da[:, 1].copy(), G(da[:, 0])
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            h = a_[:, 1] + b_[:, 1] * G(a_[:, 0] + b_[:, 0] * F(mid)) - mid
            up = h > 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        c1 = 0.5 * (lo + hi)
        c[act] = np.stack([a_[:, 0] + b_[:, 0] * F(c1), c1], axis=1)
    out[rows] = c
    return out


def _maxmin(f: Frontier2, d: np.ndarray):
    from ..bargain.two_members import maxmin2

    return maxmin2(f, d)
