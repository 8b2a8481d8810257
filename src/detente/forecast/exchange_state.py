"""The exchange model's bookkeeping: the candidate exchanges and the voting positions in a round.

:class:`_Structure` lists the candidate exchanges (actor pair × issue pair) with the cells each
touches and the bitmasks that say which candidates an executed exchange affects; :class:`_State`
holds a chunk of draws' voting positions and *decide*'s record of the shifts of each issue's
outcome (the NBS) during a round. :mod:`.exchange_round` plays a round on them.
"""

from __future__ import annotations

from itertools import combinations
from typing import cast

import numpy as np

__all__: list[str] = []  # package-internal: the model's public function is in :mod:`.exchange`


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
    return cast(np.ndarray, (w * x).sum(axis=1))


class _State:
    """Voting positions and decide's NBS bookkeeping of a chunk of draws during one round.

    Flat over (draw, issue, actor): start positions ``x0``, weights ``w``, current positions
    ``xs``, each actor's own NBS shift ``own`` = w (xs − x0) and ``nbs_at``, the issue's start
    NBS ``nbs`` (flat over (draw, issue)) plus the NBS shift towards the actor (the sum of the
    own shifts of the actors that moved on the issue towards it, in actor order); flat
    over (draw, issue, mover, partner): ``toward``, True where mover moved towards partner
    (``toward_t``: the same over (draw, issue, partner, mover)).
    """

    def __init__(self, x0: np.ndarray, w: np.ndarray, nbs: np.ndarray) -> None:
        self.shape = x0.shape
        _, self.n_act, self.n_iss = x0.shape
        self.x0 = x0.transpose(0, 2, 1).reshape(-1)
        self.w = w.transpose(0, 2, 1).reshape(-1)
        self.xs = self.x0.copy()
        self.own = self.w * (self.xs - self.x0)
        self.nbs = nbs.reshape(-1)
        self.nbs_at = np.repeat(self.nbs, self.n_act) + 0.0     # no shift yet
        self.toward = np.zeros(self.xs.size * self.n_act, dtype=bool)
        self.toward_t = np.zeros_like(self.toward)     # transposed: (draw, issue, partner, mover)

    def positions(self) -> np.ndarray:
        """Current positions, (n, actors, issues)."""
        n, n_act, n_iss = self.shape
        return self.xs.reshape(n, n_iss, n_act).transpose(0, 2, 1)

    def execute(self, ix: np.ndarray, move: np.ndarray, v: np.ndarray) -> None:
        """Apply the exchanges (global cells and toward indices ``ix``; moves (2, m): b's on p,
        a's on q) where ``v``. The two movers of an exchange are on different issues."""
        n_act = self.n_act
        f, t = ix[0:2], ix[4:6]                         # mover cells; (block, mover, partner)
        self.xs[f] += np.where(v, move, 0.0)
        self.toward[t] |= v
        mover, partner = (t // n_act) % n_act, t % n_act
        self.toward_t[t + (n_act - 1) * (partner - mover)] |= v    # (block, partner, mover)
        f = f.reshape(-1)
        self.own[f] = self.w[f] * (self.xs[f] - self.x0[f])
        # the shift towards each actor on the two issues, the sum over movers in actor order:
        # only the shifts towards the movers' partners change (a mover's own shift changed and
        # it may have a new partner), so only they are summed again
        mover, partner = np.divmod(np.flatnonzero(np.take(self.toward.reshape(-1, n_act), f,
                                                          axis=0)), n_act)
        blk = np.take(f // n_act, mover)                # (draw, issue) blocks
        at = blk * n_act + partner
        terms = (np.take(self.toward_t.reshape(-1, n_act), at, axis=0)
                 * np.take(self.own.reshape(-1, n_act), blk, axis=0))   # (m, mover)
        acc = 0.0 + terms[:, 0]
        for k in range(1, n_act):
            acc += terms[:, k]
        self.nbs_at[at] = np.take(self.nbs, blk) + acc
