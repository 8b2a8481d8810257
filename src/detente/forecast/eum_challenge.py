"""The pieces of one challenge in the expected-utility model (Scholz, Calbert & Smith 2011).

For one issue and every ordered pair of actors (i, j): the probability that i prevails over j
from every actor's weighted vote (:func:`prevail_probability`), the success / failure / status-quo
utilities and i's expected utility of challenging j (``_expected_utility``), each actor's risk
exponent from its security level (:func:`risk_exponents`), and the kind of offer a pair's two
expected utilities make (:func:`offer_kinds`: conflict, compromise, compel or none). Arrays have
a leading batch axis (draws × issues); :mod:`.eum_round` plays a round with these pieces.
See ``docs/explanation/eum.md`` for the formulas.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np

from .central import weighted_median
from .params import EUM_CHOICES

__all__ = [
    "COMPEL",
    "COMPROMISE",
    "CONFLICT",
    "KIND_NAMES",
    "NONE",
    "offer_kinds",
    "prevail_probability",
    "risk_exponents",
]

# offer kinds, in the order an offer's receiver prefers them under ``selection="type"``
NONE, CONFLICT, COMPROMISE, COMPEL = 0, 1, 2, 3
_CHUNK = 1 << 15  # batch rows × pairs per block of the pairwise votes (256 KiB of float64)
KIND_NAMES = {CONFLICT: "conflict", COMPROMISE: "compromise", COMPEL: "compel"}


# --------------------------------------------------------------------------- pieces
def _weighted_median(w: np.ndarray, x: np.ndarray, tie: str) -> np.ndarray:
    """Condorcet winner among positions under linear-loss votes = the w-weighted median
    (``w``, ``x``: (B, A)); see :func:`detente.forecast.central.weighted_median`."""
    return weighted_median(w, x, tie=tie)


def _weighted_mean(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    tot = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * x).sum(axis=-1) / tot, np.nan)


def prevail_probability(
    w: np.ndarray, x: np.ndarray, delta: np.ndarray, r: np.ndarray | None = None,
    *, denominator: str = "all_pairs", active: np.ndarray | None = None,
) -> np.ndarray:
    """P[b, i, j]: probability that i prevails over j, from every actor's weighted vote.

    Actor k with weight w_k = c_k s_k votes a_k = (|x_k − x_j|/Δ)^{r_k} − (|x_k − x_i|/Δ)^{r_k}
    (> 0 when k prefers x_i); ``r=None`` means r_k = 1. The numerator is Σ_{k: a_k > 0} w_k a_k.
    ``denominator="pair"`` divides by Σ_k w_k |a_k| (Scholz et al. eq. 30, so P_ij + P_ji = 1);
    ``"all_pairs"`` divides by the total Σ_{k,m,n} w_k |a_k(m, n)| of such votes over every
    ordered pair of actors (m, n), as in the program that produced Scholz et al.'s Table 2 (read
    from its open re-implementation; the probabilities of one pair then sum to less than 1).
    A zero denominator (all positions equal, or no weight) gives P = 1/2. Pairs involving an
    actor that takes no part (``active`` False: no salience on the issue) do not count in the
    ``"all_pairs"`` total, so an absent actor changes nothing.

    >>> import numpy as np
    >>> w = np.array([[1.0, 1.0, 2.0]]); x = np.array([[0.0, 1.0, 0.25]])
    >>> p = prevail_probability(w, x, np.array([1.0]), denominator="pair")
    >>> round(float(p[0, 0, 1]), 4), round(float(p[0, 1, 0]), 4)
    (0.6667, 0.3333)
    """
    if denominator not in EUM_CHOICES["denominator"]:
        raise ValueError(f"denominator must be one of {EUM_CHOICES['denominator']}")
    return _prevail(w, _distance(x, delta), r, denominator, active)


def _distance(x: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """|x_i − x_j| / Δ per batch row, (B, A, A): the normalised distances of every pair."""
    return cast(np.ndarray, np.abs(x[:, :, None] - x[:, None, :]) / delta[:, None, None])


def _prevail(w: np.ndarray, dist: np.ndarray, r: np.ndarray | None, denominator: str,
             active: np.ndarray | None) -> np.ndarray:
    """:func:`prevail_probability` from the normalised distances ``dist`` (:func:`_distance`;
    read, never written)."""
    d = dist if r is None else dist ** r[:, :, None]  # (B, k, m)
    # a[b, k, i, j] = d[k, j] - d[k, i]; num[i, j] = Σ_k w_k max(a, 0); Σ_k w_k|a| = num + numᵀ.
    # The sum runs over voters k in order (0 + a_0 + a_1 + …, as numpy's sum over the axis), on
    # blocks of at most _CHUNK batch rows × pairs, which stay in cache: the same bits whatever
    # the batch size.
    n_b, n_a = d.shape[:2]
    num = np.empty((n_b, n_a, n_a))
    step = max(1, _CHUNK // max(1, n_a * n_a))
    vote = np.empty((min(step, n_b), n_a, n_a))
    for lo in range(0, n_b, step):
        hi = min(n_b, lo + step)
        acc, a = num[lo:hi], vote[:hi - lo]
        acc.fill(0.0)
        for k in range(n_a):
            dk = d[lo:hi, k]
            np.subtract(dk[:, None, :], dk[:, :, None], out=a)
            np.maximum(a, 0.0, out=a)
            a *= w[lo:hi, k, None, None]
            acc += a
    if denominator == "pair":
        den = num + np.swapaxes(num, 1, 2)
    else:
        if active is not None:
            both = active[:, :, None] & active[:, None, :]
            tot = np.where(both, num, 0.0).sum(axis=(1, 2))
        else:
            tot = num.sum(axis=(1, 2))
        den = np.broadcast_to(2.0 * tot[:, None, None], num.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)


def _utility(z: np.ndarray, rho: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, 2.0 - 4.0 * np.power(np.clip(z, 0.0, 1.0), rho))


def _utility_at(z: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """:func:`_utility` of a ``z`` already within [0, 1], in a new array."""
    u = np.power(z, rho)
    u *= 4.0
    return cast(np.ndarray, np.subtract(2.0, u, out=u))


class _Pairs(NamedTuple):
    """A round's terms of every pair (i, j), shared by its expected utilities: the positions
    ``x`` (B, A), reference point ``mu`` and range ``delta`` (B,), ``dij`` = |x_i − x_j|/Δ and
    the clipped utility arguments of success ``z_s`` = ½ − ½ dij and failure ``z_f`` = ½ + ½ dij,
    each (B, A, A)."""

    x: np.ndarray
    mu: np.ndarray
    delta: np.ndarray
    dij: np.ndarray
    z_s: np.ndarray
    z_f: np.ndarray


def _pairs(x: np.ndarray, mu: np.ndarray, delta: np.ndarray) -> _Pairs:
    dij = _distance(x, delta)
    return _Pairs(x, mu, delta, dij, np.clip(0.5 - 0.5 * dij, 0.0, 1.0),
                  np.clip(0.5 + 0.5 * dij, 0.0, 1.0))


def _expected_utility(
    p: np.ndarray, s: np.ndarray, pr: _Pairs, rho: np.ndarray, u_sq: np.ndarray, q: float,
    t: float | str,
) -> np.ndarray:
    """E[b, i, j] = expected utility of i challenging j, utilities with exponent rho[b, i, j].

    E = s_j [P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq − (1 − Q)[T U_b + (1 − T) U_w]

    ``pr``: the round's pair terms (:func:`_pairs`); ``u_sq``: U_sq = 2 − 4 · ½^rho, of a shape
    that broadcasts to (B, A, A) (it varies with rho only). Evaluated in place, in the formula's
    order of operations.
    """
    u_s = _utility_at(pr.z_s, rho)
    u_f = _utility_at(pr.z_f, rho)
    sj = s[:, None, :]
    e = p * u_s
    e += np.multiply(1.0 - p, u_f, out=u_f)
    np.multiply(sj, e, out=e)
    e += np.multiply(1.0 - sj, u_s, out=u_s)
    e -= q * u_sq
    if q != 1.0:
        x, mu, delta, dij = pr.x, pr.mu, pr.delta, pr.dij
        dim = (np.abs(x - mu[:, None]) / delta[:, None])[:, :, None]  # |x_i − μ| / Δ
        u_b = _utility(0.5 - 0.25 * (dim + dij), rho)
        u_w = _utility(0.5 + 0.25 * (dim + dij), rho)
        # T = 1 when j's expected move to the reference point helps i: |x_i − μ| < |x_i − x_j|
        tt = (dim < dij).astype(float) if t == "auto" else float(t)
        e = e - (1.0 - q) * (tt * u_b + (1.0 - tt) * u_w)
    return cast(np.ndarray, e)


def risk_exponents(security: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """r_i = (1 − R_i/3)/(1 + R_i/3) with R_i = (2 S_i − max S − min S)/(max S − min S).

    ``security`` is (B, A), the sum of expected utilities of challenges around actor i (the
    higher, the more threatened i is). The most threatened actor gets R = 1, r = 1/2 (risk
    averse), the least threatened R = −1, r = 2 (risk acceptant). max and min run over the
    ``active`` actors; when all are equal, R = 0 and r = 1.

    >>> import numpy as np
    >>> risk_exponents(np.array([[0.0, 1.0, 2.0]])).round(3).tolist()
    [[2.0, 1.0, 0.5]]
    """
    if active is None:
        active = np.ones(security.shape, dtype=bool)
    hi = np.where(active, security, -np.inf).max(axis=-1, keepdims=True)
    lo = np.where(active, security, np.inf).min(axis=-1, keepdims=True)
    span = hi - lo
    ok = np.isfinite(span) & (span > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = np.where(ok, (2.0 * security - hi - lo) / np.where(ok, span, 1.0), 0.0)
    big_r = np.where(active, np.clip(big_r, -1.0, 1.0), 0.0)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)


def offer_kinds(a: np.ndarray, b: np.ndarray, *, conflict: str = "move") -> tuple[np.ndarray, np.ndarray]:
    """Classify offers to a receiver i from a proposer j by a = E^i(U_ij), b = E^j(U_ji).

    Returns (kind, fraction): the kind code and the fraction of the way from x_i to x_j that
    i moves if it accepts. Both positive with b > a: i loses the conflict and moves to x_j
    (``conflict="none"``: conflicts move no one). a < 0 < b: j has the upper hand; with
    b > |a| a compromise, i moving the fraction |a/b| of the way; with |a| ≥ b i is compelled
    all the way. Otherwise (both negative, a ≥ b, or a zero EU) no offer.

    >>> import numpy as np
    >>> k, f = offer_kinds(np.array([0.2, -0.1, -0.5, -0.1, 0.5]), np.array([0.4, 0.4, 0.4, -0.2, 0.1]))
    >>> k.tolist(), f.round(2).tolist()
    ([1, 2, 3, 0, 0], [1.0, 0.25, 1.0, 0.0, 0.0])
    """
    conflict_ok = (a > 0) & (b > a) if conflict == "move" else np.zeros(np.shape(a), dtype=bool)
    upper = (a < 0) & (b > 0)
    compromise = upper & (b > -a)
    compel = upper & ~compromise
    kind = np.where(conflict_ok, CONFLICT, np.where(compromise, COMPROMISE,
                    np.where(compel, COMPEL, NONE)))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(compromise, -a / np.where(compromise, b, 1.0), 0.0)
    frac = np.where(conflict_ok | compel, 1.0, frac)
    return kind.astype(np.int8), frac

