"""The Newton iteration of the bargaining solver, batched over draws.

:func:`~detente.bargain.solver.solve` iterates :func:`_step`: one primal–dual Newton step for
every draw still iterating, the system reduced by a Schur complement to (I + 1) × (I + 1) per
draw and solved in one batched call (:func:`_solve_psd`, with a ridge for a singular draw only),
then the longest step that keeps every quantity positive (:func:`_max_step`); :func:`_measures`
gives each draw's complementarity, log-term miss and dual residual for the stopping test. A
program's per-draw constants are laid out with the draw axis last in a :class:`_Batch`, which
:meth:`_Batch.take` slices to the draws still iterating; sums over members and issues are
:mod:`detente.bargain.sums`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .sums import _sum0, _sum_i, _sum_k, _sum_ki

if TYPE_CHECKING:
    from .solver import Program

__all__: list[str] = []


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
    u = 1.0 - t
    u *= B.w
    g = _sum_i(u) - B.e - tau[None] * B.s
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

    The step is a long run of passes over (K, I, n) arrays, so the time goes into passes and
    fresh temporaries: each value is computed once, and arrays this function made itself are
    updated in place where that is the same arithmetic in the same order (a −= b is a − b;
    a·b = b·a and −(a·b) = (−a)·b exactly, so −C is never formed).
    """
    _k, m, n = B.w.shape
    ny = m + 1
    sig_g = B.gamma + mu * B.nu
    s, wa = B.s, B.wa
    a, b, g, bl, bh = parts
    g = _masked(g, B.gf, B.ngf)
    # weights ω = y/c and barrier gradient terms σ/c (zero where a constraint is absent)
    wa_, wb_ = _act(B, ya) / a, _act(B, yb) / b
    wg = yg / g if B.gf is None else np.where(B.gact, yg / g, 0.0)
    wl, wh = _free(B, yl) / bl, _free(B, yh) / bh
    am = mu if B.am is None else B.am * mu  # act·μ (act is all ones where am is None)
    sa, sb = am / a, am / b
    sg = sig_g / g if B.gf is None else np.where(B.gact, sig_g / g, 0.0)
    fm = mu if B.ff is None else B.ff * mu
    sl, sh = fm / bl, fm / bh
    g_t = B.negw * (sg + B.beta)[:, None, :]
    g_t += sa
    g_t += sb
    g_t = _act(B, g_t)
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
    Ag = Dinv * g_t  # A⁻¹ g_t: D⁻¹ g_t, then the rank-one (Sherman–Morrison) correction
    Ag -= (rho * _sum_i(wa * Ag) / den)[:, None, :] * Dw
    DC = Dinv * C
    # the reduced system S dy = rhs, (I + 1) × (I + 1) per draw: (row, column, draw)
    S = np.empty((ny, ny, n))
    coef = rho / den
    U = wa * DC
    U *= np.sqrt(coef)[:, None, :]
    Sxx = S[:m, :m]  # built in place: Σ_k U_k U_kᵀ, the diagonal term added after k = 0
    np.multiply(U[0][:, None, :], U[0][None, :, :], out=Sxx)
    dg_ = np.arange(m)
    Sxx[dg_, dg_] = Sxx[dg_, dg_] + (Mxx - _sum_k(C * DC))
    if U.shape[0] > 1:
        outer = np.empty((m, m, n))
        for kk in range(1, U.shape[0]):
            np.multiply(U[kk][:, None, :], U[kk][None, :, :], out=outer)
            Sxx += outer
    rhs = np.empty((ny, n))
    if B.has_tau:
        Mtt = _sum0(rho * s * s)
        bt = (rho * s)[:, None, :] * wa
        AinvBt = Dinv * bt
        AinvBt -= (rho * _sum_i(wa * AinvBt) / den)[:, None, :] * Dw
        S[m, m] = Mtt - _sum_ki(bt * AinvBt)
        xt = 0.0 + _sum_k(C * AinvBt)  # = 0 − Σ_k (−C)·A⁻¹bₜ, a zero's sign included
        S[:m, m] = xt
        S[m, :m] = xt
        rhs[m] = g_tau - _sum_ki(bt * Ag)
    else:
        S[m, :] = 0.0
        S[:m, m] = 0.0
        S[m, m] = 1.0
        rhs[m] = 0.0
    rhs[:m] = g_x + _sum_k(C * Ag)
    if B.ff is not None:
        fixed = np.concatenate([~B.free, np.full((1, n), not B.has_tau)], axis=0)
        S = np.where(fixed[:, None, :] | fixed[None, :, :], 0.0, S)
        S[np.arange(ny), np.arange(ny)] += fixed
        rhs = np.where(fixed, 0.0, rhs)
    dy = _solve_psd(S, rhs)
    dx = _free(B, dy[:m])
    # Δt = A⁻¹ (g_t + C Δx − bₜ Δτ)
    if B.has_tau:
        dtau = dy[m]
        v = bt * dtau[None, None]
        v -= C * dx[None]
        v = g_t - v
    else:
        dtau = np.zeros(n)
        v = C * dx[None]
        v += g_t
    v *= Dinv
    v -= (rho * _sum_i(wa * v) / den)[:, None, :] * Dw
    dt = _act(B, v)
    # constraint changes and dual steps Δy = σ/c − y − ω Δc
    da = _act(B, dt - dx[None])
    db = _act(B, dt + dx[None])
    dg = -_sum_i(B.w * dt)
    if B.has_tau:
        dg = dg - dtau[None] * s
    if B.gf is not None:
        dg = np.where(B.gact, dg, 0.0)
    dl, dh = dx, -dx
    sa -= ya
    sa -= wa_ * da
    dya = _act(B, sa)
    sb -= yb
    sb -= wb_ * db
    dyb = _act(B, sb)
    dyg = sg - yg - wg * dg
    if B.gf is not None:
        dyg = np.where(B.gact, dyg, 0.0)
    dyl = _free(B, sl - yl - wl * dl)
    dyh = _free(B, sh - yh - wh * dh)
    ap = _max_step(n, ((a, da), (b, db), (g, dg), (bl, dl), (bh, dh)))
    ad = _max_step(n, ((ya, dya), (yb, dyb), (yg, dyg), (yl, dyl), (yh, dyh)))
    x = x + ap * dx
    t = _moved(t, ap, dt)
    tau = tau + ap * dtau
    ya, yb = _moved(ya, ad, dya), _moved(yb, ad, dyb)
    yg = yg + ad * dyg
    yl, yh = yl + ad * dyl, yh + ad * dyh
    return x, t, tau, ya, yb, yg, yl, yh, ap, ad


def _moved(v: np.ndarray, step: np.ndarray, dv: np.ndarray) -> np.ndarray:
    """v + step·dv per draw, computed in dv's buffer (dv, made by :func:`_step`, is spent)."""
    dv *= step
    dv += v
    return dv


def _max_step(n, pairs):
    """The longest step ≤ 1 keeping every positive quantity ≥ 0.5% of its value, per draw.

    Only entries with a negative change count (absent constraints have zero change); the ratio
    val / |min(dv, 0)| is +inf or NaN (0/0) where dv ≥ 0 and NaN where dv is, which fmin skips.
    Each pair's ratios are formed in one temporary and reduced to the draw's smallest; the
    step is 0.995 × the smallest of those (x ↦ 0.995·x rounds monotonically, so scaling the
    minimum is scaling every ratio and taking the minimum), capped at 1.
    """
    least = []
    for val, dv in pairs:
        r = np.minimum(dv, 0.0)
        np.abs(r, out=r)
        np.divide(val, r, out=r)
        least.append(np.fmin.reduce(r.reshape(-1, n), axis=0))
    return np.fmin(1.0, 0.995 * np.fmin.reduce(least))


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
    # the batch made contiguous per draw first: the batched solve copies every matrix into
    # LAPACK's layout, and gathering each one from the (row, column, draw) layout touches a
    # cache line per element (one copy of the whole batch saves ~10% of the solve; the
    # numbers LAPACK sees, and so the result, are the same)
    Sn = np.ascontiguousarray(S.transpose(2, 0, 1))
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
    comp = a * ya
    comp += b * yb
    tot = _sum_ki(_act(B, comp)) + _sum0(_free(B, bl * yl + bh * yh))
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
    r_t = B.negw * (B.beta + ygm)[:, None, :]
    r_t += ya
    r_t += yb
    r_t = _act(B, r_t)
    r_x = _free(B, _sum_k(_act(B, yb - ya))) + _free(B, yl - yh)
    rd = np.maximum(np.abs(r_t, out=r_t).max(axis=(0, 1)), np.abs(r_x).max(axis=0))
    if B.has_tau:
        rd = np.maximum(rd, np.abs(B.c - _sum0(ygm * B.s)))
    else:
        rd = np.maximum(rd, 0.0)
    return tot / np.maximum(B.cnt, 1), miss, rd / B.scale
