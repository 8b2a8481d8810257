"""One round of the exchange model for a chunk of draws: exchanges executed best gain first.

Every candidate exchange's round-constant terms (``_static``) and its moves and equal gain under
the NBS cap (``_evaluate``; rules 2–4 of :mod:`.exchange`); then ``_round`` executes, all draws at
once, each draw's best remaining exchange, recomputes the candidates it affects and drops those
no longer profitable or over *decide*'s move budget, until no draw has one left. The parameters
arrive as a typed :class:`~.params.ExchangeParams`.
"""

from __future__ import annotations

import numpy as np

from .exchange_state import _nbs, _set_bits, _State, _Structure
from .params import ExchangeParams
from .trail import ExchangeStep

__all__: list[str] = []  # package-internal: the model's public function is in :mod:`.exchange`

_COMPACT = 0.9  # drop finished draws from the per-step arrays once fewer than this share is active
_NARROW = 0.7  # repack the alive candidates to the left once the widest row is this much narrower
_TOL = 1e-12  # smallest distance and move that count


def _snap(room: np.ndarray) -> np.ndarray:
    """Room within rounding (1e-12) of zero is zero."""
    return np.where(np.abs(room) <= 1e-12, 0.0, room)


def _static(st: _Structure, s: _State, sal: np.ndarray, nbs0: np.ndarray, rows: np.ndarray,
            cand: np.ndarray, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round-constant terms of candidates ``cand`` of draws ``rows`` (columns ``col``).

    Returns the values, (11, m): partners' positions on p and q, directions of b's and a's
    moves, weights of b on p and a on q, k, the gain's numerator and denominator, the start NBS
    on p and q; and the global indices, (6, m): cells b p, a q, a p, b q, toward indices b→a on
    p and a→b on q.
    """
    off = rows * st.n_cells
    ap, aq, bp, bq = (off + np.take(st.cells[c], col) for c in range(4))
    s_ap, s_aq, s_bp, s_bq = sal[ap], sal[aq], sal[bp], sal[bq]
    tgt_p, tgt_q = s.x0[ap], s.x0[bq]                    # partners' (start) positions
    with np.errstate(divide="ignore", invalid="ignore"):
        k = (s_ap + s_bp) / (s_aq + s_bq)                # dq = k dp
    values = [tgt_p, tgt_q, np.sign(tgt_p - s.x0[bp]), np.sign(tgt_q - s.x0[aq]), s.w[bp],
              s.w[aq], k, s_ap * s_bq - s_aq * s_bp, s_aq + s_bq,
              np.take(nbs0, rows * s.n_iss + np.take(st.p, cand)),
              np.take(nbs0, rows * s.n_iss + np.take(st.q, cand))]
    n_act = s.n_act
    return np.stack(values), np.stack([bp, aq, ap, bq, bp * n_act + np.take(st.cells[5], col),
                                       aq * n_act + np.take(st.cells[4], col)])


def _evaluate(sv: np.ndarray, ix: np.ndarray, sl: np.ndarray | None, s: _State,
              nbs_cap: bool, min_gain: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate the eligible candidates ``sl`` (all when None) of the tables ``sv``, ``ix``.

    Returns the moves of a (on q) and b (on p), the gain, validity and the candidates' indices.
    """
    if sl is not None:
        sv, ix = np.take(sv, sl, axis=1), np.take(ix, sl, axis=1)
    tgt_p, tgt_q, dir_p, dir_q, w_bp, w_aq, k, num, den, nbs_p, nbs_q = sv
    bp, aq, ap, bq, tb, ta = ix
    dist_p = (tgt_p - s.xs[bp]) * dir_p                  # b moves on p towards a
    dist_q = (tgt_q - s.xs[aq]) * dir_q                  # a moves on q towards b
    with np.errstate(divide="ignore", invalid="ignore"):
        lim = np.minimum(np.maximum(dist_p, 0.0) * w_bp, np.maximum(dist_q, 0.0) * w_aq / k)
        if nbs_cap:
            # the NBS shift may not carry the NBS past the partner's position (decide's
            # check_nbs); the NBS counts the round's start positions, the mover's own current
            # position and earlier moves on this issue towards the same partner
            # (an NBS already at the partner, to rounding, has no room left: a move there is
            # capped to zero, not freed, so the answer does not hang on the last bit)
            before = nbs_p + s.shift[ap] + np.where(s.toward[tb], 0.0, s.own[bp])
            room = _snap((tgt_p - before) * dir_p)
            lim = np.minimum(lim, np.where(room >= 0, room, np.inf))
            before = nbs_q + s.shift[bq] + np.where(s.toward[ta], 0.0, s.own[aq])
            room = _snap((tgt_q - before) * dir_q)
            lim = np.minimum(lim, np.where(room >= 0, room, np.inf) / k)
        move_b = lim / w_bp * dir_p
        move_a = k * lim / w_aq * dir_q
        gain = lim * num / den
    valid = ((dist_p > _TOL) & (dist_q > _TOL) & (np.abs(move_a) > _TOL)
             & (np.abs(move_b) > _TOL) & (gain > min_gain))
    return move_a, move_b, gain, valid, ix


def _round(st: _Structure, sal: np.ndarray, w: np.ndarray, x0: np.ndarray,
           params: ExchangeParams, *, want_trail: bool
           ) -> tuple[np.ndarray, list[ExchangeStep]]:
    """One round for a chunk of draws: returns the final voting positions and draw 0's trail.

    Each step executes the best exchange of every draw that has one left, all draws at once.
    The candidates still possible ("alive") of each draw sit in candidate order in a row of
    (row, position) arrays: gain (-inf past the alive ones), trigger bitmask (0 past them) and
    slot in the tables over the round's eligible candidates (round-constant terms, indices and
    decide's bookkeeping of the planned moves: sum and last of a's moves on q and of b's on p,
    see move_budget). Rows and positions are repacked as draws finish and candidates die.
    Every operation is per draw, so a draw's result does not depend on the other draws.
    """
    nbs_cap, tie_tol, min_gain = params.nbs_cap, params.tie_tol, params.min_gain
    move_budget = params.move_budget
    n, n_act, _ = x0.shape
    s = _State(x0, w)
    trail: list[ExchangeStep] = []
    if st.n == 0:
        return s.positions(), trail
    nbs0 = _nbs(w, x0)
    left = x0 < nbs0[:, None, :]
    # candidates: both actors salient on both issues and on opposite sides of the NBS on both
    sal2, left2 = sal.reshape(n, -1), left.reshape(n, -1)
    s_ip, s_iq, s_jp, s_jq = (np.take(sal2, c, axis=1) for c in (st.ip, st.iq, st.jp, st.jq))
    elig = (s_ip > 0) & (s_iq > 0) & (s_jp > 0) & (s_jq > 0)
    elig &= np.take(left2, st.ip, axis=1) != np.take(left2, st.jp, axis=1)
    elig &= np.take(left2, st.iq, axis=1) != np.take(left2, st.jq, axis=1)
    flat = np.flatnonzero(elig)
    er = flat // st.n
    ec = flat - er * st.n
    # roles fixed for the round: 1 where the candidate's actor i demands p
    col = ec + st.n * np.take(s_ip * s_jq >= s_jp * s_iq, flat)
    del s_ip, s_iq, s_jp, s_jq, left, elig, flat
    sv, ix = _static(st, s, sal.transpose(0, 2, 1).reshape(-1), nbs0, er, ec, col)
    move_a, move_b, g, valid, _ = _evaluate(sv, ix, None, s, nbs_cap, min_gain)
    keep = np.flatnonzero(valid)                            # the slots of the alive candidates
    if len(keep) == 0:
        return s.positions(), trail
    book = np.stack([move_a, move_a, move_b, move_b])
    er = er[keep]
    alive = np.bincount(er, minlength=n)                    # alive candidates per row
    width = int(alive.max())
    at = er * width + np.arange(len(keep)) - (np.cumsum(alive) - alive)[er]
    gain = np.full(n * width, -np.inf)
    gain[at] = g[keep]
    mask = np.zeros((n * width, st.n_words), dtype=np.uint64)
    mask[at] = st.mask[col[keep]]
    slot = np.zeros(n * width, dtype=np.intp)
    slot[at] = keep
    del er, ec, col, at, g, valid, keep
    gain, mask, slot = gain.reshape(n, width), mask.reshape(n, width, -1), slot.reshape(n, width)
    live = np.arange(n)                                     # draw of each row
    while True:
        n_on = np.count_nonzero(alive)
        if n_on == 0:
            break
        if n_on < _COMPACT * len(live) or alive.max() < _NARROW * width:
            live, alive, gain, mask, slot, width = _repack(live, alive, gain, mask, slot)
        best = gain.max(axis=1)
        r = np.flatnonzero(alive)
        # tie rule: first candidate (fixed order) within a relative tie_tol of the best gain
        pick = np.argmax(gain >= (best * (1.0 - tie_tol))[:, None], axis=1)[r]
        rows = live[r]
        sl = slot[r, pick]
        move_a, move_b, g, v, ex_ix = _evaluate(sv, ix, sl, s, nbs_cap, min_gain)
        gain[r, pick] = -np.inf
        mask[r, pick] = 0
        alive[r] -= 1
        s.execute(ex_ix, move_a, move_b, v)
        e_bp, e_aq = ex_ix[0], ex_ix[1]
        off = rows * st.n_cells
        c_bp, c_aq, c_ap, c_bq = (f - off for f in ex_ix[:4])
        if want_trail and rows[0] == 0 and v[0]:
            a, b = int(c_aq[0] % n_act), int(c_bp[0] % n_act)
            p, q = int(c_bp[0] // n_act), int(c_aq[0] // n_act)
            trail.append({"round": 0, "actor": a, "partner": b, "issue_gives": q, "issue_gets": p,
                          "moves_to": float(s.xs[e_aq[0]]),
                          "partner_moves_to": float(s.xs[e_bp[0]]), "gain": float(g[0])})
        # recompute the candidates affected by the executed exchange: those where a mover is an
        # executed mover on the same issue (its position changed), or where an actor demands the
        # issue an executed actor demanded (the NBS it may not be pushed past has moved)
        bits = np.zeros((len(live), st.n_words), dtype=np.uint64)
        _set_bits(bits, (c_aq, c_bp, st.n_cells + c_ap, st.n_cells + c_bq), r)
        if st.n_words == 1:
            hit = (mask[:, :, 0] & bits) != 0
        else:
            hit = ((mask & bits[:, None, :]) != 0).any(axis=2)
        at = np.flatnonzero(hit)
        if len(at) == 0:
            continue
        hr = at // width
        he = np.empty(len(live), dtype=np.intp)
        he[r] = np.arange(len(r))
        he = he[hr]                                         # the hit's executed exchange
        sl = slot.reshape(-1)[at]
        move_a, move_b, g, valid, t_ix = _evaluate(sv, ix, sl, s, nbs_cap, min_gain)
        # the candidate's mover is an executed mover on the same issue (a on q; b on p)
        t_bp, t_aq, e_aq, e_bp = t_ix[0], t_ix[1], e_aq[he], e_bp[he]
        sa = (t_aq == e_aq) | (t_aq == e_bp)
        sb = (t_bp == e_aq) | (t_bp == e_bp)
        sum_a, last_a, sum_b, last_b = np.take(book, sl, axis=1)
        new_sa = np.where(sa, sum_a, sum_a - last_a) + move_a
        new_sb = np.where(sb & ~sa, sum_b, sum_b - last_b) + move_b
        ok = valid
        if move_budget is not None:
            ok = ok & (new_sa <= move_budget) & (new_sb <= move_budget)
        gain.reshape(-1)[at] = np.where(ok, g, -np.inf)
        dead = at[~ok]
        mask.reshape(-1, st.n_words)[dead] = 0
        alive -= np.bincount(dead // width, minlength=len(live))
        book[:, sl] = (new_sa, move_a, new_sb, move_b)
    return s.positions(), trail


def _repack(live: np.ndarray, alive: np.ndarray, gain: np.ndarray, mask: np.ndarray,
            slot: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Drop the rows without alive candidates and move the alive ones to the left, in order."""
    on = alive > 0
    live, alive, gain, mask, slot = live[on], alive[on], gain[on], mask[on], slot[on]
    n_words, width = mask.shape[2], int(alive.max())
    at = np.flatnonzero(mask[:, :, 0] != 0 if n_words == 1 else (mask != 0).any(axis=2))
    hr = at // gain.shape[1]
    to = hr * width + np.arange(len(at)) - (np.cumsum(alive) - alive)[hr]
    g2 = np.full(len(live) * width, -np.inf)
    g2[to] = gain.reshape(-1)[at]
    m2 = np.zeros((len(live) * width, n_words), dtype=np.uint64)
    m2[to] = mask.reshape(-1, n_words)[at]
    s2 = np.zeros(len(live) * width, dtype=np.intp)
    s2[to] = slot.reshape(-1)[at]
    return (live, alive, g2.reshape(-1, width), m2.reshape(len(live), width, n_words),
            s2.reshape(-1, width), width)
