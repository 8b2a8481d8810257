"""Simultaneous stability (SIM) and SEQ+SIM, vectorised and without reused iterators.

Fraser & Hipel's *simultaneous sanctioning* (Fraser & Hipel 1984), as the graph model states it
(Fang, Hipel & Kilgour 1993) and as GMCR II and GMCR+ compute it: a DM ``i`` weighing a unilateral
improvement ``s → s1`` expects the other DMs to move *at the same time*, from the same state
``s``. Each opponent ``j`` either stays or takes one of its own moves ``s → t_j``; the state that
results has ``i``'s options as in ``s1`` and each opponent's options as in its own move (states
are option vectors and every option has one owner, so the moves combine option by option). A
combination that is infeasible cannot happen and deters nothing.

- **SIM** for ``i`` at ``s``: every ``s1 ∈ R_i⁺(s)`` has some combination of the opponents'
  simultaneous moves whose result ``s3`` is feasible and ``P_i(s3) ≤ P_i(s)``. With
  ``responses="improvements"`` (the default, as in GMCR II and GMCR+) each opponent's move is one
  of its unilateral improvements from ``s``; ``responses="moves"`` admits any unilateral move
  (sanctions at a cost to the sanctioner, as GMR admits them).
- **SEQ+SIM** for ``i`` at ``s``: ``s`` is SEQ-stable or SIM-stable for ``i`` (GMCR II, GMCR+: a
  state is unstable under SEQ+SIM only when it is unstable under both).

Every check enumerates, for every improvement ``s1``, *all* combinations of the opponents' moves
from ``s`` (a product, one factor per opponent, "stay" included): the combinations are rebuilt
as arrays for every improvement, never drawn from one iterator that the first improvement would
use up (GMCR+'s ``sim`` builds ``itertools.product`` once per state and loops over it for each
improvement, so from the second improvement on no sanction is found). The work is
``Σ_s |R_i⁺(s)| · Π_j (1 + |R_j(s)|)`` lookups per DM; :func:`simultaneous_cost` estimates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .graph import MoveGraph, unilateral_improvements, unilateral_moves
from .model import Conflict

__all__ = ["SIM_RESPONSES", "simultaneous_cost", "simultaneous_stable"]

SIM_RESPONSES = ("improvements", "moves")
_CHUNK = 1 << 22  # (improvement, combination) pairs looked up at once
_INF = np.iinfo(np.int64).max


def _combinations(conflict: Conflict, graphs: Sequence[MoveGraph], others: Sequence[int]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every combination of the ``others``' simultaneous moves from every state: ``(src, part)``
    sorted by ``src``, ``part`` the opponents' option bits of the combination (stay included)."""
    n = conflict.n_states
    feas = conflict.feasible
    src = np.arange(n, dtype=np.int64)
    part = np.zeros(n, dtype=np.int64)
    for j in others:
        mask = np.int64(conflict.owner_mask(j))
        g = graphs[j]
        deg = g.out_degree()[src]
        reps = 1 + deg
        total = int(reps.sum())
        new_src = np.repeat(src, reps)
        new_part = np.repeat(part, reps)
        # within each block: position 0 = stay, 1.. = the moves' targets
        start = np.r_[0, np.cumsum(reps)[:-1]]
        pos = np.arange(total, dtype=np.int64) - np.repeat(start, reps)
        choice = np.repeat(feas[src] & mask, reps)
        moved = pos > 0
        if moved.any():
            edge = np.repeat(g.indptr[src], reps)[moved] + pos[moved] - 1
            choice[moved] = feas[g.indices[edge].astype(np.int64)] & mask
        src, part = new_src, new_part | choice
    return src, part


def simultaneous_cost(conflict: Conflict,
                      responses: Literal["improvements", "moves"] = "improvements") -> int:
    """The number of (improvement, combination) lookups :func:`simultaneous_stable` makes."""
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    graphs = imps if responses == "improvements" else moves
    n_dm = len(conflict.decision_makers)
    logs = [np.log1p(g.out_degree().astype(float)) for g in graphs]
    total = 0.0
    for i in range(n_dm):
        combos = np.exp(sum(logs[j] for j in range(n_dm) if j != i))
        total += float((imps[i].out_degree() * combos).sum())
    return round(total)


def simultaneous_stable(conflict: Conflict,
                        responses: Literal["improvements", "moves"] = "improvements"
                        ) -> np.ndarray:
    """(n_dms, n_states) bools: SIM stability of every state for every DM (see the module)."""
    if responses not in SIM_RESPONSES:
        raise ValueError(f"responses must be one of {SIM_RESPONSES}; got {responses!r}")
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    graphs = imps if responses == "improvements" else moves
    pay = conflict.payoffs
    feas = conflict.feasible
    lut = conflict.index_of
    n_dm, n = pay.shape
    out = np.ones((n_dm, n), dtype=bool)
    for i in range(n_dm):
        g = imps[i]
        if not g.n_edges:
            continue
        others = [j for j in range(n_dm) if j != i]
        c_src, c_part = _combinations(conflict, graphs, others)
        c_start = np.searchsorted(c_src, np.arange(n + 1))
        c_count = np.diff(c_start)
        e_src = g.sources().astype(np.int64)
        e_own = feas[g.indices.astype(np.int64)] & np.int64(conflict.owner_mask(i))
        p = pay[i]
        deterred = np.zeros(e_src.size, dtype=bool)
        per_edge = c_count[e_src]
        bounds = np.r_[0, np.cumsum(per_edge)]
        lo = 0
        while lo < e_src.size:  # chunks of edges holding at most _CHUNK lookups
            hi = int(np.searchsorted(bounds, bounds[lo] + _CHUNK, side="right")) - 1
            hi = max(hi, lo + 1)
            cnt = per_edge[lo:hi]
            tot = int(cnt.sum())
            first = np.r_[0, np.cumsum(cnt)[:-1]]
            which = np.repeat(np.arange(hi - lo), cnt)
            k = np.arange(tot, dtype=np.int64) - np.repeat(first, cnt)
            combo = c_part[np.repeat(c_start[e_src[lo:hi]], cnt) + k]
            idx = lut[e_own[lo:hi][which] | combo]
            val = np.where(idx >= 0, p[np.maximum(idx, 0)], _INF)
            least = np.minimum.reduceat(val, first)  # every edge has ≥ 1 combination (stay)
            deterred[lo:hi] = least <= p[e_src[lo:hi]]
            lo = hi
        bad = np.bincount(e_src[~deterred], minlength=n) > 0
        out[i] = ~bad
    return out
