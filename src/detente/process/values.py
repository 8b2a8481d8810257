"""No-deal values as the process model's actors see them (vectorised over draws).

Each actor judges the no-deal state by its *own* belief (mean, sd per issue and month), and
estimates what another actor needs by applying that actor's utility to *its own* belief
(docs/explanation/process.md, "What one actor believes another needs"). A partial agreement is
judged on the issues it settles: :func:`open_issues` takes the issues it leaves open out of the
comparison ("A partial agreement settles its own issues, nothing else").
"""

from __future__ import annotations

import numpy as np

from ..bargain import core
from ..utility import expected_distance

__all__ = ["believed_values", "open_issues", "perceived"]


def perceived(w: np.ndarray, pos: np.ndarray, mean: np.ndarray, sd: np.ndarray,
              cost: np.ndarray, drift: np.ndarray, value: np.ndarray, t: np.ndarray
              ) -> np.ndarray:
    """d_j as actor k believes it: (N, K, J, T) — j's utility of the no-deal state under k's
    belief (mean, sd: (N, K, I, T)), less j's cost and drift. w, pos: (N, J, I)."""
    n, kk, _m, nt = mean.shape
    j = w.shape[1]
    out = np.empty((n, kk, j, nt))
    for a in range(kk):
        dist = expected_distance(mean[:, a, None, :, :], sd[:, a, None, :, :],
                                 pos[..., None])  # (N, J, I, T)
        out[:, a] = np.einsum("nji,njit->njt", w, 1.0 - dist)
    base = np.where(np.isnan(value)[:, None, :, None], out - cost[:, None, :, None],
                    value[:, None, :, None])
    return base - drift[:, None, :, None] * t[None, None, None, :]


def believed_values(w: np.ndarray, pos: np.ndarray, mean: np.ndarray, sd: np.ndarray
                    ) -> np.ndarray:
    """Issue by issue, an actor's utility of the no-deal state under a belief: w_i · (1 −
    E|X_i − p_i|), X_i ~ Normal(mean_i, sd_i²); the arrays broadcast (the terms that
    :func:`perceived` sums over the issues)."""
    return w * (1.0 - expected_distance(mean, sd, pos))


def open_issues(w: np.ndarray, pos: np.ndarray, q: np.ndarray, settles: np.ndarray,
                believed: np.ndarray, explicit: np.ndarray) -> np.ndarray:
    """What to add to an actor's no-deal value to compare it with a partial agreement's
    package: (R, J). The package holds the issues the partial leaves open at the status quo
    ``q`` (R, I), but signing a truce does not settle them — they stay contested either way —
    so the actor values them as it does without the partial, by its belief: the addend
    swaps the believed value of the open issues (``believed``: (R, J, I) per-issue values)
    for their value at the status quo, and the partial is judged on the issues it settles
    (and the no-deal cost it relieves while it runs). ``settles``: (I,) bool. An actor with
    an explicit no-deal ``value`` (``explicit``: (R, J) bool) has no per-issue belief to
    judge by: its value is compared with the package as it stands (addend 0)."""
    open_ = ~settles
    at_q = core.utilities(w * open_, pos, q)
    return np.where(explicit, 0.0, at_q - (believed * open_).sum(axis=-1))
