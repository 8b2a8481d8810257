"""KTAB's primitives for the Spatial Model of Politics: utilities, votes, elections, bargains.

Re-implemented in numpy from KTAB (KAPSARC Toolkit for Behavioral Analysis, MIT licence):
``SMPModel::bvDiff`` and ``bsUtil`` (distances and utilities), ``Model::vote``, ``vProb`` and
``coalitions`` (votes, coalition strengths, victory probabilities), ``Model::condPCE`` (the
probabilistic Condorcet election), ``Model::bigRfromProb`` and ``estNRA`` (risk attitudes),
``State::setUENdx`` (distinct positions) and ``SMPActor::interpolateBrgn`` (bargains). Each
function names the C++ routine it follows; :mod:`.smp_turn` and :mod:`.smp` build turns and runs
from them. Every array has a leading draw axis.
"""

from __future__ import annotations

from typing import cast

import numpy as np

__all__: list[str] = []  # package-internal: the SMP's public functions are in :mod:`.smp`

# --- KTAB constants (names as in the C++) -------------------------------------------------------
_MIN_C = 1e-8  # Model::coalitions minC: floor of every coalition strength
_MIN_CLTN = 1e-10  # SMPState::probEduChlg minCltn
_MIN_SIG_EDU = 1e-5  # SMPState::bestChallenge minSigEDU
_MIN_W = 1e-6  # SMPActor::interpBrgnSnPm minW
_POS_TOL = 1e-3  # SMPModel::posTol: positions closer than this (Euclidean, [0,1] units) are equal
_S_TOL = 1e-8  # Model::vote binary-response tolerance

# --- primitives ---------------------------------------------------------------------------------


def _vdiff(xa: np.ndarray, xb: np.ndarray, sa: np.ndarray) -> np.ndarray:
    """d[..., a, b] = sqrt(Σ_k (s_ak (xa_ak − xb_bk))² / Σ_k s_ak²)  (SMPModel::bvDiff).

    xa, sa (N, A, I); xb (N, B, I). An actor with no salience at all sees no differences.
    """
    ds = (xa[:, :, None, :] - xb[:, None, :, :]) * sa[:, :, None, :]
    num = (ds * ds).sum(axis=-1)
    den = (sa * sa).sum(axis=-1)[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(num / den)
    return np.where(den > 0, d, 0.0)


def _bs_util(d: np.ndarray, r: np.ndarray | float) -> np.ndarray:
    """SMPModel::bsUtil: (1 − d)(1 + d·R) for d ≤ 1, else (1 − d)(1 + R)."""
    return np.where(d <= 1.0, (1.0 - d) * (1.0 + d * r), (1.0 - d) * (1.0 + r))


def _vote(rule: str, w: np.ndarray, du: np.ndarray) -> np.ndarray:
    """Model::vote: the vote of weight w for option i over j, given du = u(i) − u(j)."""
    if rule == "Proportional":
        return cast(np.ndarray, w * du)
    if rule == "Binary":
        return w * np.clip(du / _S_TOL, -1.0, 1.0)
    if rule == "PropBin":
        return w * ((1 - 0.2) * du + 0.2 * np.clip(du / _S_TOL, -1.0, 1.0))
    if rule == "PropCbc":
        return cast(np.ndarray, w * ((1 - 0.5) * du + 0.5 * (du * du * du)))
    if rule == "Cubic":
        return cast(np.ndarray, w * (du * du * du))
    # ASymProsp: losses count fully, gains by two thirds
    return np.where(du < 0, w * du, np.where(du > 0, (2.0 * w * du) / 3.0, 0.0))


def _vprob(model: str, c_ij: np.ndarray, c_ji: np.ndarray) -> np.ndarray:
    """Model::vProb: probability that the coalition of strength c_ij beats that of c_ji."""
    if model == "Binary":
        thresh = 1.10
        r12 = c_ij / (c_ij + c_ji)
        p12 = (r12 * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        x1 = np.where(c_ij >= thresh * c_ji, 1.0, np.where(c_ji >= thresh * c_ij, 1e-6, p12))
        x2 = np.where(c_ij >= thresh * c_ji, 1e-6, np.where(c_ji >= thresh * c_ij, 1.0, 1 - p12))
    else:
        power = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
        x1, x2 = c_ij, c_ji
        for _ in range(power.bit_length() - 1):
            x1, x2 = x1 * x1, x2 * x2
    return cast(np.ndarray, x1 / (x1 + x2))


def _victory(w: np.ndarray, u: np.ndarray, rule: str, vpm: str) -> np.ndarray:
    """Pairwise victory probabilities pv[..., i, j] = P(option i beats option j).

    w (N, A) voting weights, u (N, A, M) utility to each voter of each option. Coalition
    strengths as Model::coalitions: c(i, j) = 1e-8 + Σ_k max(v_k(i:j), 0), where KTAB evaluates
    v_k for i > j only and takes c(j, i) from the negative votes (this matters only for the
    asymmetric ASymProsp rule).
    """
    du = u[:, :, :, None] - u[:, :, None, :]  # (N, A, M, M): u_ki - u_kj
    v = _vote(rule, w[:, :, None, None], du)
    pos = np.maximum(v, 0.0).sum(axis=1)
    if rule == "ASymProsp":
        neg = np.maximum(-v, 0.0).sum(axis=1)
        m = u.shape[-1]
        lower = np.arange(m)[:, None] > np.arange(m)[None, :]
        pos = np.where(lower, pos, np.swapaxes(neg, -1, -2))
    c = _MIN_C + pos
    pv = _vprob(vpm, c, np.swapaxes(c, -1, -2))
    m = u.shape[-1]
    diag = np.eye(m, dtype=bool)
    return np.where(diag, 0.5, pv)


def _cond_pce(pv: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Model::condPCE: p_i ∝ Π_j P(i > j) (incl. the diagonal ½), over the options in ``mask``.

    pv (..., M, M); mask (..., M) bool or None. Options outside the mask get probability 0.
    """
    if mask is None:
        prod = pv.prod(axis=-1)
        return cast(np.ndarray, prod / prod.sum(axis=-1, keepdims=True))
    prod = np.where(mask[..., None, :], pv, 1.0).prod(axis=-1)
    prod = np.where(mask, prod, 0.0)
    return cast(np.ndarray, prod / prod.sum(axis=-1, keepdims=True))


def _big_r(p: np.ndarray, rng: str, present: np.ndarray | None = None) -> np.ndarray:
    """Model::bigRfromProb: risk attitudes from the risk-neutral probabilities, per draw.

    Where every position is equally probable the range is empty; we return 0 (risk neutral)
    there, where KTAB would divide by zero. Absent actors (``present`` False) do not enter the
    range.
    """
    if present is None:
        present = np.ones(p.shape, dtype=bool)
    pmin = np.where(present, p, np.inf).min(axis=-1, keepdims=True)
    pmax = np.where(present, p, -np.inf).max(axis=-1, keepdims=True)
    span = pmax - pmin
    safe = np.where(span > 0, span, 1.0)
    if rng == "Min":
        r = (p - pmin) / safe
    elif rng == "Mid":
        r = (3 * p - (pmax + 2 * pmin)) / (2 * safe)
    else:
        r = (2 * p - (pmax + pmin)) / safe
    return np.where(span > 0, r, 0.0)


def _est_r(rh: np.ndarray, ri: np.ndarray, adj: str) -> np.ndarray:
    """Model::estNRA: h's estimate of i's risk attitude."""
    if adj == "Full":
        return ri + 0.0 * rh
    if adj == "TwoThirds":
        return (rh + (2.0 * ri)) / 3.0
    if adj == "Half":
        return cast(np.ndarray, (rh + ri) / 2)
    if adj == "OneThird":
        return cast(np.ndarray, ((2.0 * rh) + ri) / 3.0)
    return rh + 0.0 * ri


def _distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """State::setUENdx with SMPState::equivNdx: distinct positions and each actor's representative.

    Returns ``unique`` (N, A) bool — actor a holds the first occurrence of a distinct position —
    and ``rep`` (N, A) int — for actor a, the last distinct position within tolerance of its own
    (State::posProb scans all distinct positions and keeps the last match).
    """
    n, a, _ = x.shape
    diff = x[:, :, None, :] - x[:, None, :, :]
    eq = np.sqrt((diff * diff).sum(axis=-1)) < _POS_TOL  # (N, A, A)
    unique = np.zeros((n, a), dtype=bool)
    for i in range(a):  # actor i is new unless it matches an earlier distinct position
        unique[:, i] = ~(eq[:, i, :i] & unique[:, :i]).any(axis=-1)
    match = eq & unique[:, None, :]
    rep = a - 1 - np.argmax(match[:, :, ::-1], axis=-1)
    return unique, rep


def _round4(x: np.ndarray) -> np.ndarray:
    """SMPActor::interpBrgnSnPm round4: ((int)(0.5 + x·10⁴)) / 10⁴."""
    return np.trunc(0.5 + x * 10000.0) / 10000.0


def _interpolate(
    ti: np.ndarray, si: np.ndarray, pi: np.ndarray, tj: np.ndarray, sj: np.ndarray,
    pj: np.ndarray, ivb: str,
) -> tuple[np.ndarray, np.ndarray]:
    """SMPActor::interpolateBrgn, dimension by dimension: the positions I and J would adopt."""
    if ivb == "S2PMax":
        di = np.where(pj > pi, pj - pi, 0.0)
        dj = np.where(pi > pj, pi - pj, 0.0)
        si2, sj2 = si * si, sj * sj
        dik = (di * sj2) / ((di * sj2) + _MIN_W + ((1 - di) * si2))
        djk = (dj * si2) / ((dj * si2) + _MIN_W + ((1 - dj) * sj2))
        return ti + dik * (tj - ti), tj + djk * (ti - tj)
    if ivb == "S1P1":
        wi, wj = si * pi, sj * pj
    else:  # S2P2
        wi, wj = (si * si) * (pi * pi), (sj * sj) * (pj * pj)
    den = wi + _MIN_W + wj
    bi = _round4(((wi + _MIN_W) * ti + wj * tj) / den)
    bj = _round4((wi * ti + (_MIN_W + wj) * tj) / den)
    return bi, bj

