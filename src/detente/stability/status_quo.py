"""Status-quo analysis: which equilibria the conflict can reach from its status quo.

From the status-quo state, the conflict evolves by unilateral improvements — any DM, one move at
a time, each move strictly better for its mover. detente explores that reachability graph
breadth-first (every state once, so one shortest path per state) and reports the equilibria of a
chosen concept among the reachable states, the status quo itself included (path length 0).
By default the search passes through equilibria (an equilibrium may still have improvements that
are only deterred by sanctions, e.g. under GMR); ``stop_at_equilibria=True`` assumes the conflict
settles at the first equilibrium it reaches.

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> r = status_quo_solve(pd, "YY", concept="nash")
>>> r.equilibria, r.paths["NN"]
(('NN',), [('A', 'YY', 'NY'), ('B', 'NY', 'NN')])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .concepts import ALL_CONCEPTS, StabilityResult, stability_solve
from .graph import unilateral_improvements
from .model import Conflict, parse_state

__all__ = ["StatusQuoResult", "status_quo_solve"]


@dataclass(frozen=True, eq=False)
class StatusQuoResult:
    """Reachable states and equilibria from a status quo.

    ``paths[state]``: one shortest path of ``(dm, from_state, to_state)`` improvements from the
    status quo, for every reachable equilibrium; ``edges``: the explored improvement graph as
    ``(dm, from, to)`` triples (built when first read); ``truncated``: the search stopped at
    ``max_states``.
    """

    status_quo: str
    concept: str
    sanction_rule: str
    reachable: tuple[str, ...]
    equilibria: tuple[str, ...]
    paths: dict[str, list[tuple[str, str, str]]] = field(repr=False)
    edge_index: tuple[np.ndarray, np.ndarray, np.ndarray] = field(repr=False)
    truncated: bool
    fingerprint: str
    method: str = "gmcr_status_quo"
    names: tuple[tuple[str, ...], tuple[str, ...]] = field(default=((), ()), repr=False)

    @property
    def edges(self) -> tuple[tuple[str, str, str], ...]:
        dms, states = self.names
        i, a, b = self.edge_index
        return tuple((dms[x], states[y], states[z])
                     for x, y, z in zip(i.tolist(), a.tolist(), b.tolist()))

    @property
    def n_edges(self) -> int:
        return int(self.edge_index[0].size)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "fingerprint": self.fingerprint,
            "status_quo": self.status_quo,
            "concept": self.concept,
            "sanction_rule": self.sanction_rule,
            "reachable": list(self.reachable),
            "equilibria": list(self.equilibria),
            "paths": {k: [list(step) for step in v] for k, v in self.paths.items()},
            "edges": [list(e) for e in self.edges],
            "truncated": self.truncated,
        }


def status_quo_solve(conflict: Conflict, status_quo: str | int, concept: str = "gmr", *,
                     max_states: int | None = 100_000, stop_at_equilibria: bool = False,
                     sanction_rule: Literal["textbook", "gmcrplus"] = "textbook",
                     result: StabilityResult | None = None) -> StatusQuoResult:
    """Equilibria of ``concept`` reachable from ``status_quo`` (an option vector like
    ``"NNYN"`` or a bitmask) by unilateral improvements, each with one shortest path.

    The search is breadth-first, a layer of states at a time: states in the order a
    first-in-first-out search finds them (from each state, DMs in order, targets in state
    order), each state's path through the state that found it first. ``max_states``: stop
    adding states at this many (``None``: no limit). ``result``: the conflict's stability
    already computed with the same sanction rule and ``concept`` (it is solved otherwise)."""
    if concept not in ALL_CONCEPTS:
        raise ValueError(f"unknown concept {concept!r}; choose from {ALL_CONCEPTS}")
    bits = parse_state(status_quo, conflict.n_options)
    start = int(conflict.index_of[bits])
    if start < 0:
        raise ValueError(f"status quo {conflict.vector(bits)} is not a feasible state")
    if result is None or concept not in result.stable or result.sanction_rule != sanction_rule \
            or result.fingerprint != conflict.fingerprint:
        result = stability_solve(conflict, concepts=(concept,), sanction_rule=sanction_rule)
    eq = result.equilibrium_mask(concept)
    imps = unilateral_improvements(conflict)
    names, dms = conflict.state_names, conflict.decision_makers
    n = conflict.n_states
    limit = n if max_states is None else max_states
    found = np.zeros(n, dtype=bool)
    found[start] = True
    parent = np.full(n, -1, dtype=np.int64)
    by = np.full(n, -1, dtype=np.int64)
    order = [np.array([start], dtype=np.int64)]
    count, truncated = 1, False
    e_dm, e_from, e_to = [], [], []
    front = order[0]
    while front.size:
        grow = front[~eq[front]] if stop_at_equilibria else front
        pos_parts, dm_parts, to_parts = [], [], []
        for i, g in enumerate(imps):  # every improvement out of the layer
            lo, hi = g.indptr[grow], g.indptr[grow + 1]
            cnt = hi - lo
            total = int(cnt.sum())
            if not total:
                continue
            first = np.r_[0, np.cumsum(cnt)[:-1]]
            pos_parts.append(np.repeat(np.arange(grow.size), cnt))
            dm_parts.append(np.full(total, i, dtype=np.int64))
            to_parts.append(g.indices[np.repeat(lo - first, cnt) + np.arange(total)])
        if not pos_parts:
            break
        pos = np.concatenate(pos_parts)
        dmi = np.concatenate(dm_parts)
        to = np.concatenate(to_parts).astype(np.int64)
        seq = np.lexsort((dmi, pos))  # the order a first-in-first-out search meets them
        pos, dmi, to = pos[seq], dmi[seq], to[seq]
        e_dm.append(dmi)
        e_from.append(grow[pos])
        e_to.append(to)
        fresh = ~found[to]
        idx = np.flatnonzero(fresh)
        _, first_at = np.unique(to[idx], return_index=True)
        hit = idx[np.sort(first_at)]           # first meeting of each new state, in order
        if count + hit.size > limit:
            truncated = True
            hit = hit[:max(0, limit - count)]
        new = to[hit]
        found[new] = True
        parent[new] = grow[pos[hit]]
        by[new] = dmi[hit]
        count += new.size
        order.append(new)
        front = new
    reached = np.concatenate(order)
    paths = {}
    for s in reached[eq[reached]].tolist():
        path, cur = [], s
        while parent[cur] >= 0:
            prev = int(parent[cur])
            path.append((dms[int(by[cur])], names[prev], names[cur]))
            cur = prev
        paths[names[s]] = path[::-1]
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64))
    edge_index = (cat(e_dm), cat(e_from), cat(e_to))
    for a in edge_index:
        a.setflags(write=False)
    return StatusQuoResult(
        status_quo=names[start], concept=concept, sanction_rule=sanction_rule,
        reachable=tuple(names[s] for s in reached.tolist()), equilibria=tuple(paths),
        paths=paths, edge_index=edge_index, truncated=truncated,
        fingerprint=conflict.fingerprint, names=(dms, names))
