"""A batched barrier (interior-point) solver for the concave programs of bargaining.

Every bargaining quantity detente computes maximises a concave function of the
package x ∈ [lo, hi]^I, where utilities are separable, piecewise linear and
concave (DESIGN.md):  U_k(x) = Σ_j w_kj (1 − |x_j − p_kj|).

We lift the kinks into linear constraints with epigraph variables
t_kj ≥ |x_j − p_kj| (two affine constraints each), so U_k = Σ_j w_kj (1 − t_kj)
is affine in the lifted variables, and maximise, for every draw at once,

    Φ = c·τ + Σ_k β_k U_k + Σ_k (γ_k + μ ν_k) log(U_k − e_k − τ s_k)
        + μ Σ_kj [log(t_kj − x_j + p_kj) + log(t_kj + x_j − p_kj)]
        + μ Σ_j [log(x_j − lo_j) + log(hi_j − x_j)]

which covers the Nash product (γ = α), the phase-I "max–min gain" problem
(c = 1, ν = 1, s = 1: the largest τ such that every member gains τ), ideal
points (β = unit vector, ν = 1) and Kalai–Smorodinsky (c = 1, ν = 1,
s = ideal − d). Every term is the logarithm of an affine function, so Newton's
method is well behaved (self-concordance); the barrier weight μ is driven from
1e-2 to 1e-11 by factors of 10 (path following). Each Newton system is reduced
by a Schur complement — the t-blocks are diagonal plus rank one, inverted by
Sherman–Morrison — to an (I + 1) × (I + 1) system, solved in one batched call.
At the end the objective is within about μ·(number of constraints) ≈ 1e-9 of
the optimum. Issues can be held fixed per draw (``free`` mask), which is how
issue-by-issue bargaining runs in the same batch.

Every draw is computed on its own: its iterates, stopping test and (for a singular Newton
system) ridge depend on nothing else in the batch, so a draw alone gets exactly its row of a
batch, and a batch can be solved in chunks (:data:`CHUNK`) that stay in the processor's
cache. Inside, the draw axis is the last one, so that the sums over members and issues are a
few vector additions in a fixed order (numpy's own, see
:func:`~detente.bargain.sums.pairwise_sum`) rather than slow reductions over short axes; masks
for absent constraints are applied by multiplying with 0/1 (exact on finite values) and skipped
where nothing is absent. The Newton step itself is :mod:`detente.bargain.newton`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .newton import _batch, _measures, _parts, _step
from .sums import _sum0

__all__ = ["Program", "State", "lifted_start", "recentre", "solve"]


@dataclass
class Program:
    """One batch of concave programs (shapes: N draws, K utility terms, I issues)."""

    w: np.ndarray  # (N, K, I) utility weights (each row sums to ≤ 1)
    p: np.ndarray  # (N, K, I) ideal points
    e: np.ndarray  # (N, K) offsets of the log terms (no-deal values)
    lo: np.ndarray  # (N, I)
    hi: np.ndarray  # (N, I)
    free: np.ndarray  # (N, I) bool: which issues may move
    beta: np.ndarray | None = None  # (N, K) linear utility weights
    gamma: np.ndarray | None = None  # (N, K) fixed log weights
    nu: np.ndarray | None = None  # (N, K) barrier log weights (scaled by μ)
    s: np.ndarray | None = None  # (N, K) coefficient of τ in the log terms
    c: float = 0.0  # weight of τ in the objective (0: τ is not a variable)


@dataclass
class State:
    x: np.ndarray  # (N, I)
    t: np.ndarray  # (N, K, I)
    tau: np.ndarray  # (N,)


def lifted_start(prog: Program, x: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    """Epigraph variables strictly above |x − p|."""
    return np.abs(x[:, None, :] - prog.p) + margin


def recentre(prog: Program, x: np.ndarray, slack: np.ndarray) -> State:
    """A well-centred strictly feasible start near x, given that every log term has
    at least ``slack`` (per draw) at x: moves x at most δ inside the box and sets
    t = |x − p| + δ, with δ = min(1e-3, slack / 4), so each term keeps ≥ slack / 2.
    """
    delta = np.minimum(1e-3, np.maximum(slack, 0.0) / 4.0)[:, None]
    width = prog.hi - prog.lo
    inner = np.minimum(delta, width / 4.0)
    xc = np.where(prog.free, np.clip(x, prog.lo + inner, prog.hi - inner), prog.lo)
    t = np.abs(xc[:, None, :] - prog.p) + delta[:, :, None]
    return State(x=xc, t=t, tau=np.zeros(x.shape[0]))


CHUNK = 2**15
"""Draws × terms × issues per chunk: the batch is solved in chunks whose working arrays stay
in the processor's cache (a draw's result is the same in any chunk)."""


def solve(
    prog: Program,
    start: State,
    *,
    mu0: float = 0.1,
    mu_min: float = 1e-11,
    max_iter: int = 200,
) -> State:
    """Maximise the program from a strictly feasible start (primal–dual interior point).

    Each iteration targets μ = σ × the current mean complementarity (σ = 0.1
    after long steps, 0.5 otherwise), never rising, down to ``mu_min``. A draw
    stops when μ = mu_min, complementarity is centred on it, the log terms meet
    their targets to 1e-8 and the dual residual is below 1e-9; finished draws
    drop out of the batch. Every quantity is per draw: a draw's iterates, and so its
    result, do not depend on the other draws in the batch.
    """
    n, k, m = prog.w.shape
    size = max(256, CHUNK // max(k * m, 1))
    if n <= size:
        return _solve(prog, start, mu0, mu_min, max_iter)
    tau = np.broadcast_to(np.asarray(start.tau, dtype=float), (n,))
    out = []
    for lo in range(0, n, size):
        sl = slice(lo, lo + size)
        sub = Program(**{f: (v[sl] if isinstance(v, np.ndarray) else v)
                         for f, v in vars(prog).items()})
        out.append(_solve(sub, State(start.x[sl], start.t[sl], tau[sl]), mu0, mu_min, max_iter))
    return State(x=np.concatenate([o.x for o in out]), t=np.concatenate([o.t for o in out]),
                 tau=np.concatenate([o.tau for o in out]))


def _solve(prog: Program, start: State, mu0: float, mu_min: float, max_iter: int) -> State:
    n = prog.w.shape[0]
    zeros = np.zeros(prog.e.shape)
    beta = zeros if prog.beta is None else np.asarray(prog.beta, float)
    gamma = zeros if prog.gamma is None else np.asarray(prog.gamma, float)
    nu = zeros if prog.nu is None else np.asarray(prog.nu, float)
    s = zeros if prog.s is None else np.asarray(prog.s, float)
    uses = (gamma + nu + np.abs(beta)) > 0
    act = ((prog.w > 0) & uses[:, :, None]).astype(float)
    B = _batch(prog, act, beta, gamma, nu, s)
    lay = lambda a: np.ascontiguousarray(np.moveaxis(np.asarray(a, float), 0, -1))  # noqa: E731
    x = lay(np.where(prog.free, start.x, prog.lo))
    t = lay(np.where(act > 0, start.t, 1.0))
    tau = np.asarray(start.tau, dtype=float).copy()
    mu = np.full(n, float(mu0))
    parts = _parts(B, x, t, tau)
    # Dual-feasible start: the log terms at their targets (or, for the max–min problems,
    # sharing the weight of τ), then ya = yb from the t-stationarity and yl = yh.
    g = parts[2]
    gsafe = np.where(B.gact, g, 1.0)
    yg = np.where(B.gamma > 0, (B.gamma + mu * B.nu) / gsafe, mu * B.nu / gsafe)
    if prog.c != 0.0:
        shared = (B.nu > 0) & (B.gamma <= 0)
        share = prog.c / np.maximum(_sum0(np.where(shared, B.s, 0.0)), 1e-300)
        yg = np.where(shared, share, yg)
    yg = np.where(B.gact, yg, 0.0)
    half = B.act * B.w * (B.beta + yg)[:, None, :] / 2.0
    ya = np.where(B.act > 0, np.maximum(half, 1e-12), 0.0)
    yb = ya.copy()
    yl = B.free.astype(float) * mu / parts[3]
    yh = yl.copy()
    comp0, _, _ = _measures(B, parts, ya, yb, yg, yl, yh, mu)
    mu = np.maximum(mu_min, 0.5 * comp0)
    out_x, out_t, out_tau = np.empty_like(x), np.empty_like(t), np.empty_like(tau)
    idx = np.arange(n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(max_iter):
            xn, tn, taun, ya, yb, yg, yl, yh, ap, ad = _step(B, x, t, tau, ya, yb, yg, yl, yh,
                                                             mu, parts)
            parts = _parts(B, xn, tn, taun)
            comp, miss, rd = _measures(B, parts, ya, yb, yg, yl, yh, mu)
            # a draw whose iterate broke down (non-finite) stops where it last was finite
            broke = ~(np.isfinite(xn).all(axis=0) & np.isfinite(tn).all(axis=(0, 1))
                      & np.isfinite(taun))
            if broke.any():
                xn[:, broke], tn[..., broke], taun[broke] = x[:, broke], t[..., broke], tau[broke]
                comp[broke], miss[broke], rd[broke] = 0.0, 0.0, 0.0
                mu = np.where(broke, mu_min, mu)
            x, t, tau = xn, tn, taun
            done = (mu <= mu_min) & (comp <= 2.0 * mu_min) & (miss <= 1e-8) & (rd <= 1e-9)
            sigma = np.where(np.minimum(ap, ad) > 0.5, 0.1, 0.5)
            mu = np.maximum(mu_min, np.minimum(mu, sigma * comp))
            if done.all():
                break
            if done.any():
                fin = idx[done]
                out_x[:, fin], out_t[..., fin], out_tau[fin] = x[:, done], t[..., done], tau[done]
                keep = ~done
                idx = idx[keep]
                B = B.take(keep)
                x, t, tau, mu = x[:, keep], t[..., keep], tau[keep], mu[keep]
                ya, yb, yg, yl, yh = ya[..., keep], yb[..., keep], yg[:, keep], yl[:, keep], yh[:, keep]
                parts = tuple(v[..., keep] for v in parts)
    out_x[:, idx], out_t[..., idx], out_tau[idx] = x, t, tau
    xo = np.moveaxis(out_x, -1, 0)
    return State(x=np.where(prog.free, xo, prog.lo), t=np.moveaxis(out_t, -1, 0), tau=out_tau)
