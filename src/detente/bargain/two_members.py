"""Exact bargaining for two-member tables (the Pareto frontier is a polyline).

With separable, piecewise-linear utilities and two members, the Pareto
frontier has a closed form: start from the package at member 1's ideal point
on every free issue and move the issues, one at a time, all the way to member
2's ideal point, in increasing order of member 1's relative concern
``w1j / (w1j + w2j)`` (the issue member 1 cares least about, relative to
member 2, goes first — the logic of an exchange; ties keep issue order).
Moving an issue between the two ideal points changes both utilities linearly,
so the frontier in utility space is the polyline through these I + 1 vertices
(Raiffa 1982, *The Art and Science of Negotiation*, ch. 11, on additive
two-party frontiers). Every quantity below is then a small closed-form
computation per segment, vectorised over draws: it is exact, and it is the
oracle the general interior-point solver is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Frontier2", "frontier2", "ideal2", "maxmin2", "nash2"]


@dataclass(frozen=True)
class Frontier2:
    """The two-member frontier: vertices (N, S+1, 2), issue order (N, I), packages."""

    v: np.ndarray  # (N, I+1, 2) utilities at the vertices
    order: np.ndarray  # (N, I) issue moved at each segment
    p1: np.ndarray  # (N, I)
    p2: np.ndarray  # (N, I)
    base: np.ndarray  # (N, I) package at vertex 0 (free issues at p1, others fixed)
    free: np.ndarray  # (N, I)

    def package(self, seg: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """The package at parameter θ of segment ``seg`` (0-based), per draw."""
        n, m = self.base.shape
        rank = np.empty_like(self.order)
        np.put_along_axis(rank, self.order, np.arange(m)[None, :].repeat(n, 0), axis=1)
        x = np.where(rank < seg[:, None], self.p2, self.p1)
        moving = rank == seg[:, None]
        x = np.where(moving, self.p1 + theta[:, None] * (self.p2 - self.p1), x)
        return np.where(self.free, x, self.base)


def frontier2(w: np.ndarray, p: np.ndarray, q: np.ndarray, free: np.ndarray) -> Frontier2:
    """Vertices of the two-member Pareto frontier (w, p: (N, 2, I); q, free: (N, I))."""
    w1, w2 = w[:, 0], w[:, 1]
    p1, p2 = p[:, 0], p[:, 1]
    base = np.where(free, p1, q)
    u0 = (w * (1.0 - np.abs(base[:, None, :] - p))).sum(axis=2)  # (N, 2)
    delta = np.where(free, np.abs(p1 - p2), 0.0)
    tot = w1 + w2
    r = np.where(tot > 0, w1 / np.where(tot > 0, tot, 1.0), 0.5)
    order = np.argsort(r, axis=1, kind="stable")
    d1 = np.take_along_axis(-w1 * delta, order, axis=1)
    d2 = np.take_along_axis(w2 * delta, order, axis=1)
    steps = np.stack([d1, d2], axis=2)  # (N, I, 2)
    v = np.concatenate([u0[:, None, :], u0[:, None, :] + np.cumsum(steps, axis=1)], axis=1)
    return Frontier2(v=v, order=order, p1=p1, p2=p2, base=base, free=free)


def _segments(f: Frontier2):
    a = f.v[:, :-1, :]  # (N, S, 2) start of each segment
    b = f.v[:, 1:, :] - a  # direction
    return a, b


def maxmin2(f: Frontier2, d: np.ndarray, scale: np.ndarray | None = None):
    """max over the frontier of min_k (u_k − d_k)/scale_k: (value, package) per draw.

    With scale = 1 this is the largest gain every member can get at once (> 0:
    a zone of agreement exists); with scale = ideal − d it is Kalai–Smorodinsky.
    """
    sc = np.ones_like(d) if scale is None else scale
    a, b = _segments(f)
    n, s, _ = a.shape
    if s == 0:
        g = (f.v[:, 0, :] - d) / sc
        return g.min(axis=1), f.base.copy()
    f1 = (a[..., 0] - d[:, None, 0]) / sc[:, None, 0]
    f2 = (a[..., 1] - d[:, None, 1]) / sc[:, None, 1]
    s1 = b[..., 0] / sc[:, None, 0]  # ≤ 0
    s2 = b[..., 1] / sc[:, None, 1]  # ≥ 0
    den = s2 - s1
    with np.errstate(divide="ignore", invalid="ignore"):
        th = np.where(den > 0, (f1 - f2) / den, 0.0)
    th = np.clip(th, 0.0, 1.0)
    val = np.minimum(f1 + th * s1, f2 + th * s2)
    best = np.argmax(val, axis=1)
    value = np.take_along_axis(val, best[:, None], axis=1)[:, 0]
    theta = np.take_along_axis(th, best[:, None], axis=1)[:, 0]
    return value, f.package(best, theta)


def nash2(f: Frontier2, d: np.ndarray, alpha: np.ndarray):
    """The (weighted) Nash bargaining solution on the frontier: (log product, package).

    Maximises α1·log(u1 − d1) + α2·log(u2 − d2); −inf where no package gives both
    members more than their no-deal value.
    """
    a, b = _segments(f)
    n, s, _ = a.shape
    if s == 0:
        g = f.v[:, 0, :] - d
        ok = (g > 0).all(axis=1)
        val = np.where(ok, (alpha * np.log(np.where(g > 0, g, 1.0))).sum(axis=1), -np.inf)
        return val, f.base.copy()
    A1, A2 = a[..., 0] - d[:, None, 0], a[..., 1] - d[:, None, 1]
    B1, B2 = b[..., 0], b[..., 1]
    al1, al2 = alpha[:, None, 0], alpha[:, None, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # feasible θ range where both gains are positive
        lo = np.where(B2 > 0, -A2 / B2, np.where(A2 > 0, -np.inf, np.inf))
        hi = np.where(B1 < 0, -A1 / B1, np.where(A1 > 0, np.inf, -np.inf))
        lo = np.maximum(lo, 0.0)
        hi = np.minimum(hi, 1.0)
        th = -(al1 * B1 * A2 + al2 * B2 * A1) / ((al1 + al2) * B1 * B2)
        th = np.where((B1 < 0) & (B2 > 0), th, np.where(B2 > 0, hi, np.where(B1 < 0, lo, lo)))
    th = np.where(np.isfinite(th), th, 0.0)
    th = np.where(lo <= hi, np.clip(th, lo, hi), 0.0)
    g1, g2 = A1 + th * B1, A2 + th * B2
    ok = (lo <= hi) & (g1 > 0) & (g2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.where(ok, al1 * np.log(np.where(ok, g1, 1.0)) + al2 * np.log(np.where(ok, g2, 1.0)),
                       -np.inf)
    best = np.argmax(val, axis=1)
    value = np.take_along_axis(val, best[:, None], axis=1)[:, 0]
    theta = np.take_along_axis(np.where(np.isfinite(th), th, 0.0), best[:, None], axis=1)[:, 0]
    return value, f.package(best, theta)


def ideal2(f: Frontier2, d: np.ndarray) -> np.ndarray:
    """Each member's best utility among packages acceptable to both (N, 2); NaN if none."""
    v = f.v
    n, s1, _ = v.shape
    out = np.full((n, 2), np.nan)
    for k, other in ((0, 1), (1, 0)):
        # along the polyline u1 falls and u2 rises; member k's best acceptable point is
        # the first (k = 0) or last (k = 1) point where the other member is satisfied
        seq = v if k == 0 else v[:, ::-1, :]
        ok = seq[:, :, other] >= d[:, None, other]
        anyok = ok.any(axis=1)
        first = np.argmax(ok, axis=1)
        val = np.take_along_axis(seq[:, :, k], first[:, None], axis=1)[:, 0]
        prev = np.maximum(first - 1, 0)
        pa = np.take_along_axis(seq, prev[:, None, None].repeat(2, 2), axis=1)[:, 0]
        pb = np.take_along_axis(seq, first[:, None, None].repeat(2, 2), axis=1)[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            th = (d[:, other] - pa[:, other]) / (pb[:, other] - pa[:, other])
        th = np.clip(np.where(np.isfinite(th), th, 1.0), 0.0, 1.0)
        interp = pa[:, k] + th * (pb[:, k] - pa[:, k])
        val = np.where(first > 0, interp, val)
        # the member itself must also be satisfied there
        val = np.where(anyok & (val >= d[:, k]), val, np.nan)
        out[:, k] = val
    return out
