"""One turn of KTAB's Spatial Model of Politics: assess a state, challenge, bargain, choose.

:func:`_assess` scores a state (utilities, risk attitudes, the election of the most probable
position: KTAB's ``SMPState::setAllAUtil`` and ``pDist``); :func:`_step` plays a turn
(``SMPState::doBCN``): every actor's best challenge (``probEduChlg``, third parties voting by
the "little contest"), the bargain it proposes, and each actor's choice among the bargains in its
queue by a probabilistic Condorcet election. The options arrive as a typed
:class:`~.params.SMPOptions`. See ``docs/explanation/smp.md`` for the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import SMPOptions
from .smp_voting import (
    _MIN_CLTN,
    _MIN_SIG_EDU,
    _big_r,
    _bs_util,
    _cond_pce,
    _distinct,
    _est_r,
    _interpolate,
    _vdiff,
    _victory,
    _vote,
)
from .trail import SMPChoice

__all__: list[str] = []  # package-internal: the SMP's public functions are in :mod:`.smp`


@dataclass
class _State:
    """A state of a chunk of draws (or of those still running, see
    :func:`detente.forecast.smp._run_chunk`), and what :func:`_assess` found in it."""

    x: np.ndarray  # (N, A, I)
    d: np.ndarray  # (N, A, A) distance from a's position to b's, a's saliences
    r: np.ndarray  # (N, A) inferred risk attitudes
    u_own: np.ndarray  # (N, A, A) U^a(a, b): a's own risk-aware utility of b's position
    prob: np.ndarray  # (N, A) probability of the distinct position each actor holds
    outcome: np.ndarray  # (N, I) most probable position


def _assess(x: np.ndarray, s: np.ndarray, cap: np.ndarray, o: SMPOptions) -> _State:
    """SMPState::setAllAUtil followed by SMPState::pDist(-1)."""
    d = _vdiff(x, x, s)
    u_rn = _bs_util(d, 0.0)
    pv = _victory(cap, u_rn, o.voting_rule, o.victory_prob_model)
    present = s.sum(axis=-1) > 0
    # over all positions, duplicates included, as KTAB does (absent actors excluded)
    p_rn = _cond_pce(pv) if present.all() else _cond_pce(pv, present)
    r = _big_r(p_rn, o.big_r_range, present)
    r_self = _est_r(r, r, o.big_r_adjust)  # estNRA(a, a): equals R_a up to rounding
    u_own = _bs_util(d, r_self[:, :, None])
    # pDist(-1): own utilities, capability weights, Proportional voting, distinct positions
    unique, rep = _distinct(x)
    # an actor with no salient stance takes no part (DEU records, absent actors): its position
    # is not a candidate (with capability 0 it has no vote either; see _inputs)
    unique = unique & (s.sum(axis=-1) > 0)
    pv_own = _victory(cap, u_own, "Proportional", o.victory_prob_model)
    p = _cond_pce(pv_own, unique)
    best = np.argmax(p, axis=-1)
    outcome = np.take_along_axis(x, best[:, None, None], axis=1)[:, 0, :]
    prob = np.take_along_axis(p, rep, axis=-1)
    return _State(x, d, r, u_own, prob, outcome)


def _challenges(
    st: _State, wsc: np.ndarray, ssum: np.ndarray, o: SMPOptions
) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::probEduChlg(i, i, i, j) for every pair: (P[i beats j], expected gain to i).

    Both (N, A, A), indexed [draw, initiator i, target j], from i's perspective: U^i(a, b) =
    bsUtil(d(a, b), est_R(i, a)). Third party n joins the side it prefers after weighing the
    "little contest" of i, j and itself (Actor::vProbLittle, Actor::thirdPartyVoteSU).
    """
    rule, tpc = o.voting_rule, o.third_party_commit
    a = wsc.shape[1]
    est = _est_r(st.r[:, :, None], st.r[:, None, :], o.big_r_adjust)  # (N, h, a)
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
    o: SMPOptions, trail_turn: int | None,
) -> tuple[np.ndarray, list[SMPChoice]]:
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
    b_init, b_rcvr = _interpolate(x, s, pi, xj, sj, 1 - pi, o.inter_vec_brgn)

    # utility to voter v of the state after each option (0 = status quo, 1 + b = bargain of b)
    u_own = st.u_own
    npres = np.maximum(present.sum(axis=-1), 1)[:, None]  # (N, 1): actors taking part
    total = (u_own * present[:, None, :]).sum(axis=-1)  # (N, v), over actors taking part
    u_init = _bs_util(_vdiff(x, b_init, s), st.r[:, :, None])  # posUtil: v's utility of b_init
    u_rcvr = _bs_util(_vdiff(x, b_rcvr, s), st.r[:, :, None])
    u_at_rcvr = np.take_along_axis(u_own, np.broadcast_to(tgt[:, None, :], u_own.shape), axis=-1)
    u_b = (total[:, :, None] - u_own - u_at_rcvr + u_init + u_rcvr) / npres[:, :, None]
    u_opt = np.concatenate([(total / npres)[:, :, None], u_b], axis=-1)  # (N, v, 1 + A)
    pv = _victory(cap, u_opt, o.voting_rule, o.victory_prob_model)  # (N, M, M)

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

    trail: list[SMPChoice] = []
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
