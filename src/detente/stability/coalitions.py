"""Coalition stability in the graph model (Kilgour, Hipel, Fang & Peng 2001, "Coalition
analysis in group decision support", *Group Decision and Negotiation* 10:159–175).

For a coalition ``H`` (a set of DMs):

- ``R_H(s)``, the coalition's unilateral moves: states reached from ``s`` by a legal sequence
  (length ≥ 1) of unilateral moves by members of ``H``, no member moving twice in a row
  (for ``|H| = 1`` these are the member's own unilateral moves).
- ``R_H⁺⁺(s)``, coalition improvements: the states of ``R_H(s)`` every member of ``H`` strictly
  prefers to ``s`` (the intermediate states need not improve anything).

Stability, per DM ``i`` over the analysed coalitions ``H ∋ i`` and always the singleton ``{i}``:

- **coalition Nash** for ``i``: ``R_H⁺⁺(s)`` is empty for every such ``H``;
- **coalition GMR** for ``i``: every ``s1 ∈ R_H⁺⁺(s)`` has some ``s2 ∈ R_{N∖H}(s1)`` with
  ``P_i(s2) ≤ P_i(s)`` (when ``H = N`` nothing can sanction).

Per coalition, ``H`` is *coalition-Nash stable* at ``s`` when ``R_H⁺⁺(s)`` is empty and
*coalition-GMR stable* when every ``s1 ∈ R_H⁺⁺(s)`` can be sanctioned to a state some member does
not prefer to ``s``. A state is a coalition equilibrium when it is coalition-stable for every DM.
Since ``{i}`` is always included, coalition-Nash (GMR) stability implies Nash (GMR) stability.

Reachable sets are found by search over (state, last mover), one start state at a time; that is
fine for conflicts of a few thousand states.

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> r = coalition_solve(pd)
>>> r.equilibria("nash"), r.improvements[("A", "B")]["NN"]
((), ['YY'])
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._version import __version__
from .concepts import _INF, StableStates, reachable_min
from .graph import MoveGraph, unilateral_moves
from .model import Conflict

__all__ = ["CoalitionResult", "coalition_improvements", "coalition_moves", "coalition_solve",
           "legal_paths"]

Step = tuple[int, int, int]  # (mover index, from state, to state)


def legal_paths(start: int, graphs: Sequence[MoveGraph], movers: Sequence[int] | None = None,
                rule: Literal["textbook", "gmcrplus"] = "textbook") -> dict[int, list[Step]]:
    """Every state reachable from ``start`` by a legal sequence (length ≥ 1) of moves in
    ``graphs`` (one per mover; ``movers`` gives their DM indices), with one shortest such
    sequence as ``(dm, from, to)`` steps. ``"textbook"``: no mover twice in a row;
    ``"gmcrplus"``: each mover at most once."""
    movers = list(range(len(graphs))) if movers is None else list(movers)
    out: dict[int, list[Step]] = {}
    # node: (state, last mover position) or (state, frozenset of used positions)
    first: Any = -1 if rule == "textbook" else frozenset()
    parent: dict[Any, tuple[Any, Step] | None] = {(start, first): None}
    queue = deque([(start, first)])
    while queue:
        node = queue.popleft()
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
                queue.append(nxt)
                if t not in out:
                    path, cur = [], nxt
                    while parent[cur] is not None:
                        prev, step = parent[cur]  # type: ignore[misc]
                        path.append(step)
                        cur = prev
                    out[t] = path[::-1]
    return out


def coalition_moves(conflict: Conflict, coalition: Sequence[int], s: int,
                    moves: Sequence[MoveGraph] | None = None) -> dict[int, list[Step]]:
    """``R_H(s)``: the coalition's unilateral moves from state index ``s`` with one shortest
    legal sequence of member moves to each."""
    moves = unilateral_moves(conflict) if moves is None else moves
    return legal_paths(s, [moves[i] for i in coalition], coalition)


def coalition_improvements(conflict: Conflict, coalition: Sequence[int], s: int,
                           moves: Sequence[MoveGraph] | None = None) -> dict[int, list[Step]]:
    """``R_H⁺⁺(s)``: the coalition's moves every member strictly prefers to ``s``."""
    pay = conflict.payoffs
    return {t: p for t, p in coalition_moves(conflict, coalition, s, moves).items()
            if all(pay[i][t] > pay[i][s] for i in coalition)}


@dataclass(frozen=True, eq=False)
class CoalitionResult(StableStates):
    """Coalition stability per coalition and per DM.

    ``coalition_stable[concept]``: {coalition (tuple of DM names): bool array over states};
    ``stable[concept]``: (n_dms, n_states) read-only bools, per DM over all analysed coalitions
    containing it and its singleton; ``improvements``: {coalition: {state: [improved states]}}
    (states with none omitted).
    """

    decision_makers: tuple[str, ...]
    states: tuple[str, ...]
    coalitions: tuple[tuple[str, ...], ...]
    coalition_stable: dict[str, dict[tuple[str, ...], np.ndarray]] = field(repr=False)
    stable: dict[str, np.ndarray] = field(repr=False)
    improvements: dict[tuple[str, ...], dict[str, list[str]]] = field(repr=False)
    fingerprint: str
    version: str = __version__
    method: str = "gmcr_coalition_stability"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "decision_makers": list(self.decision_makers),
            "states": list(self.states),
            "coalitions": [list(h) for h in self.coalitions],
            "coalition_stable_states": {
                c: {" + ".join(h): [self.states[j] for j in np.flatnonzero(a)]
                    for h, a in per.items()} for c, per in self.coalition_stable.items()},
            "stable_states": {c: {d: list(self.stable_states(c, i))
                                  for i, d in enumerate(self.decision_makers)}
                              for c in self.stable},
            "equilibria": {c: list(self.equilibria(c)) for c in self.stable},
            "improvements": {" + ".join(h): imp for h, imp in self.improvements.items()},
        }


def coalition_solve(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None = None
                    ) -> CoalitionResult:
    """Coalition Nash and coalition GMR stability (textbook sanctions, no DM twice in a row).

    ``coalitions``: DM names or indices per coalition; ``None`` analyses every coalition of
    two or more DMs. Singletons are always part of the per-DM stability.
    """
    dms = conflict.decision_makers
    n_dm, n = len(dms), conflict.n_states
    if coalitions is None:
        coals = [c for r in range(2, n_dm + 1) for c in itertools.combinations(range(n_dm), r)]
    else:
        coals = []
        for c in coalitions:
            idx = tuple(sorted({dms.index(d) if isinstance(d, str) else int(d) for d in c}))
            if not idx or any(not 0 <= i < n_dm for i in idx):
                raise ValueError(f"coalition {c!r}: members must be decision makers of {dms}")
            if idx not in coals:
                coals.append(idx)
    analysed = list(coals) + [(i,) for i in range(n_dm) if (i,) not in coals]
    moves = unilateral_moves(conflict)
    pay = conflict.payoffs
    c_nash: dict[tuple[str, ...], np.ndarray] = {}
    c_gmr: dict[tuple[str, ...], np.ndarray] = {}
    improvements: dict[tuple[str, ...], dict[str, list[str]]] = {}
    dm_nash = np.ones((n_dm, n), dtype=bool)
    dm_gmr = np.ones((n_dm, n), dtype=bool)
    for h in analysed:
        rest = [j for j in range(n_dm) if j not in h]
        # sanction minimum of each member's payoff over R_{N∖H}(s1), for all s1 at once
        m = reachable_min(pay[list(h)].T.copy(), [moves[j] for j in rest]) if rest \
            else np.full((n, len(h)), _INF, dtype=np.int64)
        name = tuple(dms[i] for i in h)
        nash_h = np.ones(n, dtype=bool)
        gmr_h = np.ones(n, dtype=bool)
        imp_h: dict[str, list[str]] = {}
        for s in range(n):
            imps = sorted(coalition_improvements(conflict, h, s, moves))
            if not imps:
                continue
            nash_h[s] = False
            imp_h[conflict.state_names[s]] = [conflict.state_names[t] for t in imps]
            for a, i in enumerate(h):
                dm_nash[i, s] = False
                deterred_i = all(m[t, a] <= pay[i][s] for t in imps)
                dm_gmr[i, s] &= deterred_i
            gmr_h[s] = all(any(m[t, a] <= pay[i][s] for a, i in enumerate(h)) for t in imps)
        if h in coals:
            c_nash[name], c_gmr[name], improvements[name] = nash_h, gmr_h, imp_h
            nash_h.setflags(write=False)
            gmr_h.setflags(write=False)
    dm_nash.setflags(write=False)
    dm_gmr.setflags(write=False)
    return CoalitionResult(
        decision_makers=dms, states=conflict.state_names,
        coalitions=tuple(tuple(dms[i] for i in h) for h in coals),
        coalition_stable={"nash": c_nash, "gmr": c_gmr},
        stable={"nash": dm_nash, "gmr": dm_gmr}, improvements=improvements,
        fingerprint=conflict.fingerprint)
