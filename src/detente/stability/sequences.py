"""Legal sequences of moves by several DMs: the states they reach, and a shortest sequence to each.

A sequence of unilateral moves by a group of DMs is *legal* (Fang, Hipel & Kilgour 1993) when no
DM moves twice in a row (``"textbook"``); GMCR+ instead lets each DM move at most once
(``"gmcrplus"``). :func:`legal_paths` searches breadth-first over (state, last mover) — or
(state, movers used) — and keeps one shortest sequence to every state it reaches, as ``(dm,
from, to)`` steps; :func:`legal_reach` reaches the same states a layer at a time, without the
sequences. Coalition moves (:mod:`.coalitions`), explanations (:mod:`.explain`) and inverse GMCR
(:mod:`.inverse`) use them for one state at a time; the stability concepts use the minimum over
these sets for every state at once (:func:`~detente.stability.reach.reachable_min`).

>>> from detente.stability.model import Conflict
>>> from detente.stability.graph import unilateral_moves
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> moves = unilateral_moves(pd)   # states NN, YN, NY, YY are 0..3
>>> legal_paths(0, moves, rule="gmcrplus")   # from NN, each DM moving at most once
{1: [(0, 0, 1)], 2: [(1, 0, 2)], 3: [(0, 0, 1), (1, 1, 3)]}
>>> legal_reach(0, moves).tolist()   # no DM twice in a row: back to NN in four moves
[True, True, True, True]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .graph import MoveGraph

__all__ = ["Step", "legal_paths", "legal_reach"]

Step = tuple[int, int, int]  # (mover index, from state, to state)


def legal_paths(start: int, graphs: Sequence[MoveGraph], movers: Sequence[int] | None = None,
                rule: Literal["textbook", "gmcrplus"] = "textbook",
                stop: np.ndarray | None = None) -> dict[int, list[Step]]:
    """Every state reachable from ``start`` by a legal sequence (length ≥ 1) of moves in
    ``graphs`` (one per mover; ``movers`` gives their DM indices), with one shortest such
    sequence as ``(dm, from, to)`` steps. ``"textbook"``: no mover twice in a row;
    ``"gmcrplus"``: each mover at most once.

    ``stop`` (bools over states): search only until every state of ``stop`` at the least
    distance any of them has is found (the others found so far are returned too, with the
    same sequences as a full search)."""
    movers = list(range(len(graphs))) if movers is None else list(movers)
    out: dict[int, list[Step]] = {}
    # node: (state, last mover position) or (state, frozenset of used positions)
    first: Any = -1 if rule == "textbook" else frozenset()
    parent: dict[Any, tuple[Any, Step] | None] = {(start, first): None}
    depth = {(start, first): 0}
    found = None  # distance of the nearest state of ``stop``
    queue = deque([(start, first)])
    while queue:
        node = queue.popleft()
        if found is not None and depth[node] >= found:
            break
        s, tag = node
        for k, g in enumerate(graphs):
            if (rule == "textbook" and k == tag) or (rule != "textbook" and k in tag):
                continue
            new_tag = k if rule == "textbook" else tag | {k}
            for t in g.targets(s).tolist():
                nxt = (t, new_tag)
                if nxt in parent:
                    continue
                parent[nxt] = (node, (movers[k], s, t))
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
                if t not in out:
                    path, cur = [], nxt
                    while parent[cur] is not None:
                        prev, step = parent[cur]  # type: ignore[misc]
                        path.append(step)
                        cur = prev
                    out[t] = path[::-1]
                    if stop is not None and stop[t] and found is None:
                        found = len(path)
    return out


def legal_reach(start: int, graphs: Sequence[MoveGraph],
                rule: Literal["textbook", "gmcrplus"] = "textbook") -> np.ndarray:
    """Bools over states: the states :func:`legal_paths` reaches from ``start`` (the same
    search over (state, last mover) or (state, movers used), a layer at a time, without the
    sequences)."""
    n = graphs[0].n if graphs else 0
    m = len(graphs)
    out = np.zeros(n, dtype=bool)
    if not m:
        return out

    def step(g: MoveGraph, src: np.ndarray) -> np.ndarray:
        lo, hi = g.indptr[src], g.indptr[src + 1]
        cnt = hi - lo
        if not cnt.sum():
            return np.zeros(0, dtype=np.int64)
        off = np.repeat(lo - np.r_[0, np.cumsum(cnt)[:-1]], cnt)
        return g.indices[off + np.arange(int(cnt.sum()))]

    start_arr = np.array([start], dtype=np.int64)
    if rule == "textbook":
        seen = np.zeros((m, n), dtype=bool)
        front = [start_arr] * m   # states last left by mover k (the start: by nobody)
        first = True
        while True:
            new = []
            for k, g in enumerate(graphs):
                parts = [front[j] for j in range(m) if first or j != k]
                src = np.unique(np.concatenate(parts)) if parts else start_arr[:0]
                t = np.unique(step(g, src))
                t = t[~seen[k, t]]
                seen[k, t] = True
                new.append(t)
            first = False
            front = new
            if not any(f.size for f in front):
                return seen.any(axis=0)
    # each mover at most once: (state, set of movers used), sets in order of size
    layer = {0: start_arr}
    seen_sets: dict[int, np.ndarray] = {}
    for _ in range(m):
        nxt: dict[int, np.ndarray] = {}
        for used, states in layer.items():
            for k, g in enumerate(graphs):
                if used >> k & 1:
                    continue
                u = used | 1 << k
                t = step(g, states)
                nxt[u] = np.concatenate([nxt.get(u, t[:0]), t])
        layer = {}
        for u, t in nxt.items():
            t = np.unique(t)
            vis = seen_sets.setdefault(u, np.zeros(n, dtype=bool))
            t = t[~vis[t]]
            vis[t] = True
            out[t] = True
            layer[u] = t
    return out
