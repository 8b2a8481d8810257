"""Stokman & Van Oosten's exchange model, Equal Gain solution: cross-issue vote trading.

Actors trade influence across pairs of issues: each concedes (moves its voting
position) on the issue it cares less about, in return for the partner's
concession on the issue it cares more about. The outcome per issue is the
capability × salience weighted mean of the positions (the model's "Nash
bargaining solution", NBS). Stokman & Van Oosten (1994); the Equal Gain
solution of Dijkstra, van Assen, Stokman & Draaijer (2018) as implemented in the
open-source *decide* model. See ``docs/explanation/exchange-model.md``.

The rules, per round and per draw (positions normalised to [0, 1]):

1. ``O_d = Σ c s x / Σ c s`` on the round's start positions; weight ``w_id = c_i s_id / Σ c s``.
2. Candidates: actors i, j and issues p < q with i, j on opposite sides of ``O`` on both issues
   ("left" is strictly below ``O``) and both salient (s > 0) on both issues. The actor with the
   larger relative salience ``s_p / s_q`` (i when equal) *demands* p and *supplies* q.
3. Equal gain: the supplier of p moves all the way to the demander's position (NBS shift
   ``dp = |Δx| w``), the demander moves on q so that ``dq = dp (s_ip + s_jp) / (s_iq + s_jq)``;
   if that overshoots the partner's position on q, roles swap (full move on q). A move is also
   capped so that it does not push the issue's NBS past the partner's position (the NBS counting
   the mover's own earlier moves and earlier moves towards the same partner on that issue). Both
   gain ``dp s_ip − dq s_iq = dq s_jq − dp s_jp``.
4. Exchanges execute one at a time, highest gain first; exchanges sharing an (actor, issue) with
   an executed one are recomputed from the new positions and dropped when no longer profitable
   (or when the mover has passed its partner). Tie rule: among gains equal to within a relative
   ``tie_tol`` the first in the fixed candidate order wins — issue pairs (p, q) in lexicographic
   order, then actor pairs (i, j) in lexicographic order (actor and issue indices).
5. Next round every actor restarts on each issue from ``x + f (y − x)``, x its start position, y
   its final voting position, ``f = fixed_weight + salience_weight (1 − s)``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from .registry import ForecastResult, register

__all__ = ["exchange_forecast"]

_CHUNK_CELLS = 120_000  # draws × candidates held at once (cache-sized; bounds memory)
_COMPACT = 0.9  # drop finished draws from the per-step arrays once fewer than this share is active
_NARROW = 0.7  # repack the alive candidates to the left once the widest row is this much narrower
_TOL = 1e-12  # smallest distance and move that count


def _snap(room: np.ndarray) -> np.ndarray:
    """Room within rounding (1e-12) of zero is zero."""
    return np.where(np.abs(room) <= 1e-12, 0.0, room)


class _Structure:
    """Candidate exchanges (actor pair × issue pair), their cells per role, trigger bitmasks.

    A cell is an (actor, issue) pair, numbered ``issue * n_actors + actor``. Per role (0: actor
    j demands p, 1: actor i demands p) and candidate (column ``role * n + candidate``),
    ``cells`` holds the cells (a, p), (a, q), (b, p), (b, q) and the actors b, a (a demands p
    and moves on q, b demands q and moves on p), and ``mask`` sets bit ``cell`` for its mover
    cells (a, q), (b, p) and bit ``n_cells + cell`` for its demand cells (a, p), (b, q), in words
    of 64 bits: after an exchange executes, the candidates that share a mover cell or a demand
    cell with it are recomputed.
    """

    def __init__(self, n_actors: int, n_issues: int) -> None:
        pairs = list(combinations(range(n_actors), 2))
        ipairs = list(combinations(range(n_issues), 2))
        cand = [(i, j, p, q) for (p, q) in ipairs for (i, j) in pairs]
        arr = np.array(cand, dtype=np.intp).reshape(-1, 4)
        self.i, self.j, self.p, self.q = arr.T
        self.n = len(cand)
        self.n_cells = n_actors * n_issues
        self.n_words = (2 * self.n_cells + 63) // 64
        # cells of i and j on p and q in the (actor, issue) layout of the inputs
        self.ip, self.iq = self.i * n_issues + self.p, self.i * n_issues + self.q
        self.jp, self.jq = self.j * n_issues + self.p, self.j * n_issues + self.q
        self.cells = np.empty((6, 2 * self.n), dtype=np.intp)   # column: role × n + candidate
        self.mask = np.zeros((2 * self.n, self.n_words), dtype=np.uint64)
        for role, (a, b) in enumerate(((self.j, self.i), (self.i, self.j))):
            ap, aq = self.p * n_actors + a, self.q * n_actors + a
            bp, bq = self.p * n_actors + b, self.q * n_actors + b
            cols = slice(role * self.n, (role + 1) * self.n)
            self.cells[:, cols] = np.stack([ap, aq, bp, bq, b, a])
            _set_bits(self.mask[cols], (aq, bp, self.n_cells + ap, self.n_cells + bq))


def _set_bits(words: np.ndarray, bits: tuple[np.ndarray, ...],
              rows: np.ndarray | None = None) -> None:
    """Set ``bits`` (one per row each) in ``words[rows]`` (all rows when None), (m, n_words)."""
    rows = np.arange(len(words)) if rows is None else rows
    if words.shape[1] == 1:
        one = np.uint64(1)
        word = one << bits[0].astype(np.uint64)
        for bit in bits[1:]:
            word |= one << bit.astype(np.uint64)
        words[rows, 0] |= word
        return
    for bit in bits:
        words[rows, bit // 64] |= np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64))


def _nbs(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Weighted mean per draw and issue; w already normalised (sums to 1 or 0 over actors)."""
    return (w * x).sum(axis=1)


class _State:
    """Voting positions and decide's NBS bookkeeping of a chunk of draws during one round.

    Flat over (draw, issue, actor): start positions ``x0``, weights ``w``, current positions
    ``xs``, each actor's own NBS shift ``own`` = w (xs − x0) and the NBS shift towards each
    actor ``shift`` (the own shifts of the actors that moved on the issue towards it); flat
    over (draw, issue, mover, partner): ``toward``, True where mover moved towards partner.
    """

    def __init__(self, x0: np.ndarray, w: np.ndarray) -> None:
        self.shape = x0.shape
        _, self.n_act, self.n_iss = x0.shape
        self.x0 = x0.transpose(0, 2, 1).reshape(-1)
        self.w = w.transpose(0, 2, 1).reshape(-1)
        self.xs = self.x0.copy()
        self.own = self.w * (self.xs - self.x0)
        self.shift = np.zeros_like(self.xs)
        self.toward = np.zeros(self.xs.size * self.n_act, dtype=bool)

    def positions(self) -> np.ndarray:
        """Current positions, (n, actors, issues)."""
        n, n_act, n_iss = self.shape
        return self.xs.reshape(n, n_iss, n_act).transpose(0, 2, 1)

    def execute(self, ix: np.ndarray, move_a: np.ndarray, move_b: np.ndarray,
                v: np.ndarray) -> None:
        """Apply the exchanges (global cells and toward indices ``ix``) where ``v``."""
        bp, aq, _, _, tb, ta = ix
        n_act = self.n_act
        self.xs[bp] += np.where(v, move_b, 0.0)
        self.xs[aq] += np.where(v, move_a, 0.0)
        self.toward[tb] |= v
        self.toward[ta] |= v
        f = np.concatenate([bp, aq])
        self.own[f] = self.w[f] * (self.xs[f] - self.x0[f])
        # the shift towards each actor on the two issues: the sum over movers in actor order
        blk = f // n_act                                            # (draw, issue) blocks
        terms = self.toward.reshape(-1, n_act, n_act)[blk] * self.own.reshape(-1, n_act)[
            blk][:, :, None]                                        # (m, mover, partner)
        acc = 0.0 + terms[:, 0]
        for k in range(1, n_act):
            acc += terms[:, k]
        self.shift.reshape(-1, n_act)[blk] = acc


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


def _round(st: _Structure, sal: np.ndarray, w: np.ndarray, x0: np.ndarray, *, nbs_cap: bool,
           tie_tol: float, min_gain: float, move_budget: float | None, want_trail: bool
           ) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """One round for a chunk of draws: returns the final voting positions and draw 0's trail.

    Each step executes the best exchange of every draw that has one left, all draws at once.
    The candidates still possible ("alive") of each draw sit in candidate order in a row of
    (row, position) arrays: gain (-inf past the alive ones), trigger bitmask (0 past them) and
    slot in the tables over the round's eligible candidates (round-constant terms, indices and
    decide's bookkeeping of the planned moves: sum and last of a's moves on q and of b's on p,
    see move_budget). Rows and positions are repacked as draws finish and candidates die.
    Every operation is per draw, so a draw's result does not depend on the other draws.
    """
    n, n_act, _ = x0.shape
    s = _State(x0, w)
    trail: list[dict[str, Any]] = []
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
            trail.append({"actor": a, "partner": b, "issue_gives": q, "issue_gets": p,
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
            slot: np.ndarray) -> tuple[np.ndarray, ...]:
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


@register(
    "exchange",
    title="Exchange model (Stokman & Van Oosten, Equal Gain)",
    summary=(
        "Actors trade concessions across pairs of issues (each gives on the issue it cares less "
        "about, with equal expected gains), round after round; the outcome is the capability × "
        "salience weighted mean of the resulting positions — the model of a 'big deal'."
    ),
    references=(
        ("Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an "
         "object-oriented model of policy networks. In Bueno de Mesquita & Stokman (eds), "
         "European Community Decision Making, ch. 5. Yale UP."),
        ("Dijkstra, J., van Assen, M. A. L. M., Stokman, F. N. & Draaijer, J. (2018). The Equal "
         "Gain solution of the exchange model; open-source implementation: "
         "github.com/foarsitter/decide-exchange-model."),
        ("Stokman, F. N. & Thomson, R. (2004). Winners and losers in the European Union. "
         "European Union Politics 5(1)."),
    ),
    dynamic=True,
)
def exchange_forecast(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
    rounds: int = 10, fixed_weight: float = 0.1, salience_weight: float = 0.4,
    nbs_cap: bool = True, move_budget: float | None = 1.0, tie_tol: float = 1e-9,
    min_gain: float = 1e-12,
) -> ForecastResult:
    """Run the Equal Gain exchange model for every draw.

    capability (N, A) (or (N, A, I) per issue), position and salience (N, A, I), positions
    in [0, 1]. Returns the outcome (N, I) after ``rounds`` rounds, the path (N, rounds + 1, I)
    of the NBS at the start of each round (0 = initial weighted mean, then after each round's
    restart), and draw 0's executed exchanges as the trail (gains in normalised units: a
    0–100 scale multiplies them by 100).

    >>> import numpy as np
    >>> c = np.ones((1, 2)); x = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    >>> s = np.array([[[0.9, 0.3], [0.3, 0.9]]])
    >>> r = exchange_forecast(c, x, s, rounds=1)
    >>> r.path[0, 0].round(3).tolist(), r.trail[0]["gain"] > 0
    ([0.25, 0.25], True)
    """
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
    x = np.asarray(position, dtype=float)
    sal = np.asarray(salience, dtype=float)
    cap = np.asarray(capability, dtype=float)
    if cap.ndim == 2:
        cap = cap[:, :, None]
    n, n_act, n_iss = x.shape
    raw = np.broadcast_to(cap * sal, x.shape)
    tot = raw.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(tot > 0, raw / tot, 0.0)
    st = _Structure(n_act, n_iss)
    path = np.empty((n, rounds + 1, n_iss))
    path[:, 0] = _nbs(w, x)
    moved = np.empty((n, rounds + 1, n_act, n_iss), dtype=np.float32)  # positions per round
    moved[:, 0] = x
    trail: list[dict[str, Any]] = []
    step = max(1, _CHUNK_CELLS // max(st.n, 1))
    for lo in range(0, n, step):
        sl = slice(lo, min(n, lo + step))
        xc, sc, wc = x[sl].copy(), sal[sl], w[sl]
        for r in range(1, rounds + 1):
            y, tr = _round(st, sc, wc, xc, nbs_cap=nbs_cap, tie_tol=tie_tol,
                           min_gain=min_gain, move_budget=move_budget,
                           want_trail=lo == 0)
            trail.extend({"round": r, **t} for t in tr)
            xc = xc + (fixed_weight + salience_weight * (1.0 - sc)) * (y - xc)
            path[sl, r] = _nbs(wc, xc)
            moved[sl, r] = xc
    path = np.where(tot > 0, path, np.nan)
    params = {"rounds": rounds, "fixed_weight": fixed_weight, "salience_weight": salience_weight,
              "nbs_cap": nbs_cap, "move_budget": move_budget, "tie_tol": tie_tol, "min_gain": min_gain}
    return ForecastResult("exchange", params, path[:, -1].copy(), path, tuple(trail),
                          positions=moved)
