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

__all__ = ["no_deal_values", "utility", "utility_weights"]


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


def no_deal_values(draws: Draws, months: np.ndarray | float = 0.0) -> np.ndarray:
    """d_i(t) for every draw and actor: (N, A) for a scalar t, (N, A, T) for T months."""
    t = np.asarray(months, dtype=float)
    w = utility_weights(draws.salience)
    # U_i(q_i): each actor's utility of its own expected no-deal state
    uq = np.einsum("nai,nai->na", w, 1.0 - np.abs(draws.expects - draws.position))
    base = np.where(np.isnan(draws.value), uq - draws.cost, draws.value)
    if t.ndim == 0:
        return base - draws.drift * t
    return base[..., None] - draws.drift[..., None] * t
