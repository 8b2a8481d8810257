"""One round of the expected-utility model: every actor's accepted offer, all moving at once.

From the positions at the start of a round (one issue per batch row): the reference point, the
two passes of expected utilities (risk exponents from the first), the offers each pair makes
(:mod:`.eum_challenge`), and the one offer each actor accepts under the ``selection`` rule.
:func:`play_round` returns the new positions and what happened, a typed :class:`EUMRoundOffers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from .eum_challenge import (
    COMPEL,
    COMPROMISE,
    NONE,
    _expected_utility,
    _pairs,
    _prevail,
    _utility_at,
    _weighted_mean,
    _weighted_median,
    offer_kinds,
    risk_exponents,
)
from .params import EUMOptions

__all__ = ["EUMRoundOffers", "play_round"]


@dataclass(frozen=True)
class EUMRoundOffers:
    """The offers accepted in one round. Per batch row b (draw × issue) and receiver i, each
    (B, A): ``moved`` whether i accepted an offer and moved; ``proposer`` the actor whose offer
    it accepted (0 when none); ``kind`` the offer's kind code (:data:`.eum_challenge.NONE` when
    i did not move); ``eu_receiver`` a = E^i(U_ij) and ``eu_proposer`` b = E^j(U_ji) of that
    offer; ``risk`` i's risk exponent r_i. ``median`` (B,) is the round's reference point μ
    (the weighted median, or mean with ``reference="mean"``)."""

    moved: np.ndarray
    proposer: np.ndarray
    kind: np.ndarray
    eu_receiver: np.ndarray
    eu_proposer: np.ndarray
    risk: np.ndarray
    median: np.ndarray


def _select(valid: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Index along the last axis minimising the keys lexicographically among valid entries;
    remaining ties go to the lowest index. Rows with no valid entry give 0 (masked by caller)."""
    cand = valid
    for key in keys:
        k = np.where(cand, key, np.inf)
        cand = cand & (k == _row_min(k)[..., None])
    return cast(np.ndarray, np.argmax(cand, axis=-1))


def _row_min(k: np.ndarray) -> np.ndarray:
    """``k.min(axis=-1)``, as a running minimum over the (few) columns: long loops, not one
    short reduction per row (the same values; NaN propagates as in ``min``)."""
    m = k[..., 0].copy()
    for j in range(1, k.shape[-1]):
        np.minimum(m, k[..., j], out=m)
    return m


def play_round(
    c: np.ndarray, s: np.ndarray, x: np.ndarray, delta: np.ndarray, active: np.ndarray,
    opts: EUMOptions,
) -> tuple[np.ndarray, EUMRoundOffers]:
    """One round on (B, A) arrays — capability ``c``, salience ``s``, positions ``x``, range
    ``delta`` (B,), ``active`` actors — returns the new positions and the accepted offers."""
    w = c * s
    if opts.reference == "median":
        mu = _weighted_median(w, x, opts.median_tie)
    else:
        mu = _weighted_mean(w, x)
    mu = np.where(np.isnan(mu), 0.0, mu)
    q, t = opts.Q, opts.T
    n_act = x.shape[-1]
    pair = active[:, :, None] & active[:, None, :] & ~np.eye(n_act, dtype=bool)
    pr = _pairs(x, mu, delta)  # the pair terms every expected utility below shares

    # pass 1: r = 1 everywhere; security and risk exponents
    p1 = _prevail(w, pr.dij, None, opts.denominator, active)
    ones = np.ones_like(p1)
    u_sq = _utility_at(np.full_like(x, 0.5), np.ones_like(x))[:, :, None]  # U_sq, r = 1
    e1 = _expected_utility(p1, s, pr, ones, u_sq, q, t)  # e1[i, j]: i challenges j
    e1 = np.where(pair, e1, 0.0)
    if opts.security == "challengers":
        sec = e1.sum(axis=1)  # S_i = Σ_j E^j(U_ji)
    else:
        sec = e1.sum(axis=2)  # S_i = Σ_j E^i(U_ij)
    r = risk_exponents(sec, active)

    # pass 2: expected utilities with the risk exponents
    p2 = _prevail(w, pr.dij, r if opts.vote_risk else None, opts.denominator, active)
    u_sq = _utility_at(np.full_like(r, 0.5), r)  # U_sq with exponent r_i, (B, A)
    r_row = np.broadcast_to(r[:, :, None], p2.shape)  # rho[i, j] = r_i
    e_own = _expected_utility(p2, s, pr, r_row, u_sq[:, :, None], q, t)
    a = e_own  # a[i, j] = E^i(U_ij), i's own exponent in both readings
    if opts.perspective == "own":
        b = np.swapaxes(e_own, 1, 2)  # b[i, j] = E^j(U_ji) with r_j
    else:
        r_col = np.broadcast_to(r[:, None, :], p2.shape)  # rho[j, i] = r_i
        b = np.swapaxes(_expected_utility(p2, s, pr, r_col, u_sq[:, None, :], q, t), 1, 2)
    b = np.ascontiguousarray(b)  # in a's layout, so that the (B, A, A) steps below run flat

    kind, frac = offer_kinds(a, b, conflict=opts.conflict)
    if not opts.compel:
        kind = np.where(kind == COMPEL, NONE, kind).astype(np.int8)
    valid = pair & (kind != NONE) & (x[:, :, None] != x[:, None, :])
    # a full move lands exactly on the proposer's position (x_i + 1·(x_j − x_i) need not)
    target = np.where(frac == 1.0, x[:, None, :],
                      x[:, :, None] + frac * (x[:, None, :] - x[:, :, None]))
    move = np.abs(target - x[:, :, None])
    sel = opts.selection
    rank = kind.astype(float)
    if sel == "type":
        pick = _select(valid, rank, move)
    elif sel == "type_credible":
        pick = _select(valid, rank, -b, move)
    elif sel == "scholz_code":
        # Scholz's program (per its open re-implementation): conflicts and compels by least
        # movement, compromises by the lowest EU-weighted point (|a| x_i + |b| x_j)/(|a| + |b|)
        abs_a, abs_b = np.abs(a), np.abs(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            wpt = (abs_a * x[:, :, None] + abs_b * x[:, None, :]) / (abs_a + abs_b)
        pick = _select(valid, rank, np.where(kind == COMPROMISE, wpt, move))
    elif sel == "least":
        pick = _select(valid, move, rank)
    else:
        pick = _select(valid, -b, move)

    def take(m: np.ndarray) -> np.ndarray:
        return np.take_along_axis(m, pick[:, :, None], axis=-1)[..., 0]

    moved = take(valid)
    new_x = np.where(moved, take(target), x)
    offers = EUMRoundOffers(moved=moved, proposer=pick, kind=np.where(moved, take(kind), NONE),
                            eu_receiver=take(a), eu_proposer=take(b), risk=r, median=mu)
    return new_x, offers
