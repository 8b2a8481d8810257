"""KTAB's Spatial Model of Politics (SMP), deterministic mode, any number of dimensions.

A re-implementation in numpy of the Spatial Model of Politics in KAPSARC's Toolkit for Behavioral
Analysis (KTAB, MIT licence; ``examples/smp/libsrc/smp.cpp`` and ``smpbcn.cpp``, with the voting,
victory-probability and Condorcet-election primitives of ``kmodel/libsrc/kmodel.cpp``). It
follows KTAB's algorithm step by step; see ``docs/explanation/smp.md`` for the formulas.

Each turn, from the current positions:

1. **Utilities.** Actor a values actor b's position by u = (1 − d)(1 + d·R_a), where d is the
   salience-weighted normalised Euclidean distance from a's position (weights: a's saliences).
2. **Risk attitudes.** A risk-neutral probabilistic Condorcet election over all positions
   (votes weighted by capability) gives p_i; R_i is p_i rescaled to [−½, +1] (``big_r_range``).
   Actor h's estimate of i's risk attitude blends both (``big_r_adjust``: (2R_h + R_i)/3).
3. **Challenges.** Every actor i evaluates a challenge against every j from its own perspective,
   with third parties voting by a "little contest" (``third_party_commit``); it targets the j
   with the largest positive expected gain.
4. **Bargains.** The challenger proposes a bargain interpolated dimension by dimension with
   weights salience² × probability² (``inter_vec_brgn`` S2P2), rounded to 4 decimals.
5. **Transition.** Each actor's queue (status quo, the bargain it proposed, bargains proposed to
   it) is put to a probabilistic Condorcet election in which everyone votes by the average
   utility of the resulting state; the actor adopts the most probable bargain.

The run stops after at least ``min_turns`` turns once the total movement of a turn
(Σ_actors ‖Δx‖) is below ``stop_ratio`` × the first turn's (+10⁻⁴), or after ``max_turns``.
The forecast is the most probable position of the final state's probabilistic Condorcet election
(KTAB's ``pDist``: every actor votes with its own risk-aware utilities, weight = capability, over
the distinct positions).

Everything is vectorised over the leading draw axis; the only Python loop in a turn is over
actors when identifying distinct positions (O(A) numpy operations). Draws are processed in
chunks so that the (A × A × A) per-draw tensors stay within a fixed memory budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .registry import ForecastResult, register

__all__ = ["SMPRun", "mean_path", "smp_forecast", "smp_run"]

# --- KTAB constants (names as in the C++) -------------------------------------------------------
_MIN_C = 1e-8  # Model::coalitions minC: floor of every coalition strength
_MIN_CLTN = 1e-10  # SMPState::probEduChlg minCltn
_MIN_SIG_EDU = 1e-5  # SMPState::bestChallenge minSigEDU
_MIN_W = 1e-6  # SMPActor::interpBrgnSnPm minW
_POS_TOL = 1e-3  # SMPModel::posTol: positions closer than this (Euclidean, [0,1] units) are equal
_MIN_SIG_DELTA = 1e-4  # smpStopFn minSigDelta
_S_TOL = 1e-8  # Model::vote binary-response tolerance

_VOTING_RULES = ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")
_VP_MODELS = ("Linear", "Square", "Quartic", "Octic", "Binary")
_BIG_R_RANGES = ("Min", "Mid", "Max")
_BIG_R_ADJUSTS = ("Full", "TwoThirds", "Half", "OneThird", "None")
_TP_COMMITS = ("FullCommit", "SemiCommit", "NoCommit")
_IV_BARGAINS = ("S1P1", "S2P2", "S2PMax")

# Per-draw element budget for the (A, A, A) tensors of one chunk of draws.
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True, eq=False)
class SMPRun:
    """The full history of an SMP run.

    ``positions`` (N, T, A, I): every actor's position in every state (state 0 = the input);
    ``probability`` (N, T, A): the probability, in the final Condorcet election of each state,
    of the (distinct) position each actor holds (KTAB's "prob" lines; equal positions share one);
    ``risk`` (N, T, A): inferred risk attitudes R per state; ``outcome`` (N, T, I): the most
    probable position per state; ``n_turns`` (N,): turns actually run per draw (a draw that
    stopped early repeats its final state to fill T = 1 + max(n_turns)).
    """

    positions: np.ndarray
    probability: np.ndarray
    risk: np.ndarray
    outcome: np.ndarray
    n_turns: np.ndarray
    params: dict[str, Any]
    trail: tuple[dict[str, Any], ...] = field(default=())


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
        return w * du
    if rule == "Binary":
        return w * np.clip(du / _S_TOL, -1.0, 1.0)
    if rule == "PropBin":
        return w * ((1 - 0.2) * du + 0.2 * np.clip(du / _S_TOL, -1.0, 1.0))
    if rule == "PropCbc":
        return w * ((1 - 0.5) * du + 0.5 * (du * du * du))
    if rule == "Cubic":
        return w * (du * du * du)
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
    return x1 / (x1 + x2)


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
        return prod / prod.sum(axis=-1, keepdims=True)
    prod = np.where(mask[..., None, :], pv, 1.0).prod(axis=-1)
    prod = np.where(mask, prod, 0.0)
    return prod / prod.sum(axis=-1, keepdims=True)


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
        return (rh + ri) / 2
    if adj == "OneThird":
        return ((2.0 * rh) + ri) / 3.0
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


# --- one state: utilities, risk attitudes, election ---------------------------------------------


@dataclass
class _State:
    x: np.ndarray  # (N, A, I)
    d: np.ndarray  # (N, A, A) distance from a's position to b's, a's saliences
    r: np.ndarray  # (N, A) inferred risk attitudes
    u_own: np.ndarray  # (N, A, A) U^a(a, b): a's own risk-aware utility of b's position
    prob: np.ndarray  # (N, A) probability of the distinct position each actor holds
    outcome: np.ndarray  # (N, I) most probable position


def _assess(x: np.ndarray, s: np.ndarray, cap: np.ndarray, o: dict[str, str]) -> _State:
    """SMPState::setAllAUtil followed by SMPState::pDist(-1)."""
    d = _vdiff(x, x, s)
    u_rn = _bs_util(d, 0.0)
    pv = _victory(cap, u_rn, o["voting_rule"], o["victory_prob_model"])
    present = s.sum(axis=-1) > 0
    # over all positions, duplicates included, as KTAB does (absent actors excluded)
    p_rn = _cond_pce(pv) if present.all() else _cond_pce(pv, present)
    r = _big_r(p_rn, o["big_r_range"], present)
    r_self = _est_r(r, r, o["big_r_adjust"])  # estNRA(a, a): equals R_a up to rounding
    u_own = _bs_util(d, r_self[:, :, None])
    # pDist(-1): own utilities, capability weights, Proportional voting, distinct positions
    unique, rep = _distinct(x)
    # an actor with no salient stance takes no part (DEU records, absent actors): its position
    # is not a candidate (with capability 0 it has no vote either; see _inputs)
    unique = unique & (s.sum(axis=-1) > 0)
    pv_own = _victory(cap, u_own, "Proportional", o["victory_prob_model"])
    p = _cond_pce(pv_own, unique)
    best = np.argmax(p, axis=-1)
    outcome = np.take_along_axis(x, best[:, None, None], axis=1)[:, 0, :]
    prob = np.take_along_axis(p, rep, axis=-1)
    return _State(x, d, r, u_own, prob, outcome)


def _challenges(
    st: _State, wsc: np.ndarray, ssum: np.ndarray, o: dict[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::probEduChlg(i, i, i, j) for every pair: (P[i beats j], expected gain to i).

    Both (N, A, A), indexed [draw, initiator i, target j], from i's perspective: U^i(a, b) =
    bsUtil(d(a, b), est_R(i, a)). Third party n joins the side it prefers after weighing the
    "little contest" of i, j and itself (Actor::vProbLittle, Actor::thirdPartyVoteSU).
    """
    rule, tpc = o["voting_rule"], o["third_party_commit"]
    a = wsc.shape[1]
    est = _est_r(st.r[:, :, None], st.r[:, None, :], o["big_r_adjust"])  # (N, h, a)
    uh = _bs_util(st.d[:, None, :, :], est[:, :, :, None])  # (N, h, a, b) = U^h(a, b)
    u_ij = np.einsum("xiij->xij", uh)  # U^i(i, j)
    u_ji = np.einsum("xiji->xij", uh)  # U^i(j, i)
    # principals (U^i(i,i) = U^i(j,j) = 1 exactly: zero distance)
    ci = _vote(rule, wsc[:, :, None], 1.0 - u_ij)
    cj = _vote(rule, wsc[:, None, :], u_ji - 1.0)
    c_ij0 = (_MIN_CLTN + np.maximum(ci, 0.0)) + np.maximum(cj, 0.0)
    c_ji0 = (_MIN_CLTN + np.maximum(-ci, 0.0)) + np.maximum(-cj, 0.0)
    # third parties n: u_ni = U^i(n, i), u_nj = U^i(n, j), u_nn = 1
    u_ni = np.einsum("xini->xin", uh)[:, :, None, :]  # (N, i, 1, n)
    u_nj = np.swapaxes(uh, -1, -2)  # (N, i, j, n)
    wn = wsc[:, None, None, :]
    vn = _vote(rule, wn, u_ni - u_nj)
    cni = c_ij0[..., None] + np.maximum(vn, 0.0)
    cnj = c_ji0[..., None] + np.maximum(-vn, 0.0)
    pin = cni / (cni + cnj)
    pjn = 1.0 - pin
    if tpc == "FullCommit":
        u_ik_def_j, u_j_def_ik = (u_ni + u_ni) + u_ni, (u_nj + u_nj) + u_nj
        u_i_def_jk, u_jk_def_i = (u_ni + u_ni) + u_ni, (u_nj + u_nj) + u_nj
    elif tpc == "SemiCommit":
        u_ik_def_j, u_j_def_ik = (u_ni + u_ni) + 1.0, (u_nj + u_nj) + u_nj
        u_i_def_jk, u_jk_def_i = (u_ni + u_ni) + u_ni, (u_nj + u_nj) + 1.0
    else:  # NoCommit
        u_ik_def_j, u_j_def_ik = (u_ni + u_ni) + 1.0, (u_nj + u_nj) + 1.0
        u_i_def_jk, u_jk_def_i = (u_ni + u_ni) + 1.0, (u_nj + u_nj) + 1.0
    u_ik_j = (pin * u_ik_def_j) + (pjn * u_j_def_ik)
    u_i_jk = (pin * u_i_def_jk) + (pjn * u_jk_def_i)
    vk = _vote(rule, wn, u_ik_j - u_i_jk)
    idx = np.arange(a)
    third = (idx[:, None, None] != idx[None, None, :]) & (idx[None, :, None] != idx[None, None, :])
    c_ij = c_ij0 + np.where(third, np.maximum(vk, 0.0), 0.0).sum(axis=-1)
    c_ji = c_ji0 + np.where(third, np.maximum(-vk, 0.0), 0.0).sum(axis=-1)
    p_ij = c_ij / (c_ij + c_ji)
    p_ji = c_ji / (c_ij + c_ji)
    sj = ssum[:, None, :]
    eu_sq = 1.0 + u_ij  # U^i(i,i) + U^i(i,j)
    eu_cntst = p_ij * 2.0 + p_ji * (u_ij + u_ij)
    eu_chlg = (1 - sj) * 2.0 + sj * eu_cntst
    return p_ij, eu_chlg - eu_sq


def _step(
    st: _State, s: np.ndarray, cap: np.ndarray, wsc: np.ndarray, ssum: np.ndarray,
    o: dict[str, str], trail_turn: int | None,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """SMPState::doBCN: challenges, bargains, and each actor's choice among its bargains."""
    x = st.x
    n, a, _ = x.shape
    p_ij, edu = _challenges(st, wsc, ssum, o)
    eye = np.eye(a, dtype=bool)
    present = ssum > 0  # absent actors (no salient stance) neither challenge nor are challenged
    edu_m = np.where(eye | ~present[:, :, None] | ~present[:, None, :], -np.inf, edu)
    tgt = np.argmax(edu_m, axis=-1)  # first j with the largest gain (KTAB scans j upwards)
    best = np.take_along_axis(edu_m, tgt[..., None], axis=-1)[..., 0]
    valid = best > _MIN_SIG_EDU
    p_win = np.take_along_axis(p_ij, tgt[..., None], axis=-1)[..., 0]  # (N, A)
    xj = np.take_along_axis(x, tgt[..., None], axis=1)
    sj = np.take_along_axis(s, tgt[..., None], axis=1)
    pi = p_win[..., None]
    b_init, b_rcvr = _interpolate(x, s, pi, xj, sj, 1 - pi, o["inter_vec_brgn"])

    # utility to voter v of the state after each option (0 = status quo, 1 + b = bargain of b)
    u_own = st.u_own
    npres = np.maximum(present.sum(axis=-1), 1)[:, None]  # (N, 1): actors taking part
    total = (u_own * present[:, None, :]).sum(axis=-1)  # (N, v), over actors taking part
    u_init = _bs_util(_vdiff(x, b_init, s), st.r[:, :, None])  # posUtil: v's utility of b_init
    u_rcvr = _bs_util(_vdiff(x, b_rcvr, s), st.r[:, :, None])
    u_at_rcvr = np.take_along_axis(u_own, np.broadcast_to(tgt[:, None, :], u_own.shape), axis=-1)
    u_b = (total[:, :, None] - u_own - u_at_rcvr + u_init + u_rcvr) / npres[:, :, None]
    u_opt = np.concatenate([(total / npres)[:, :, None], u_b], axis=-1)  # (N, v, 1 + A)
    pv = _victory(cap, u_opt, o["voting_rule"], o["victory_prob_model"])  # (N, M, M)

    # queue of actor k: status quo, its own bargain, bargains proposed to it
    idx = np.arange(a)
    in_q = valid[:, None, :] & ((idx[:, None] == idx[None, :])[None] | (tgt[:, None, :] == idx[None, :, None]))
    mask = np.concatenate([np.ones((n, a, 1), dtype=bool), in_q], axis=-1)  # (N, k, M)
    p_q = _cond_pce(pv[:, None, :, :], mask)  # (N, k, M)
    choice = np.argmax(np.where(mask, p_q, -1.0), axis=-1)  # (N, k)

    b = np.maximum(choice - 1, 0)
    own = (choice - 1) == idx[None, :]
    new_init = np.take_along_axis(b_init, b[..., None], axis=1)
    new_rcvr = np.take_along_axis(b_rcvr, b[..., None], axis=1)
    x_new = np.where((choice == 0)[..., None], x, np.where(own[..., None], new_init, new_rcvr))

    trail: list[dict[str, Any]] = []
    if trail_turn is not None:  # explanation records for the first draw of this batch
        for k in range(a):
            c = int(choice[0, k])
            trail.append({
                "turn": trail_turn,
                "actor": k,
                "target": int(tgt[0, k]) if valid[0, k] else None,
                "expected_gain": float(best[0, k]) if valid[0, k] else None,
                "prob_win": float(p_win[0, k]) if valid[0, k] else None,
                "adopted": "status quo" if c == 0 else f"bargain {c - 1}->{int(tgt[0, c - 1])}",
                "position": x_new[0, k].tolist(),
            })
    return x_new, trail


# --- driver -------------------------------------------------------------------------------------


def _options(**kw: Any) -> dict[str, str]:
    allowed = {
        "voting_rule": _VOTING_RULES, "victory_prob_model": _VP_MODELS,
        "big_r_range": _BIG_R_RANGES, "big_r_adjust": _BIG_R_ADJUSTS,
        "third_party_commit": _TP_COMMITS, "inter_vec_brgn": _IV_BARGAINS,
        "pce_model": ("Conditional",), "bargn_model": ("InitOnlyInterp",),
        "state_transitions": ("Deterministic",), "salience_overflow": ("rescale", "error"),
    }
    out = {}
    for k, v in kw.items():
        if k == "voting_rule" and v == "Prop":
            v = "Proportional"
        if v not in allowed[k]:
            raise ValueError(f"{k} must be one of {', '.join(allowed[k])}; got {v!r}")
        out[k] = v
    return out


def _inputs(
    capability: Any, position: Any, salience: Any, overflow: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cap = np.asarray(capability, dtype=float)
    x = np.asarray(position, dtype=float)
    s = np.asarray(salience, dtype=float)
    if x.ndim != 3 or s.shape != x.shape or cap.shape != x.shape[:2]:
        raise ValueError(
            "expected capability (N, A), position and salience (N, A, I); got "
            f"{cap.shape}, {x.shape}, {s.shape}"
        )
    if x.shape[1] < 2 or x.shape[2] < 1:
        raise ValueError("the SMP needs at least 2 actors and 1 issue")
    for name, arr in (("capability", cap), ("position", x), ("salience", s)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    if np.any(cap < 0):
        raise ValueError("capability must be non-negative")
    if np.any((x < 0) | (x > 1)):
        raise ValueError("positions must be normalised to [0, 1]")
    if np.any((s < 0) | (s > 1)):
        raise ValueError("salience must be within [0, 1]")
    tot = s.sum(axis=-1, keepdims=True)
    if np.any(tot > 1 + 1e-12):
        if overflow == "error":
            raise ValueError("an actor's saliences sum to more than 1 (KTAB requires ≤ 1)")
        s = np.where(tot > 1, s / np.where(tot > 1, tot, 1.0), s)
    # actors without any salient stance are absent: no capability, so no votes or coalitions
    cap = np.where(tot[..., 0] > 0, cap, 0.0)
    return cap, x, s


def _run_chunk(
    cap: np.ndarray, x0: np.ndarray, s: np.ndarray, o: dict[str, str], max_turns: int,
    min_turns: int, stop_ratio: float, want_trail: bool,
) -> tuple[list[_State], np.ndarray, list[dict[str, Any]]]:
    """Run a chunk of draws; returns the per-state records (finished draws frozen), turns run."""
    n = x0.shape[0]
    ssum = s.sum(axis=-1)
    wsc = ssum * cap  # probEduChlg weights: overall salience × capability
    states = [_assess(x0, s, cap, o)]
    turns = np.zeros(n, dtype=int)
    active = np.ones(n, dtype=bool)
    d01 = np.zeros(n)
    trail: list[dict[str, Any]] = []
    it = 0
    while active.any() and it < max_turns:
        it += 1
        prev = states[-1]
        ids = np.flatnonzero(active)
        sub = _State(prev.x[ids], prev.d[ids], prev.r[ids], prev.u_own[ids], prev.prob[ids],
                     prev.outcome[ids])
        draw0 = want_trail and ids.size > 0 and ids[0] == 0
        x_new, tr = _step(sub, s[ids], cap[ids], wsc[ids], ssum[ids], o, it if draw0 else None)
        trail.extend(tr)
        st_new = _assess(x_new, s[ids], cap[ids], o)
        nxt = _State(prev.x.copy(), prev.d.copy(), prev.r.copy(), prev.u_own.copy(),
                     prev.prob.copy(), prev.outcome.copy())
        for f in ("x", "d", "r", "u_own", "prob", "outcome"):
            getattr(nxt, f)[ids] = getattr(st_new, f)
        states.append(nxt)
        turns[ids] = it
        moved = np.sqrt(((x_new - prev.x[ids]) ** 2).sum(axis=-1))
        dist = np.where(s[ids].sum(axis=-1) > 0, moved, 0.0).sum(axis=-1)
        if it == 1:
            d01[ids] = dist + _MIN_SIG_DELTA
        quiet = dist / d01[ids] < stop_ratio
        done = (it >= max_turns) | ((it >= min_turns) & quiet)
        active[ids[done]] = False
    return states, turns, trail


def smp_run(
    capability: Any, position: Any, salience: Any, *, max_turns: int = 100, min_turns: int = 2,
    stop_ratio: float = 0.02, voting_rule: str = "Proportional",
    victory_prob_model: str = "Linear", pce_model: str = "Conditional",
    state_transitions: str = "Deterministic", big_r_range: str = "Mid",
    big_r_adjust: str = "OneThird", third_party_commit: str = "SemiCommit",
    inter_vec_brgn: str = "S2P2", bargn_model: str = "InitOnlyInterp",
    salience_overflow: str = "rescale",
) -> SMPRun:
    """Run KTAB's Spatial Model of Politics; return every state (see :class:`SMPRun`).

    Inputs: capability (N, A) ≥ 0, position (N, A, I) in [0, 1], salience (N, A, I) in [0, 1]
    with each actor's saliences summing to ≤ 1 as in KTAB (``salience_overflow="rescale"``
    divides an actor's saliences by their sum when it exceeds 1; ``"error"`` refuses).
    The KTAB parameters keep KTAB's names and defaults (``smp.h``, ``SMPModel``); only the
    options named in the signature's defaults for ``pce_model``, ``state_transitions`` and
    ``bargn_model`` are implemented.

    >>> import numpy as np
    >>> cap = np.array([[1.0, 1.0, 2.0]])
    >>> x = np.array([[[0.1], [0.5], [0.9]]]); s = np.full((1, 3, 1), 0.8)
    >>> run = smp_run(cap, x, s)
    >>> run.positions.shape[0], run.positions.shape[2:]
    (1, (3, 1))
    """
    if max_turns < 1 or min_turns < 1:
        raise ValueError("max_turns and min_turns must be at least 1")
    o = _options(
        voting_rule=voting_rule, victory_prob_model=victory_prob_model, pce_model=pce_model,
        state_transitions=state_transitions, big_r_range=big_r_range, big_r_adjust=big_r_adjust,
        third_party_commit=third_party_commit, inter_vec_brgn=inter_vec_brgn,
        bargn_model=bargn_model, salience_overflow=salience_overflow,
    )
    cap, x0, s = _inputs(capability, position, salience, o["salience_overflow"])
    params: dict[str, Any] = {
        "max_turns": int(max_turns), "min_turns": int(min_turns), "stop_ratio": float(stop_ratio),
        **o,
    }
    n, a, i_ = x0.shape
    chunk = max(1, _CHUNK_ELEMENTS // (a * a * (a + 1)))
    parts = []
    trail: list[dict[str, Any]] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        states, turns, tr = _run_chunk(
            cap[lo:hi], x0[lo:hi], s[lo:hi], o, int(max_turns), int(min_turns),
            float(stop_ratio), lo == 0,
        )
        if lo == 0:
            trail = tr
        parts.append((states, turns))
    t_max = max(len(st) for st, _ in parts)
    pos = np.empty((n, t_max, a, i_))
    prob = np.empty((n, t_max, a))
    risk = np.empty((n, t_max, a))
    out = np.empty((n, t_max, i_))
    n_turns = np.empty(n, dtype=int)
    lo = 0
    for states, turns in parts:
        hi = lo + turns.shape[0]
        for t in range(t_max):
            st = states[min(t, len(states) - 1)]
            pos[lo:hi, t], prob[lo:hi, t], risk[lo:hi, t] = st.x, st.prob, st.r
            out[lo:hi, t] = st.outcome
        n_turns[lo:hi] = turns
        lo = hi
    return SMPRun(pos, prob, risk, out, n_turns, params, tuple(trail))


def mean_path(capability: Any, salience: Any, positions: np.ndarray) -> np.ndarray:
    """Σ c s x / Σ c s per draw, state and issue (N, T, I): the compromise of the positions
    (N, T, A, I) of every state, weighted by the input capability × salience."""
    w = np.asarray(capability, dtype=float)[:, None, :, None] * np.asarray(
        salience, dtype=float)[:, None, :, :]
    tot = w.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * positions).sum(axis=2) / tot, np.nan)


@register(
    "smp",
    title="Spatial Model of Politics (KTAB)",
    summary=(
        "KAPSARC's Spatial Model of Politics: actors challenge each other and bargain turn by "
        "turn; the forecast is the most probable position in the final state's probabilistic "
        "Condorcet election."
    ),
    references=(
        (
            "Efird, B., Lester, L. & Wise, B. (2016). [SMP applied to China's state-owned "
            "enterprise reform.] Journal of East Asian Studies 16(1):117–145."
        ),
        (
            "Wise, B., Lester, L. & Efird, B. KAPSARC Toolkit for Behavioral Analysis (KTAB): "
            "documentation and SMP tutorial (examples/smp/SMPTutorial.pdf). KAPSARC, Riyadh."
        ),
        (
            "KAPSARC (2015–2017). KTAB: KAPSARC Toolkit for Behavioral Analysis, examples/smp "
            "(MIT licence). https://github.com/KAPSARC/KTAB"
        ),
    ),
    dynamic=True,
)
def smp_forecast(
    capability: Any, position: Any, salience: Any, *, readout: str = "pce", **options: Any,
) -> ForecastResult:
    """KTAB's SMP forecast: the most probable position after the final turn, per draw.

    ``outcome`` (N, I) is the position that wins KTAB's probabilistic Condorcet election in the
    final state (every actor votes with its own risk-aware utilities, weight = capability, over
    the distinct positions); ``path`` (N, T, I) the same for every state, state 0 being the
    input; ``trail`` one record per turn and actor for draw 0 (target challenged, expected gain,
    bargain adopted, new position). ``options`` are :func:`smp_run`'s keywords (KTAB's
    parameters; its signature holds the defaults). Use :func:`smp_run` for the actors'
    positions per turn. ``readout="mean"`` (not KTAB's) forecasts instead the capability ×
    salience weighted mean of the positions in each state (the compromise of the bargained
    positions, the outcome rule of the exchange model); the default ``"pce"`` is KTAB's.

    >>> import numpy as np
    >>> cap = np.array([[1.0, 1.0, 2.0]])
    >>> x = np.array([[[0.1], [0.5], [0.9]]]); s = np.full((1, 3, 1), 0.8)
    >>> smp_forecast(cap, x, s).outcome.shape
    (1, 1)
    """
    if readout not in ("pce", "mean"):
        raise ValueError(f"readout must be 'pce' or 'mean'; got {readout!r}")
    run = smp_run(capability, position, salience, **options)
    series = run.outcome if readout == "pce" else mean_path(capability, salience, run.positions)
    params = {**run.params, "readout": readout}
    return ForecastResult("smp", params, series[:, -1, :].copy(), series, run.trail,
                          positions=run.positions.astype(np.float32))
