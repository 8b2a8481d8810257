"""Reachable sets of several DMs' moves when their options are reversible, in linear time.

With every option of a set of DMs reversible ('both'), each DM can move in one step between any
two states it perceives that differ only in its own options, and back: its moves are cliques on
those groups, the union of the DMs' moves is symmetric, and a legal sequence of their moves (no
DM twice in a row) reaches from ``t`` exactly the other states of ``t``'s connected component
(two moves of one DM in a row are one move, or a return). Components come from a few passes of
"least label in each DM's group", each linear in the number of states — no edge list at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .graph import MoveGraph
from .model import Conflict

SANCTION_RULES = ("textbook", "gmcrplus")
_INF = np.iinfo(np.int64).max
_NEG = np.iinfo(np.int64).min


def _reachable_min_once_each(values: np.ndarray, movers: Sequence[MoveGraph]) -> np.ndarray:
    m = len(movers)
    full = (1 << m) - 1
    f: dict[int, np.ndarray] = {full: np.full(values.shape, _INF, dtype=np.int64)}
    for used in sorted(range(full), key=lambda u: -u.bit_count()):
        acc = np.full(values.shape, _INF, dtype=np.int64)
        for k in range(m):
            if not used >> k & 1:
                acc = np.minimum(acc, movers[k].min_over(np.minimum(values, f[used | 1 << k]),
                                                         _INF))
        f[used] = acc
    return f[0]


def _check_sanction_rule(rule: str) -> None:
    if rule not in SANCTION_RULES:
        raise ValueError(f"sanction_rule must be one of {SANCTION_RULES}; got {rule!r}")


def reachable_min(values: np.ndarray, movers: Sequence[MoveGraph],
                  rule: Literal["textbook", "gmcrplus"] = "textbook") -> np.ndarray:
    """For every state ``s``, the minimum of ``values`` (int64, shape (n,) or (n, c)) over the
    states reachable from ``s`` by a legal sequence (length ≥ 1) of moves in ``movers``, one
    graph per mover; ``int64 max`` where nothing is reachable.

    ``"textbook"``: no mover twice in a row. ``"gmcrplus"``: each mover at most once.

    >>> g = MoveGraph(np.array([0, 1, 2, 2]), np.array([1, 2]))   # 0 → 1 → 2
    >>> h = MoveGraph(np.array([0, 0, 0, 1]), np.array([0]))      # 2 → 0
    >>> reachable_min(np.array([5, 3, 4]), [g]).tolist()          # one mover: single moves
    [3, 4, 9223372036854775807]
    >>> reachable_min(np.array([5, 3, 4]), [g, h]).tolist()       # 1 →g 2 →h 0 →g 1
    [3, 3, 3]
    """
    values = np.asarray(values, dtype=np.int64)
    _check_sanction_rule(rule)
    m = len(movers)
    if m == 0:
        return np.full(values.shape, _INF, dtype=np.int64)
    if m == 1:
        return movers[0].min_over(values, _INF)
    if rule == "gmcrplus":
        return _reachable_min_once_each(values, movers)
    # f[k](t): min over states reachable from t when k moved last (so k may not move next).
    f = [np.full(values.shape, _INF, dtype=np.int64) for _ in range(m)]
    while True:
        h = [g.min_over(np.minimum(values, f[k]), _INF) for k, g in enumerate(movers)]
        # min over all movers but j, from prefix and suffix minima
        pre = [np.full(values.shape, _INF, dtype=np.int64)]
        for k in range(m - 1):
            pre.append(np.minimum(pre[-1], h[k]))
        suf = np.full(values.shape, _INF, dtype=np.int64)
        new = [None] * m
        for j in range(m - 1, -1, -1):
            new[j] = np.minimum(pre[j], suf)
            suf = np.minimum(suf, h[j])
        if all(np.array_equal(a, b) for a, b in zip(new, f)):
            return suf  # = min over all movers of h
        f = new

__all__: list[str] = []


def _reversible(conflict: Conflict, dms: Sequence[int]) -> bool:
    """Every option of these DMs can be taken and dropped freely."""
    owners = {conflict.decision_makers[i] for i in dms}
    return all(o.reversibility == "both" for o in conflict.options if o.owner in owners)


def _classes(conflict: Conflict, j: int) -> tuple[np.ndarray, np.ndarray]:
    """DM ``j``'s move classes: the states it perceives, sorted by the options of the other
    DMs, and where each group starts. With all of ``j``'s options reversible, ``j`` can move
    between any two states of a group in one move."""
    def build() -> tuple[np.ndarray, np.ndarray]:
        idx = np.flatnonzero(conflict.perceived[j]) if conflict.misperceptions \
            else np.arange(conflict.n_states)
        key = conflict.feasible[idx] & ~np.int64(conflict.owner_mask(j))
        order = np.argsort(key, kind="stable")
        idx, key = idx[order], key[order]
        heads = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else key
        return idx, heads
    return conflict._cached(f"classes:{j}", build)


def _components(conflict: Conflict, dms: Sequence[int]) -> np.ndarray:
    """Connected components (labels 0..k-1) of the union of these DMs' moves when all their
    options are reversible (the moves are then symmetric and each DM's groups are cliques)."""
    n = conflict.n_states
    lab = np.arange(n, dtype=np.int64)
    groups = [_classes(conflict, j) for j in dms]
    while True:
        before = lab.copy()
        for idx, heads in groups:
            if not idx.size:
                continue
            low = np.minimum.reduceat(lab[idx], heads)
            lab[idx] = np.repeat(low, np.diff(np.r_[heads, idx.size]))
            lab = lab[lab]  # labels are state indices in the same component: jump
        if np.array_equal(lab, before):
            break
    _, out = np.unique(lab, return_inverse=True)
    return out.ravel()


def _sanction_min(conflict: Conflict, values: np.ndarray, movers: Sequence[int],
                  moves: Sequence[MoveGraph]) -> np.ndarray:
    """For every state ``t``, the least of ``values`` (n, c) over the states the ``movers``
    reach from ``t`` by a legal sequence, ``t`` itself left out (int64 max if none).

    Leaving ``t`` out never changes a stability verdict: ``t`` is always an improvement of the
    sanctioned DMs, so its own value never deters. With reversible options the reachable
    states are ``t``'s component less ``t`` (its least and second least values suffice);
    otherwise :func:`~detente.stability.concepts.reachable_min` (exact)."""
    n, c = values.shape
    if not movers:
        return np.full((n, c), _INF, dtype=np.int64)
    if not _reversible(conflict, movers):
        return reachable_min(values, [moves[j] for j in movers])
    lab = _components(conflict, movers)
    order = np.argsort(lab, kind="stable")
    sl = lab[order]
    heads = np.flatnonzero(np.r_[True, sl[1:] != sl[:-1]]) if n else sl
    size = np.diff(np.r_[heads, n])
    out = np.empty((n, c), dtype=np.int64)
    for col in range(c):
        v = values[order, col]
        # per component: least value and where, then the least of the rest
        o2 = np.lexsort((v, sl))
        first = o2[heads]
        second = o2[np.minimum(heads + 1, n - 1)]
        least, least_at = v[first], order[first]
        runner = np.where(size > 1, v[second], _INF)
        m = np.where(size > 1, least, _INF)[lab]
        own = least_at[lab] == np.arange(n)
        m[own] = runner[lab[own]]
        out[:, col] = m
    return out


