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

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from .concepts import CONCEPTS, stability_solve
from .graph import unilateral_improvements
from .model import Conflict, parse_state

__all__ = ["StatusQuoResult", "status_quo_solve"]


@dataclass(frozen=True, eq=False)
class StatusQuoResult:
    """Reachable states and equilibria from a status quo.

    ``paths[state]``: one shortest path of ``(dm, from_state, to_state)`` improvements from the
    status quo, for every reachable equilibrium; ``edges``: the explored improvement graph as
    ``(dm, from, to)`` triples; ``truncated``: the search stopped at ``max_states``.
    """

    status_quo: str
    concept: str
    sanction_rule: str
    reachable: tuple[str, ...]
    equilibria: tuple[str, ...]
    paths: dict[str, list[tuple[str, str, str]]] = field(repr=False)
    edges: tuple[tuple[str, str, str], ...] = field(repr=False)
    truncated: bool
    fingerprint: str
    method: str = "gmcr_status_quo"

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
                     max_states: int = 100_000, stop_at_equilibria: bool = False,
                     sanction_rule: Literal["textbook", "gmcrplus"] = "textbook"
                     ) -> StatusQuoResult:
    """Equilibria of ``concept`` reachable from ``status_quo`` (an option vector like
    ``"NNYN"`` or a bitmask) by unilateral improvements, each with one shortest path."""
    if concept not in CONCEPTS:
        raise ValueError(f"unknown concept {concept!r}; choose from {CONCEPTS}")
    bits = parse_state(status_quo, conflict.n_options)
    start = int(conflict.index_of[bits])
    if start < 0:
        raise ValueError(f"status quo {conflict.vector(bits)} is not a feasible state")
    eq = stability_solve(conflict, concepts=(concept,),
                         sanction_rule=sanction_rule).equilibrium_mask(concept)
    imps = unilateral_improvements(conflict)
    names, dms = conflict.state_names, conflict.decision_makers
    parent: dict[int, tuple[int, int] | None] = {start: None}  # state -> (prev, dm)
    order = [start]
    edges = []
    queue = deque([start])
    truncated = False
    while queue:
        s = queue.popleft()
        if stop_at_equilibria and eq[s]:
            continue
        for i, g in enumerate(imps):
            for t in g.targets(s).tolist():
                edges.append((dms[i], names[s], names[t]))
                if t in parent:
                    continue
                if len(parent) >= max_states:
                    truncated = True
                    continue
                parent[t] = (s, i)
                order.append(t)
                queue.append(t)
    paths = {}
    for s in order:
        if not eq[s]:
            continue
        path, cur = [], s
        while parent[cur] is not None:
            prev, i = parent[cur]  # type: ignore[misc]
            path.append((dms[i], names[prev], names[cur]))
            cur = prev
        paths[names[s]] = path[::-1]
    return StatusQuoResult(
        status_quo=names[start], concept=concept, sanction_rule=sanction_rule,
        reachable=tuple(names[s] for s in order), equilibria=tuple(paths), paths=paths,
        edges=tuple(edges), truncated=truncated, fingerprint=conflict.fingerprint)
