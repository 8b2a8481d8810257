"""Utilities over packages and no-deal values, vectorised over draws.

Definitions (docs/explanation/utility.md; DESIGN.md). With positions
normalised to [0, 1] and weights ``w_ij = s_ij / Σ_k s_ik``::

    U_i(x) = Σ_j w_ij · (1 − |x_j − p_ij|)          in [0, 1]
    d_i(t) = U_i(q_i) − cost_i − drift_i · t          q_i: i's expected no-deal state

An explicit no-deal ``value`` replaces ``U_i(q_i) − cost_i``; drift still
applies. An actor with no salient stance has all weights 0 and ``U ≡ 0``.
An agreement x is acceptable to i when ``U_i(x) ≥ d_i(t)``.
"""

from __future__ import annotations

import numpy as np

from .scenario.draws import Draws

__all__ = ["beliefs", "expected_distance", "no_deal_values", "utility", "utility_weights"]


def utility_weights(salience: np.ndarray) -> np.ndarray:
    """Saliences (N, A, I) → weights summing to 1 per actor (0 where an actor cares about nothing)."""
    s = np.asarray(salience, dtype=float)
    tot = s.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, s / np.where(tot > 0, tot, 1.0), 0.0)


def utility(x: np.ndarray, position: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Utility of packages for every actor.

    x: (N, K, I) packages (normalised), or (N, I) for one package per draw.
    position, weights: (N, A, I). Returns (N, A, K), or (N, A) for (N, I) input.
    """
    x = np.asarray(x, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[:, None, :]
    # loop over issues keeps memory at O(N·A·K), not O(N·A·K·I)
    n, k, m = x.shape
    out = np.zeros((n, position.shape[1], k))
    for j in range(m):
        out += weights[:, :, j, None] * (1.0 - np.abs(x[:, None, :, j] - position[:, :, j, None]))
    return out[:, :, 0] if single else out


def expected_distance(mean: np.ndarray, sd: np.ndarray, p: np.ndarray) -> np.ndarray:
    """E|X − p| for X ~ Normal(mean, sd) (the folded normal's mean; |mean − p| where sd = 0).

    >>> float(expected_distance(np.array(0.5), np.array(0.0), np.array(0.2)))
    0.3
    >>> round(float(expected_distance(np.array(0.0), np.array(1.0), np.array(0.0))), 6)
    0.797885
    """
    delta = mean - p
    if not np.any(sd > 0):
        return np.abs(delta)
    from scipy.special import ndtr

    s = np.where(sd > 0, sd, 1.0)
    z = delta / s
    folded = s * np.sqrt(2.0 / np.pi) * np.exp(-0.5 * z * z) + delta * (1.0 - 2.0 * ndtr(-z))
    return np.where(sd > 0, folded, np.abs(delta))


def beliefs(draws: Draws, months: np.ndarray | float = 0.0,
            shift: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each actor's belief about the no-deal state at month t: mean and sd (N, A, I[, T]).

    b_ij(t) = q_j(t) + (e_ij − q_j)·2^(−t/h), sd_ij(t) = sd_ij·2^(−t/h): the gap between an
    actor's expectation e and the status quo q (the analyst's estimate of the no-deal path)
    halves every h months (``process.beliefs.half_life``; h = ∞: no convergence). ``shift``
    (N, I, T) moves the no-deal state itself (unilateral moves); every belief moves with it.
    """
    t = np.asarray(months, dtype=float)
    h = draws.process.get("half_life") if draws.process else None
    q, e, sd = draws.status_quo, draws.expects, draws.expects_sd
    if t.ndim == 0:
        decay = 1.0 if h is None else np.exp2(-t / h)[:, None, None]
        mean = q[:, None, :] + (e - q[:, None, :]) * decay
        if shift is not None:
            mean = mean + shift[:, None, :]
        return mean, sd * decay
    decay = (np.ones((1, 1, 1, t.size)) if h is None
             else np.exp2(-t[None, :] / h[:, None])[:, None, None, :])
    mean = q[:, None, :, None] + (e - q[:, None, :])[..., None] * decay
    if shift is not None:
        mean = mean + shift[:, None, :, :]
    return mean, sd[..., None] * decay


def no_deal_values(draws: Draws, months: np.ndarray | float = 0.0,
                   shift: np.ndarray | None = None) -> np.ndarray:
    """d_i(t) for every draw and actor: (N, A) for a scalar t, (N, A, T) for T months.

    d_i(t) = E U_i(no-deal state under i's own belief at t) − cost_i − drift_i·t
    (:func:`beliefs`); an explicit ``value`` replaces the first two terms.
    """
    t = np.asarray(months, dtype=float)
    w = utility_weights(draws.salience)
    mean, sd = beliefs(draws, t, shift)
    if t.ndim == 0:
        uq = np.einsum("nai,nai->na", w, 1.0 - expected_distance(mean, sd, draws.position))
        base = np.where(np.isnan(draws.value), uq - draws.cost, draws.value)
        return base - draws.drift * t
    dist = expected_distance(mean, sd, draws.position[..., None])
    uq = np.einsum("nai,nait->nat", w, 1.0 - dist)
    base = np.where(np.isnan(draws.value)[..., None], uq - draws.cost[..., None],
                    draws.value[..., None])
    return base - draws.drift[..., None] * t
