"""One round of the exchange model for a chunk of draws: exchanges executed best gain first.

Every candidate exchange's round-constant terms (``_static``) and its moves and equal gain under
the NBS cap (``_evaluate``; rules 2–4 of :mod:`.exchange`); then ``_round`` executes, all draws at
once, each draw's best remaining exchange, recomputes the candidates it affects and drops those
no longer profitable or over *decide*'s move budget, until no draw has one left. The parameters
arrive as a typed :class:`~.params.ExchangeParams`.
"""

from __future__ import annotations

import numpy as np

from .exchange_state import _nbs, _State, _Structure
from .params import ExchangeParams
from .trail import ExchangeStep

__all__: list[str] = []  # package-internal: the model's public function is in :mod:`.exchange`

_COMPACT = 0.8  # drop finished draws from the per-step arrays once fewer than this share is active
_NARROW = 0.6  # repack the alive candidates to the left once the widest row is this much narrower
_TOL = 1e-12  # smallest distance and move that count


def _snap(room: np.ndarray) -> np.ndarray:
    """Room within rounding (1e-12) of zero is zero."""
    return np.where(np.abs(room) <= 1e-12, 0.0, room)


def _static(st: _Structure, s: _State, sal: np.ndarray, rows: np.ndarray,
            col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Round-constant terms of the candidates in columns ``col`` of draws ``rows``.

    Returns the values, (9, m): partners' positions on p and q, directions of b's and a's
    moves, weights of b on p and a on q, k, the gain's numerator and denominator; and the
    global indices, (6, m): cells b p, a q, a p, b q, toward indices b→a on p and a→b on q.
    """
    off = rows * st.n_cells
    ap, aq, bp, bq = (off + np.take(st.cells[c], col) for c in range(4))
    s_ap, s_aq, s_bp, s_bq = sal[ap], sal[aq], sal[bp], sal[bq]
    tgt_p, tgt_q = s.x0[ap], s.x0[bq]                    # partners' (start) positions
    with np.errstate(divide="ignore", invalid="ignore"):
        k = (s_ap + s_bp) / (s_aq + s_bq)                # dq = k dp
    values = [tgt_p, tgt_q, np.sign(tgt_p - s.x0[bp]), np.sign(tgt_q - s.x0[aq]), s.w[bp],
              s.w[aq], k, s_ap * s_bq - s_aq * s_bp, s_aq + s_bq]
    n_act = s.n_act
    return np.stack(values), np.stack([bp, aq, ap, bq, bp * n_act + np.take(st.cells[5], col),
                                       aq * n_act + np.take(st.cells[4], col)])


def _evaluate(sv: np.ndarray, ix: np.ndarray, sl: np.ndarray | None, s: _State,
              nbs_cap: bool, min_gain: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate the eligible candidates ``sl`` (all when None) of the tables ``sv``, ``ix``.

    Returns the moves, (2, m): b's on p and a's on q; the gain, validity and the candidates'
    indices. The terms of the two moves are computed together, as rows 0 and 1 of (2, m)
    arrays (the tables keep them in adjacent rows).
    """
    if sl is not None:
        sv, ix = np.take(sv, sl, axis=1), np.take(ix, sl, axis=1)
    tgt, dirs, k = sv[0:2], sv[2:4], sv[6]              # rows: p (b moves), q (a moves)
    mover = ix[0:2]                                     # b p, a q
    dist = tgt - s.xs[mover]                            # b moves on p towards a, a on q towards b
    dist *= dirs
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.maximum(dist, 0.0)
        room *= sv[4:6]
        room[1] /= k
        lim = np.minimum(room[0], room[1])
        if nbs_cap:
            # the NBS shift may not carry the NBS past the partner's position (decide's
            # check_nbs); the NBS counts the round's start positions, the mover's own current
            # position and earlier moves on this issue towards the same partner
            # (an NBS already at the partner, to rounding, has no room left: a move there is
            # capped to zero, not freed, so the answer does not hang on the last bit)
            before = s.nbs_at[ix[2:4]] + np.where(s.toward[ix[4:6]], 0.0, s.own[mover])
            np.subtract(tgt, before, out=room)
            room *= dirs
            room = _snap(room)
            room = np.where(room >= 0, room, np.inf)
            room[1] /= k
            np.minimum(lim, room[0], out=lim)
            np.minimum(lim, room[1], out=lim)
        move = np.empty_like(dist)                      # b's move on p, a's on q
        move[0] = lim
        np.multiply(k, lim, out=move[1])
        move /= sv[4:6]
        move *= dirs
        gain = lim * sv[7]
        gain /= sv[8]
    valid = (dist > _TOL).all(axis=0)
    valid &= (np.abs(move) > _TOL).all(axis=0)
    valid &= gain > min_gain
    return move, gain, valid, ix


def _round(st: _Structure, sal: np.ndarray, w: np.ndarray, x0: np.ndarray,
           params: ExchangeParams, *, want_trail: bool
           ) -> tuple[np.ndarray, list[ExchangeStep]]:
    """One round for a chunk of draws: returns the final voting positions and draw 0's trail.

    Each step executes the best exchange of every draw that has one left, all draws at once.
    The candidates still possible ("alive") of each draw sit in candidate order in a row of
    (row, position) arrays: gain (-inf past the alive ones), trigger bitmask (0 past them) and
    slot in the tables over the round's eligible candidates (round-constant terms, indices and
    decide's bookkeeping of the planned moves: sums, then lasts, of b's moves on p and a's on q,
    see move_budget). Rows and positions are repacked as draws finish and candidates die.
    Every operation is per draw, so a draw's result does not depend on the other draws.
    """
    nbs_cap, tie_tol, min_gain = params.nbs_cap, params.tie_tol, params.min_gain
    move_budget = params.move_budget
    n, n_act, _ = x0.shape
    nbs0 = _nbs(w, x0)
    s = _State(x0, w, nbs0)
    trail: list[ExchangeStep] = []
    if st.n == 0:
        return s.positions(), trail
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
    sv, ix = _static(st, s, sal.transpose(0, 2, 1).reshape(-1), er, col)
    move, g, valid, _ = _evaluate(sv, ix, None, s, nbs_cap, min_gain)
    keep = np.flatnonzero(valid)                            # the slots of the alive candidates
    if len(keep) == 0:
        return s.positions(), trail
    book = np.concatenate([move, move])                     # sums and lasts: b on p, a on q
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
        move, g, v, ex_ix = _evaluate(sv, ix, sl, s, nbs_cap, min_gain)
        # the candidates affected by the executed exchange share a mover cell or a demand cell
        # with it: exactly the bits of its own trigger mask
        bits = np.zeros((len(live), st.n_words), dtype=np.uint64)
        bits[r] = mask[r, pick]
        gain[r, pick] = -np.inf
        mask[r, pick] = 0
        alive[r] -= 1
        s.execute(ex_ix, move, v)
        if want_trail and rows[0] == 0 and v[0]:
            (c_bp, c_aq), (b, a) = ex_ix[0:2, 0], ex_ix[0:2, 0] % n_act
            trail.append({"round": 0, "actor": int(a), "partner": int(b),
                          "issue_gives": int(c_aq // n_act), "issue_gets": int(c_bp // n_act),
                          "moves_to": float(s.xs[c_aq]), "partner_moves_to": float(s.xs[c_bp]),
                          "gain": float(g[0])})
        # recompute the candidates affected by the executed exchange: those where a mover is an
        # executed mover on the same issue (its position changed), or where an actor demands the
        # issue an executed actor demanded (the NBS it may not be pushed past has moved)
        if st.n_words == 1:
            hit = (mask[:, :, 0] & bits) != 0
        else:
            hit = ((mask & bits[:, None, :]) != 0).any(axis=2)
        at = np.flatnonzero(hit)
        if len(at) == 0:
            continue
        e_mov = np.empty((2, len(live)), dtype=np.intp)
        e_mov[:, r] = ex_ix[0:2]
        e_bp, e_aq = np.take(e_mov, at // width, axis=1)    # the hit's executed movers
        sl = slot.reshape(-1)[at]
        move, g, valid, t_ix = _evaluate(sv, ix, sl, s, nbs_cap, min_gain)
        # the candidate's mover is an executed mover on the same issue (a on q; b on p)
        t_bp, t_aq = t_ix[0], t_ix[1]
        sa = (t_aq == e_aq) | (t_aq == e_bp)
        sb = (t_bp == e_aq) | (t_bp == e_bp)
        old = np.take(book, sl, axis=1)
        new = np.empty_like(old)
        np.subtract(old[0:2], old[2:4], out=new[0:2])
        np.copyto(new[0:2], old[0:2], where=np.stack([sb & ~sa, sa]))
        new[0:2] += move
        new[2:4] = move
        ok = valid
        if move_budget is not None:
            ok &= (new[0:2] <= move_budget).all(axis=0)
        gain.reshape(-1)[at] = np.where(ok, g, -np.inf)
        dead = at[~ok]
        mask.reshape(-1, st.n_words)[dead] = 0
        alive -= np.bincount(dead // width, minlength=len(live))
        book[:, sl] = new
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
