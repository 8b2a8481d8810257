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
few vector additions in a fixed order (numpy's own, see :func:`pairwise_sum`) rather than
slow reductions over short axes; masks for absent constraints are applied by multiplying
with 0/1 (exact on finite values) and skipped where nothing is absent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Program", "State", "lifted_start", "pairwise_sum", "recentre", "solve"]


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


# ------------------------------------------------------------------ sums in a fixed order
# Internally the draw axis is the *last* one (arrays (K, I, n), (K, n), (I, n)), so that a sum
# over members or issues is a few vector additions instead of a slow reduction over a short
# axis. Each sum is taken in a fixed order, independent of the number of draws: sequential,
# or numpy's pairwise order (8 running partial sums; halves above 128 terms).

def _seq(parts):
    out = parts[0]
    for q in parts[1:]:
        out = out + q
    return out


def pairwise_sum(parts):
    """Σ of equal-shape arrays (a list, or an array stacked along its first axis) in numpy's
    order for a sum over a contiguous axis."""
    n = len(parts)
    if n < 8:
        return _seq(parts)
    if n > 128:
        h = n // 2
        h -= h % 8
        return pairwise_sum(parts[:h]) + pairwise_sum(parts[h:])
    stop = n - n % 8
    if isinstance(parts, np.ndarray):  # the eight running sums as one array
        r = parts[:8]
        for i in range(8, stop, 8):
            r = r + parts[i:i + 8]
        r = r[0::2] + r[1::2]  # r0 + r1, r2 + r3, r4 + r5, r6 + r7
        r = r[0::2] + r[1::2]
        out = r[0] + r[1]
    else:
        r = list(parts[:8])
        for i in range(8, stop, 8):
            r = [r[j] + parts[i + j] for j in range(8)]
        out = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    return _seq([out, *parts[stop:]])


def _sum_i(a):
    """Σ over issues of a (K, I, n) array."""
    return pairwise_sum(np.moveaxis(a, 1, 0))


def _sum_k(a):
    """Σ over members of a (K, I, n) array."""
    return _seq(a) if a.shape[1] > 1 else pairwise_sum(a)


def _sum_ki(a):
    """Σ over members and issues of a (K, I, n) array."""
    return pairwise_sum(a.reshape(-1, a.shape[-1]))


def _sum0(a):
    """Σ over the first axis of a (K, n) or (I, n) array."""
    return pairwise_sum(a)


def _masked(v, keep, fill):
    """v where ``keep`` (a 0/1 float mask, None: everywhere) and ``fill`` (= 1 − keep, or
    0/1 values) elsewhere: v·1 + 0 = v and v·0 + f = f exactly for finite v."""
    return v if keep is None else v * keep + fill


class _Batch:
    """Per-draw constants of a program (draw axis last), sliceable to the draws still iterating."""

    SLICED = ("w", "p", "e", "lo", "hi", "free", "act", "beta", "gamma", "nu", "s", "gact", "negw",
              "wa", "am", "nam", "ff", "nff", "gf", "ngf", "cnt", "scale", "barrier_g", "fixed_g",
              "nu_safe")

    def take(self, keep: np.ndarray) -> _Batch:
        out = _Batch.__new__(_Batch)
        out.__dict__.update(self.__dict__)
        for name in self.SLICED:
            v = getattr(self, name)
            if v is not None:
                setattr(out, name, v[..., keep])
        return out


def _batch(prog: Program, act, beta, gamma, nu, s) -> _Batch:
    lay = lambda a: np.ascontiguousarray(np.moveaxis(a, 0, -1))  # noqa: E731
    B = _Batch()
    B.c = prog.c
    B.has_tau = prog.c != 0.0
    B.w, B.p, B.e = lay(prog.w), lay(prog.p), lay(prog.e)
    B.lo, B.hi, B.free = lay(prog.lo), lay(prog.hi), lay(prog.free)
    B.act = lay(act)
    B.beta, B.gamma, B.nu, B.s = lay(beta), lay(gamma), lay(nu), lay(s)
    B.gact = (B.gamma + B.nu) > 0
    B.negw = -B.w
    B.wa = B.w * B.act
    all_act, all_free, all_g = bool(B.act.all()), bool(B.free.all()), bool(B.gact.all())
    B.am = None if all_act else B.act  # masks; None where everything is active
    B.nam = None if all_act else 1.0 - B.act
    B.ff = None if all_free else B.free.astype(float)
    B.nff = None if all_free else 1.0 - B.ff
    B.gf = None if all_g else B.gact.astype(float)
    B.ngf = None if all_g else 1.0 - B.gf
    ffl = B.free.astype(float)
    B.barrier_g = B.gact & (B.gamma <= 0)  # ν-only log terms behave as barrier constraints
    B.fixed_g = B.gact & (B.gamma > 0)
    B.any_barrier_g, B.any_fixed_g = bool(B.barrier_g.any()), bool(B.fixed_g.any())
    B.nu_safe = np.maximum(B.nu, 1e-300)
    B.cnt = 2 * _sum_ki(B.act) + 2 * _sum0(ffl) + B.barrier_g.sum(axis=0)
    B.scale = 1.0 + np.abs(B.beta).max(axis=0) + abs(B.c) + B.gamma.max(axis=0)
    return B


def _parts(B: _Batch, x, t, tau):
    z = x[None] - B.p
    a = _masked(t - z, B.am, B.nam)
    b = _masked(t + z, B.am, B.nam)
    g = _sum_i(B.w * (1.0 - t)) - B.e - tau[None] * B.s
    bl = _masked(x - B.lo, B.ff, B.nff)
    bh = _masked(B.hi - x, B.ff, B.nff)
    return a, b, g, bl, bh


def _act(B: _Batch, v):
    return v if B.am is None else B.am * v


def _free(B: _Batch, v):
    return v if B.ff is None else B.ff * v


def _step(B: _Batch, x, t, tau, ya, yb, yg, yl, yh, mu, parts):
    """One primal–dual Newton step for every draw in the batch.

    Complementarity targets: c_i·y_i = μ for the barrier constraints (epigraph,
    box) and c_k·y_k = γ_k + μ·ν_k for the utility log terms. The Newton system
    M Δv = ∇f + Σ (σ_i/c_i) a_i with M = Σ (y_i/c_i) a_i a_iᵀ is reduced to
    (x, τ) by a Schur complement (t-blocks diagonal plus rank one).
    Returns the new iterate and the step lengths (primal, dual) per draw.
    """
    _k, m, n = B.w.shape
    ny = m + 1
    sig_g = B.gamma + mu * B.nu
    act, s, wa = B.act, B.s, B.wa
    a, b, g, bl, bh = parts
    g = _masked(g, B.gf, B.ngf)
    # weights ω = y/c and barrier gradient terms σ/c (zero where a constraint is absent)
    wa_, wb_ = _act(B, ya) / a, _act(B, yb) / b
    wg = yg / g if B.gf is None else np.where(B.gact, yg / g, 0.0)
    wl, wh = _free(B, yl) / bl, _free(B, yh) / bh
    am = act * mu
    sa, sb = am / a, am / b
    sg = sig_g / g if B.gf is None else np.where(B.gact, sig_g / g, 0.0)
    fm = mu if B.ff is None else B.ff * mu
    sl, sh = fm / bl, fm / bh
    g_t = _act(B, B.negw * (sg + B.beta)[:, None, :] + sa + sb)
    g_x = _free(B, _sum_k(sb - sa) + sl - sh)
    g_tau = (B.c - _sum0(sg * s)) if B.has_tau else None
    wab = wa_ + wb_
    D = _masked(wab, B.am, B.nam)
    C = wa_ - wb_
    Mxx = _masked(_sum_k(wab) + wl + wh, B.ff, B.nff)
    rho = wg
    Dinv = 1.0 / D
    Dw = Dinv * wa
    den = 1.0 + rho * _sum_i(wa * Dw)
    Dg = Dinv * g_t
    Ag = Dg - (rho * _sum_i(wa * Dg) / den)[:, None, :] * Dw
    DC = Dinv * C
    negC = -C
    # the reduced system S dy = rhs, (I + 1) × (I + 1) per draw: (row, column, draw)
    S = np.empty((ny, ny, n))
    coef = rho / den
    U = (wa * DC) * np.sqrt(coef)[:, None, :]
    Sxx = U[0][:, None, :] * U[0][None, :, :]
    dg_ = np.arange(m)
    Sxx[dg_, dg_] = Sxx[dg_, dg_] + (Mxx - _sum_k(C * DC))
    for kk in range(1, U.shape[0]):
        Sxx += U[kk][:, None, :] * U[kk][None, :, :]
    S[:m, :m] = Sxx
    rhs = np.empty((ny, n))
    if B.has_tau:
        Mtt = _sum0(rho * s * s)
        bt = (rho * s)[:, None, :] * wa
        Dbt = Dinv * bt
        AinvBt = Dbt - (rho * _sum_i(wa * Dbt) / den)[:, None, :] * Dw
        S[m, m] = Mtt - _sum_ki(bt * AinvBt)
        xt = 0.0 - _sum_k(negC * AinvBt)
        S[:m, m] = xt
        S[m, :m] = xt
        rhs[m] = g_tau - _sum_ki(bt * Ag)
    else:
        S[m, :] = 0.0
        S[:m, m] = 0.0
        S[m, m] = 1.0
        rhs[m] = 0.0
    rhs[:m] = g_x - _sum_k(negC * Ag)
    if B.ff is not None:
        fixed = np.concatenate([~B.free, np.full((1, n), not B.has_tau)], axis=0)
        S = np.where(fixed[:, None, :] | fixed[None, :, :], 0.0, S)
        S[np.arange(ny), np.arange(ny)] += fixed
        rhs = np.where(fixed, 0.0, rhs)
    dy = _solve_psd(S, rhs)
    dx = _free(B, dy[:m])
    if B.has_tau:
        dtau = dy[m]
        v = Dinv * (g_t - (negC * dx[None] + bt * dtau[None, None]))
    else:
        dtau = np.zeros(n)
        v = Dinv * (g_t - negC * dx[None])
    dt = _act(B, v - (rho * _sum_i(wa * v) / den)[:, None, :] * Dw)
    # constraint changes and dual steps Δy = σ/c − y − ω Δc
    da = _act(B, dt - dx[None])
    db = _act(B, dt + dx[None])
    dg = -_sum_i(B.w * dt)
    if B.has_tau:
        dg = dg - dtau[None] * s
    if B.gf is not None:
        dg = np.where(B.gact, dg, 0.0)
    dl, dh = dx, -dx
    dya = _act(B, sa - ya - wa_ * da)
    dyb = _act(B, sb - yb - wb_ * db)
    dyg = sg - yg - wg * dg
    if B.gf is not None:
        dyg = np.where(B.gact, dyg, 0.0)
    dyl = _free(B, sl - yl - wl * dl)
    dyh = _free(B, sh - yh - wh * dh)
    ap = _max_step(n, ((a, da), (b, db), (g, dg), (bl, dl), (bh, dh)))
    ad = _max_step(n, ((ya, dya), (yb, dyb), (yg, dyg), (yl, dyl), (yh, dyh)))
    x = x + ap * dx
    t = t + ap * dt
    tau = tau + ap * dtau
    ya, yb = ya + ad * dya, yb + ad * dyb
    yg = yg + ad * dyg
    yl, yh = yl + ad * dyl, yh + ad * dyh
    return x, t, tau, ya, yb, yg, yl, yh, ap, ad


def _max_step(n, pairs):
    """The longest step ≤ 1 keeping every positive quantity ≥ 0.5% of its value, per draw.

    Only entries with a negative change count (absent constraints have zero change); the ratio
    val / |min(dv, 0)| is +inf or NaN (0/0) where dv ≥ 0 and NaN where dv is, which fmin skips.
    """
    out = np.ones(n)
    for val, dv in pairs:
        r = val / np.abs(np.minimum(dv, 0.0))
        r = np.fmin.reduce(r.reshape(-1, n), axis=0)
        out = np.fmin(out, 0.995 * r)
    return out


def _solve_psd(S: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the batched reduced Newton systems S dy = rhs (S positive semi-definite), laid
    out (row, column, draw); returns dy (row, draw).

    When the optimum is not unique in x (two issues that trade off at the same rate for
    every member, duplicated members, ideal points on the box), S is singular in the flat
    directions up to rounding once μ is small, and LAPACK may meet an exact zero pivot. Then
    that draw's matrix (only that draw's: a draw's result never depends on the others in the
    batch) gets a ridge of 1e-10 × its largest diagonal entry: a negligible change of the step
    along curved directions, a short finite step along flat ones (the step-length rule keeps
    every iterate strictly feasible either way).
    """
    Sn = S.transpose(2, 0, 1)
    bn = rhs.T[..., None]
    try:
        return np.ascontiguousarray(np.linalg.solve(Sn, bn)[..., 0].T)
    except np.linalg.LinAlgError:
        pass
    finite = np.isfinite(Sn).all(axis=(1, 2)) & np.isfinite(bn[..., 0]).all(axis=1)
    with np.errstate(all="ignore"):
        det = np.linalg.det(np.where(finite[:, None, None], Sn, 1.0))
    bad = ~finite | ~(det != 0)  # a zero pivot: the LU factorisation (as in solve) breaks down
    out = np.empty(bn.shape[:2])
    good = ~bad
    if good.any():
        out[good] = np.linalg.solve(Sn[good], bn[good])[..., 0]
    Sb = np.where(finite[bad, None, None], Sn[bad], np.eye(S.shape[0]))
    rb = np.where(finite[bad, None], bn[bad, :, 0], 0.0)  # a broken draw takes no step
    scale = np.abs(np.diagonal(Sb, axis1=1, axis2=2)).max(axis=1)
    ridge = 1e-10 * np.where(scale > 0, scale, 1.0)
    Sb = Sb + ridge[:, None, None] * np.eye(S.shape[0])
    try:
        out[bad] = np.linalg.solve(Sb, rb[..., None])[..., 0]
    except np.linalg.LinAlgError:
        # last resort, row by row: the least-squares step (pseudo-inverse) never fails
        out[bad] = np.stack([np.linalg.lstsq(Si, ri, rcond=None)[0] for Si, ri in zip(Sb, rb)])
    return np.ascontiguousarray(out.T)


def _measures(B: _Batch, parts, ya, yb, yg, yl, yh, mu):
    """Per draw: mean barrier complementarity, worst relative miss of the log-term targets,
    and the relative dual residual."""
    a, b, g, bl, bh = parts
    tot = _sum_ki(_act(B, a * ya + b * yb)) + _sum0(_free(B, bl * yl + bh * yh))
    if B.any_barrier_g:
        tot = tot + _sum0(np.where(B.barrier_g, g * yg / B.nu_safe, 0.0))
    else:
        tot = tot + 0.0
    sig_g = B.gamma + mu * B.nu
    if B.any_fixed_g:
        miss = np.where(B.fixed_g, np.abs(g * yg - sig_g) / np.maximum(sig_g, 1e-300), 0.0).max(
            axis=0)
    else:
        miss = np.zeros(a.shape[-1])
    ygm = yg if B.gf is None else np.where(B.gact, yg, 0.0)
    r_t = _act(B, B.negw * (B.beta + ygm)[:, None, :] + ya + yb)
    r_x = _free(B, _sum_k(_act(B, yb - ya))) + _free(B, yl - yh)
    rd = np.maximum(np.abs(r_t).max(axis=(0, 1)), np.abs(r_x).max(axis=0))
    if B.has_tau:
        rd = np.maximum(rd, np.abs(B.c - _sum0(ygm * B.s)))
    else:
        rd = np.maximum(rd, 0.0)
    return tot / np.maximum(B.cnt, 1), miss, rd / B.scale


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
