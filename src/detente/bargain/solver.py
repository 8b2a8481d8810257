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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Program", "State", "lifted_start", "recentre", "solve"]

_DEBUG = False
_BACKTRACK = 0.5 ** np.arange(30)


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


def _zeros(a: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    return np.zeros_like(like) if a is None else np.asarray(a, dtype=float)


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


def utilities(prog: Program, t: np.ndarray) -> np.ndarray:
    """U_k from the lifted variables (equals U_k(x) once t = |x − p|)."""
    return (prog.w * (1.0 - t)).sum(axis=2)


class _Batch:
    """Per-draw constants of a program, sliceable to the draws still iterating."""

    def __init__(self, prog: Program, idx: np.ndarray | None = None, **arrays: np.ndarray):
        self.c = prog.c
        self.has_tau = prog.c != 0.0
        for name, arr in arrays.items():
            setattr(self, name, arr if idx is None else arr[idx])
        self.names = tuple(arrays)

    def take(self, prog: Program, idx: np.ndarray) -> _Batch:
        return _Batch(prog, idx, **{k: getattr(self, k) for k in self.names})


def _parts(B: _Batch, x, t, tau):
    z = x[:, None, :] - B.p
    a = np.where(B.act > 0, t - z, 1.0)
    b = np.where(B.act > 0, t + z, 1.0)
    g = (B.w * (1.0 - t)).sum(axis=2) - B.e - tau[:, None] * B.s
    bl = np.where(B.free, x - B.lo, 1.0)
    bh = np.where(B.free, B.hi - x, 1.0)
    return a, b, g, bl, bh


def _objective(B: _Batch, x, t, tau, L, mu):
    a, b, g, bl, bh = _parts(B, x, t, tau)
    bad = ((a <= 0) | (b <= 0)).any(axis=(1, 2)) | ((g <= 0) & (L > 0)).any(axis=1)
    bad |= ((bl <= 0) | (bh <= 0)).any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = (L * np.log(np.where(g > 0, g, 1.0))).sum(axis=1)
        val += (B.beta * (B.w * (1.0 - t)).sum(axis=2)).sum(axis=1) + B.c * tau
        val += mu * (B.act * (np.log(np.where(a > 0, a, 1.0))
                              + np.log(np.where(b > 0, b, 1.0)))).sum(axis=(1, 2))
        val += mu * (np.log(np.where(bl > 0, bl, 1.0))
                     + np.log(np.where(bh > 0, bh, 1.0))).sum(axis=1)
    return np.where(bad, -np.inf, val)


def _newton(B: _Batch, x, t, tau, mu, tol):
    """One damped Newton step for every draw in the batch; returns (x, t, tau, decrement)."""
    n, _k, m = B.w.shape
    ny = m + 1
    L = B.gamma + mu * B.nu
    a, b, g, bl, bh = _parts(B, x, t, tau)
    with np.errstate(divide="ignore", invalid="ignore"):
        rg = np.where(L > 0, L / g, 0.0)  # (N, K)
        rho = np.where(L > 0, L / (g * g), 0.0)
    act, w, s, free = B.act, B.w, B.s, B.free
    ff = free.astype(float)
    ia, ib = 1.0 / a, 1.0 / b
    # gradient
    g_t = act * (-w * (rg + B.beta)[:, :, None] + mu * (ia + ib))  # (N, K, I)
    g_x = ((mu * act * (ib - ia)).sum(axis=1) + mu * (1.0 / bl - 1.0 / bh)) * ff
    g_tau = (B.c - (rg * s).sum(axis=1)) if B.has_tau else np.zeros(n)
    # negative Hessian: t-blocks A_k = D_k + ρ_k w_k w_k^T; t–x coupling −C; t–τ coupling ρ s w
    D = np.where(act > 0, mu * (ia * ia + ib * ib), 1.0)
    C = act * mu * (ia * ia - ib * ib)
    Mxx = (mu * act * (ia * ia + ib * ib)).sum(axis=1) + mu * (1 / bl**2 + 1 / bh**2)
    Mxx = np.where(free, Mxx, 1.0)
    Mtt = (rho * s * s).sum(axis=1) if B.has_tau else np.ones(n)
    wa = w * act
    Dinv = 1.0 / D
    Dw = Dinv * wa
    den = 1.0 + rho * (wa * Dw).sum(axis=2)
    Dg = Dinv * g_t
    Ag = Dg - (rho * (wa * Dg).sum(axis=2) / den)[:, :, None] * Dw  # A^{-1} g_t
    # With u_k = D_k^{-1} C_k w_k, the x–x block of Σ_k B_k^T A_k^{-1} B_k is
    # diag(Σ_k C²/D) − Σ_k (ρ_k/den_k) u_k u_k^T (Sherman–Morrison).
    DC = Dinv * C
    u = wa * DC
    bt = (rho * s)[:, :, None] * wa
    Dbt = Dinv * bt
    AinvBt = Dbt - (rho * (wa * Dbt).sum(axis=2) / den)[:, :, None] * Dw
    S = np.zeros((n, ny, ny))
    diag = np.arange(m)
    S[:, diag, diag] = Mxx - (C * DC).sum(axis=1)
    S[:, m, m] = Mtt - (bt * AinvBt).sum(axis=(1, 2))
    S[:, :m, :m] += np.einsum("nk,nki,nkj->nij", rho / den, u, u)
    xt = (-C * AinvBt).sum(axis=1)
    S[:, :m, m] -= xt
    S[:, m, :m] -= xt
    rhs = np.concatenate([g_x, g_tau[:, None]], axis=1)
    rhs[:, :m] -= (-C * Ag).sum(axis=1)
    rhs[:, m] -= (bt * Ag).sum(axis=(1, 2))
    fixed = np.concatenate([~free, np.full((n, 1), not B.has_tau)], axis=1)
    S = np.where(fixed[:, :, None] | fixed[:, None, :], 0.0, S)
    S[:, np.arange(ny), np.arange(ny)] += fixed
    rhs = np.where(fixed, 0.0, rhs)
    dy = np.linalg.solve(S, rhs[..., None])[..., 0]
    dx, dtau = dy[:, :m] * ff, dy[:, m]
    v = Dinv * (g_t - (-C * dx[:, None, :] + bt * dtau[:, None, None]))
    dt = act * (v - (rho * (wa * v).sum(axis=2) / den)[:, :, None] * Dw)
    dec = (g_x * dx).sum(axis=1) + (g_t * dt).sum(axis=(1, 2)) + g_tau * dtau
    dec = np.where(np.isfinite(dec), dec, 0.0)
    # largest step keeping every affine constraint positive (fraction to the boundary)
    amax = np.ones(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for val, dv, mask in (
            (a, dt - dx[:, None, :], act > 0), (b, dt + dx[:, None, :], act > 0),
            (g, -(w * dt).sum(axis=2) - dtau[:, None] * s, L > 0),
            (bl, dx, free), (bh, -dx, free),
        ):
            r = np.where(mask & (dv < 0), -val / dv, np.inf)
            amax = np.minimum(amax, 0.99 * r.reshape(n, -1).min(axis=1))
    f0 = _objective(B, x, t, tau, L, mu)
    step = np.zeros(n)
    done = dec <= tol
    for frac in _BACKTRACK:
        al = amax * frac
        fn = _objective(B, x + al[:, None] * dx, t + al[:, None, None] * dt, tau + al * dtau,
                        L, mu)
        ok = (~done) & np.isfinite(fn) & (fn >= f0 + 1e-4 * al * dec)
        step = np.where(ok, al, step)
        done |= ok
        if done.all():
            break
    return (x + step[:, None] * dx, t + step[:, None, None] * dt, tau + step * dtau, dec)


def solve(
    prog: Program,
    start: State,
    *,
    mu0: float = 1e-3,
    mu_min: float = 1e-10,
    factor: float = 0.1,
    newton_iter: int = 40,
    tol: float = 1e-13,
    centred: float = 1e-3,
) -> State:
    """Maximise the program from a strictly feasible start; return the final state.

    Within each barrier stage only the draws not yet centred keep iterating
    (a stage ends for a draw when its Newton decrement is below ``centred·μ``,
    or ``tol`` in the last stage).
    """
    n, _k, m = prog.w.shape
    zeros = np.zeros(prog.e.shape)
    act = (prog.w > 0).astype(float)
    B = _Batch(
        prog, None, w=prog.w, p=prog.p, e=prog.e, lo=prog.lo, hi=prog.hi, free=prog.free,
        act=act,
        beta=zeros if prog.beta is None else np.asarray(prog.beta, float),
        gamma=zeros if prog.gamma is None else np.asarray(prog.gamma, float),
        nu=zeros if prog.nu is None else np.asarray(prog.nu, float),
        s=zeros if prog.s is None else np.asarray(prog.s, float),
    )
    x = np.where(prog.free, start.x, prog.lo).astype(float)
    t = np.where(act > 0, start.t, 1.0).astype(float)
    tau = np.asarray(start.tau, dtype=float).copy()
    mu = float(mu0)
    while True:
        goal = tol if mu <= mu_min else centred * mu
        idx = np.arange(n)
        Bi = B
        for _ in range(newton_iter):
            xi, ti, taui, dec = _newton(Bi, x[idx], t[idx], tau[idx], mu, tol)
            x[idx], t[idx], tau[idx] = xi, ti, taui
            if _DEBUG:
                print(f"mu={mu:.0e} active={len(idx)} maxdec={float(np.max(dec)):.2e}")
            keep = dec > goal
            if not keep.any():
                break
            idx = idx[keep]
            Bi = Bi.take(prog, keep)
        if mu <= mu_min:
            break
        mu = max(mu * factor, mu_min)
    return State(x=np.where(prog.free, x, prog.lo), t=t, tau=tau)
