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


def _step(B: _Batch, x, t, tau, ya, yb, yg, yl, yh, mu):
    """One primal–dual Newton step for every draw in the batch.

    Complementarity targets: c_i·y_i = μ for the barrier constraints (epigraph,
    box) and c_k·y_k = γ_k + μ·ν_k for the utility log terms. The Newton system
    M Δv = ∇f + Σ (σ_i/c_i) a_i with M = Σ (y_i/c_i) a_i a_iᵀ is reduced to
    (x, τ) by a Schur complement (t-blocks diagonal plus rank one).
    Returns the new iterate and the largest complementarity gap per draw.
    """
    n, _k, m = B.w.shape
    ny = m + 1
    mu1, mu2 = mu[:, None], mu[:, None, None]
    sig_g = B.gamma + mu1 * B.nu
    act, w, s, free = B.act, B.w, B.s, B.free
    gact = B.gact
    ff = free.astype(float)
    a, b, g, bl, bh = _parts(B, x, t, tau)
    g = np.where(gact, g, 1.0)
    # weights ω = y/c and barrier gradient terms σ/c
    wa_, wb_ = act * ya / a, act * yb / b
    wg = np.where(gact, yg / g, 0.0)
    wl, wh = ff * yl / bl, ff * yh / bh
    sa, sb = act * mu2 / a, act * mu2 / b
    sg = np.where(gact, sig_g / g, 0.0)
    sl, sh = ff * mu1 / bl, ff * mu1 / bh
    g_t = act * (-w * (sg + B.beta)[:, :, None] + sa + sb)
    g_x = ((sb - sa).sum(axis=1) + sl - sh) * ff
    g_tau = (B.c - (sg * s).sum(axis=1)) if B.has_tau else np.zeros(n)
    D = np.where(act > 0, wa_ + wb_, 1.0)
    C = wa_ - wb_
    Mxx = np.where(free, (wa_ + wb_).sum(axis=1) + wl + wh, 1.0)
    rho = wg
    Mtt = (rho * s * s).sum(axis=1) if B.has_tau else np.ones(n)
    wa = w * act
    Dinv = 1.0 / D
    Dw = Dinv * wa
    den = 1.0 + rho * (wa * Dw).sum(axis=2)
    Dg = Dinv * g_t
    Ag = Dg - (rho * (wa * Dg).sum(axis=2) / den)[:, :, None] * Dw
    DC = Dinv * C
    u = wa * DC
    bt = (rho * s)[:, :, None] * wa
    Dbt = Dinv * bt
    AinvBt = Dbt - (rho * (wa * Dbt).sum(axis=2) / den)[:, :, None] * Dw
    S = np.zeros((n, ny, ny))
    diag = np.arange(m)
    S[:, diag, diag] = Mxx - (C * DC).sum(axis=1)
    S[:, m, m] = Mtt - (bt * AinvBt).sum(axis=(1, 2))
    coef = rho / den
    for kk in range(w.shape[1]):
        uk = u[:, kk, :] * np.sqrt(coef[:, kk, None])
        S[:, :m, :m] += uk[:, :, None] * uk[:, None, :]
    xt = (-C * AinvBt).sum(axis=1)
    S[:, :m, m] -= xt
    S[:, m, :m] -= xt
    rhs = np.concatenate([g_x, g_tau[:, None]], axis=1)
    rhs[:, :m] -= (-C * Ag).sum(axis=1)
    rhs[:, m] -= (bt * Ag).sum(axis=(1, 2))
    fixed = np.concatenate([~free, np.full((n, 1), not B.has_tau)], axis=1)
    if fixed.any():
        S = np.where(fixed[:, :, None] | fixed[:, None, :], 0.0, S)
        S[:, np.arange(ny), np.arange(ny)] += fixed
        rhs = np.where(fixed, 0.0, rhs)
    dy = _solve_psd(S, rhs)
    dx, dtau = dy[:, :m] * ff, dy[:, m] if B.has_tau else np.zeros(n)
    v = Dinv * (g_t - (-C * dx[:, None, :] + bt * dtau[:, None, None]))
    dt = act * (v - (rho * (wa * v).sum(axis=2) / den)[:, :, None] * Dw)
    # constraint changes and dual steps Δy = σ/c − y − ω Δc
    da = act * (dt - dx[:, None, :])
    db = act * (dt + dx[:, None, :])
    dg = np.where(gact, -(w * dt).sum(axis=2) - dtau[:, None] * s, 0.0)
    dl, dh = dx, -dx
    dya = act * (sa - ya - wa_ * da)
    dyb = act * (sb - yb - wb_ * db)
    dyg = np.where(gact, sg - yg - wg * dg, 0.0)
    dyl = ff * (sl - yl - wl * dl)
    dyh = ff * (sh - yh - wh * dh)

    def max_step(pairs):
        out = np.ones(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            for val, dv, mask in pairs:
                r = np.where(mask & (dv < 0), -val / dv, np.inf)
                out = np.minimum(out, 0.995 * r.reshape(n, -1).min(axis=1))
        return out

    ap = max_step(((a, da, act > 0), (b, db, act > 0), (g, dg, gact), (bl, dl, free),
                   (bh, dh, free)))
    ad = max_step(((ya, dya, act > 0), (yb, dyb, act > 0), (yg, dyg, gact), (yl, dyl, free),
                   (yh, dyh, free)))
    x = x + ap[:, None] * dx
    t = t + ap[:, None, None] * dt
    tau = tau + ap * dtau
    ya, yb = ya + ad[:, None, None] * dya, yb + ad[:, None, None] * dyb
    yg = yg + ad[:, None] * dyg
    yl, yh = yl + ad[:, None] * dyl, yh + ad[:, None] * dyh
    return x, t, tau, ya, yb, yg, yl, yh, ap, ad


def _solve_psd(S: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the batched reduced Newton systems S dy = rhs (S positive semi-definite).

    When the optimum is not unique in x (two issues that trade off at the same rate for
    every member, duplicated members, ideal points on the box), S is singular in the flat
    directions up to rounding once μ is small, and LAPACK may meet an exact zero pivot. Then
    every matrix of the batch gets a ridge of 1e-10 × its largest diagonal entry: a
    negligible change of the step along curved directions, a short finite step along flat
    ones (the step-length rule keeps every iterate strictly feasible either way).
    """
    try:
        return np.linalg.solve(S, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        pass
    finite = np.isfinite(S).all(axis=(1, 2)) & np.isfinite(rhs).all(axis=1)
    S = np.where(finite[:, None, None], S, np.eye(S.shape[1]))
    rhs = np.where(finite[:, None], rhs, 0.0)  # a broken draw takes no step
    scale = np.abs(np.diagonal(S, axis1=1, axis2=2)).max(axis=1)
    ridge = 1e-10 * np.where(scale > 0, scale, 1.0)
    S = S + ridge[:, None, None] * np.eye(S.shape[1])
    try:
        return np.linalg.solve(S, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        # last resort, row by row: the least-squares step (pseudo-inverse) never fails
        return np.stack([np.linalg.lstsq(Si, ri, rcond=None)[0] for Si, ri in zip(S, rhs)])


def _measures(B: _Batch, x, t, tau, ya, yb, yg, yl, yh, mu):
    """Per draw: mean barrier complementarity, worst relative miss of the log-term targets,
    and the relative dual residual."""
    a, b, g, bl, bh = _parts(B, x, t, tau)
    ff = B.free.astype(float)
    barrier_g = B.gact & (B.gamma <= 0)  # ν-only log terms behave as barrier constraints
    tot = (B.act * (a * ya + b * yb)).sum(axis=(1, 2)) + (ff * (bl * yl + bh * yh)).sum(axis=1)
    tot = tot + np.where(barrier_g, g * yg / np.maximum(B.nu, 1e-300), 0.0).sum(axis=1)
    cnt = 2 * B.act.sum(axis=(1, 2)) + 2 * ff.sum(axis=1) + barrier_g.sum(axis=1)
    sig_g = B.gamma + mu[:, None] * B.nu
    fixed_g = B.gact & (B.gamma > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        miss = np.where(fixed_g, np.abs(g * yg - sig_g) / np.maximum(sig_g, 1e-300), 0.0).max(
            axis=1)
    r_t = B.act * (-B.w * (B.beta + np.where(B.gact, yg, 0.0))[:, :, None] + ya + yb)
    r_x = ff * ((yb - ya) * B.act).sum(axis=1) + ff * (yl - yh)
    r_tau = (B.c - (np.where(B.gact, yg, 0.0) * B.s).sum(axis=1)) if B.has_tau else 0.0 * tau
    rd = np.maximum(np.abs(r_t).reshape(len(tau), -1).max(axis=1), np.abs(r_x).max(axis=1))
    rd = np.maximum(rd, np.abs(r_tau))
    scale = 1.0 + np.abs(B.beta).max(axis=1) + abs(B.c) + B.gamma.max(axis=1)
    return tot / np.maximum(cnt, 1), miss, rd / scale


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
    drop out of the batch.
    """
    n, _k, m = prog.w.shape
    zeros = np.zeros(prog.e.shape)
    beta = zeros if prog.beta is None else np.asarray(prog.beta, float)
    gamma = zeros if prog.gamma is None else np.asarray(prog.gamma, float)
    nu = zeros if prog.nu is None else np.asarray(prog.nu, float)
    uses = (gamma + nu + np.abs(beta)) > 0
    act = ((prog.w > 0) & uses[:, :, None]).astype(float)
    B = _Batch(
        prog, None, w=prog.w, p=prog.p, e=prog.e, lo=prog.lo, hi=prog.hi, free=prog.free,
        act=act, beta=beta, gamma=gamma, nu=nu, gact=(gamma + nu) > 0,
        s=zeros if prog.s is None else np.asarray(prog.s, float),
    )
    x = np.where(prog.free, start.x, prog.lo).astype(float)
    t = np.where(act > 0, start.t, 1.0).astype(float)
    tau = np.asarray(start.tau, dtype=float).copy()
    mu = np.full(n, float(mu0))
    a, b, g, bl, bh = _parts(B, x, t, tau)
    # Dual-feasible start: the log terms at their targets (or, for the max–min problems,
    # sharing the weight of τ), then ya = yb from the t-stationarity and yl = yh.
    s_arr = B.s
    gsafe = np.where(B.gact, g, 1.0)
    yg = np.where(gamma > 0, (gamma + mu[:, None] * nu) / gsafe, mu[:, None] * nu / gsafe)
    if prog.c != 0.0:
        share = prog.c / np.maximum((np.where((nu > 0) & (gamma <= 0), s_arr, 0.0)).sum(axis=1),
                                    1e-300)
        yg = np.where((nu > 0) & (gamma <= 0), share[:, None], yg)
    yg = np.where(B.gact, yg, 0.0)
    half = act * prog.w * (beta + yg)[:, :, None] / 2.0
    ya = np.where(act > 0, np.maximum(half, 1e-12), 0.0)
    yb = ya.copy()
    ff = prog.free.astype(float)
    yl = ff * mu[:, None] / bl
    yh = yl.copy()
    comp0, _, _ = _measures(B, x, t, tau, ya, yb, yg, yl, yh, mu)
    mu = np.maximum(mu_min, 0.5 * comp0)
    idx = np.arange(n)
    Bi = B
    for _ in range(max_iter):
        mui = mu[idx]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = _step(Bi, x[idx], t[idx], tau[idx], ya[idx], yb[idx], yg[idx], yl[idx],
                        yh[idx], mui)
        xi, ti, taui, yai, ybi, ygi, yli, yhi, ap, ad = out
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            comp, miss, rd = _measures(Bi, xi, ti, taui, yai, ybi, ygi, yli, yhi, mui)
        # a draw whose iterate broke down (non-finite) stops where it last was finite
        broke = ~(np.isfinite(xi).all(axis=1) & np.isfinite(ti).all(axis=(1, 2))
                  & np.isfinite(taui))
        if broke.any():
            xi[broke], ti[broke], taui[broke] = x[idx][broke], t[idx][broke], tau[idx][broke]
            comp[broke], miss[broke], rd[broke] = 0.0, 0.0, 0.0
            mui = np.where(broke, mu_min, mui)
        x[idx], t[idx], tau[idx] = xi, ti, taui
        ya[idx], yb[idx], yg[idx], yl[idx], yh[idx] = yai, ybi, ygi, yli, yhi
        done = (mui <= mu_min) & (comp <= 2.0 * mu_min) & (miss <= 1e-8) & (rd <= 1e-9)
        sigma = np.where(np.minimum(ap, ad) > 0.5, 0.1, 0.5)
        mu[idx] = np.maximum(mu_min, np.minimum(mui, sigma * comp))
        if done.all():
            break
        keep = ~done
        if not keep.all():
            idx = idx[keep]
            Bi = Bi.take(prog, keep)
    return State(x=np.where(prog.free, x, prog.lo), t=t, tau=tau)
