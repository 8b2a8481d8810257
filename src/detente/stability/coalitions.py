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

:func:`coalition_solve` works on all states at once. A coalition's moves never change the options
of DMs outside it, and a legal sequence reaches exactly the states the members' moves reach in any
order (two consecutive moves of one member are one move, or return to where it started), so
``R_H(s)`` is graph reachability in the union of the members' move graphs: detente labels its
strongly connected components (in linear time when the members' options are reversible,
:mod:`detente.stability.reach`), closes the component graph as bitsets over the states that share
``s``'s other options (:mod:`detente.stability.coalition_bitsets`), and tests "every member
prefers" and "some sanction deters" with bitsets of states above each payoff level, a chunk of
states at a time. The improvements of a state are listed when asked
(:attr:`CoalitionResult.improvements`). :func:`~detente.stability.sequences.legal_paths` (a
breadth-first search over (state, last mover)) gives the move sequences themselves;
:func:`~detente.stability.sequences.legal_reach` the same reachable states, a layer at a time.

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

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._version import __version__
from .coalition_bitsets import _WORDS, _at_level, _CoalitionMoves, _fibers, _popcount
from .concepts import _NEG, StableStates
from .graph import MoveGraph, unilateral_improvements, unilateral_moves
from .model import Conflict
from .reach import _reversible, _sanction_min
from .sequences import Step, legal_paths

__all__ = ["CoalitionResult", "coalition_cost", "coalition_improvements", "coalition_moves",
           "coalition_solve"]


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
    (states with none omitted; each coalition's mapping lists a state's improvements when asked,
    so a large conflict does not hold them all).
    """

    decision_makers: tuple[str, ...]
    states: tuple[str, ...]
    coalitions: tuple[tuple[str, ...], ...]
    coalition_stable: dict[str, dict[tuple[str, ...], np.ndarray]] = field(repr=False)
    stable: dict[str, np.ndarray] = field(repr=False)
    improvements: Mapping[tuple[str, ...], Mapping[str, list[str]]] = field(repr=False)
    fingerprint: str
    version: str = __version__
    method: str = "gmcr_coalition_stability"

    def to_dict(self, improvements: bool = True) -> dict[str, Any]:
        """Plain data; ``improvements=False`` leaves the (possibly long) improvement lists
        out."""
        out = {
            "method": self.method,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "decision_makers": list(self.decision_makers),
            "states": list(self.states),
            "coalitions": [list(h) for h in self.coalitions],
            "coalition_stable_states": {
                c: {" + ".join(h): [self.states[j] for j in np.flatnonzero(a)]
                    for h, a in per.items()} for c, per in self.coalition_stable.items()},
            "stable_states": self._per_dm(self.stable_states, self.stable),
            "equilibria": self._listed(self.equilibria, self.stable),
        }
        if improvements:
            out["improvements"] = {" + ".join(h): dict(imp)
                                   for h, imp in self.improvements.items()}
        return out


def _coalition_indices(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None
                       ) -> list[tuple[int, ...]]:
    dms = conflict.decision_makers
    n_dm = len(dms)
    if coalitions is None:
        return [c for r in range(2, n_dm + 1) for c in itertools.combinations(range(n_dm), r)]
    coals: list[tuple[int, ...]] = []
    for c in coalitions:
        idx = tuple(sorted({dms.index(d) if isinstance(d, str) else int(d) for d in c}))
        if not idx or any(not 0 <= i < n_dm for i in idx):
            raise ValueError(f"coalition {c!r}: members must be decision makers of {dms}")
        if idx not in coals:
            coals.append(idx)
    return coals


def coalition_cost(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None = None
                   ) -> tuple[int, int]:
    """(bitset words held at once, word operations) that :func:`coalition_solve` needs at most,
    from the sizes of the coalitions' move groups and the DMs' numbers of payoff levels; for
    deciding whether a conflict is too large to analyse by default."""
    pay = conflict.payoffs
    n = conflict.n_states
    held = work = 0
    for h in _coalition_indices(conflict, coalitions):
        if len(h) < 2:
            continue
        fib, _, big = _fibers(conflict, h)
        w = -(-big // 64)
        nf = int(fib.max()) + 1 if fib.size else 0
        levels = sum(2 * nf * (int(pay[i].max()) + 2) for i in h) if n else 0
        rows = nf if _reversible(conflict, h) else n  # one closure per component
        held = max(held, (rows + levels) * w + 4 * min(n * w, _WORDS))
        work += n * w * (2 * len(h) + 3) + 2 * levels * w   # tests, and building the tables
    return held, work


def _graph_targets(g: MoveGraph, s: int) -> list[int]:
    """One DM's improvements from state s (sorted state indices)."""
    return sorted(g.targets(s).tolist())


def _graph_count(g: MoveGraph, rows: np.ndarray) -> int:
    """How many improvements one DM has from the states ``rows`` in all."""
    return int((g.indptr[rows + 1] - g.indptr[rows]).sum())


def _coalition_count(cm: _CoalitionMoves, rows: np.ndarray) -> int:
    """How many joint improvements a coalition has from the states ``rows`` in all."""
    step = max(1, _WORDS // cm.w)
    return sum(_popcount(cm.improvements(rows[lo:lo + step]))
               for lo in range(0, rows.size, step))


class _Improvements(Mapping):
    """{state name: [improved state names]} of one coalition, for states that have any,
    computed when asked."""

    def __init__(self, names: tuple[str, ...], has: np.ndarray, get, pairs: int, count):
        self._names, self._has, self._get, self._count = names, has, get, count
        self._index: dict[str, int] | None = None
        self.pairs = pairs
        """How many (state, improved state) pairs the mapping holds in all."""

    def _at(self, key: str) -> int:
        if self._index is None:
            self._index = {s: j for j, s in enumerate(self._names)}
        j = self._index.get(key, -1)
        return j if j >= 0 and self._has[j] else -1

    def __getitem__(self, key: str) -> list[str]:
        j = self._at(key)
        if j < 0:
            raise KeyError(key)
        return [self._names[t] for t in self._get(j)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._at(key) >= 0

    def count(self, keys: Sequence[str]) -> int:
        """How many improvements the states ``keys`` have in all, without listing them."""
        at = np.array([self._at(k) for k in keys], dtype=np.int64)
        at = at[at >= 0]
        return int(self._count(at)) if at.size else 0

    def __iter__(self) -> Iterator[str]:
        return (self._names[j] for j in np.flatnonzero(self._has))

    def __len__(self) -> int:
        return int(self._has.sum())

    def __repr__(self) -> str:
        return f"<{len(self)} states with coalition improvements>"


def coalition_solve(conflict: Conflict, coalitions: Sequence[Sequence[str | int]] | None = None
                    ) -> CoalitionResult:
    """Coalition Nash and coalition GMR stability (textbook sanctions, no DM twice in a row).

    ``coalitions``: DM names or indices per coalition; ``None`` analyses every coalition of
    two or more DMs. Singletons are always part of the per-DM stability.
    """
    dms = conflict.decision_makers
    n_dm, n = len(dms), conflict.n_states
    coals = _coalition_indices(conflict, coalitions)
    analysed = list(coals) + [(i,) for i in range(n_dm) if (i,) not in coals]
    moves = unilateral_moves(conflict)
    imps1 = unilateral_improvements(conflict, moves)
    pay = conflict.payoffs
    names = conflict.state_names
    c_nash: dict[tuple[str, ...], np.ndarray] = {}
    c_gmr: dict[tuple[str, ...], np.ndarray] = {}
    improvements: dict[tuple[str, ...], Mapping[str, list[str]]] = {}
    dm_nash = np.ones((n_dm, n), dtype=bool)
    dm_gmr = np.ones((n_dm, n), dtype=bool)
    for h in analysed:
        rest = [j for j in range(n_dm) if j not in h]
        # sanction minimum of each member's payoff over R_{N∖H}(s1), for all s1 at once
        m = _sanction_min(conflict, pay[list(h)].T.copy(), rest, moves)
        name = tuple(dms[i] for i in h)
        if len(h) == 1:
            i = h[0]
            g = imps1[i]
            nash_h = g.out_degree() == 0
            gmr_h = g.max_over(m[:, 0], _NEG) <= pay[i]
            dm_nash[i] &= nash_h
            dm_gmr[i] &= gmr_h
            pairs = g.n_edges
            get = functools.partial(_graph_targets, g)
            count = functools.partial(_graph_count, g)
        else:
            cm = _CoalitionMoves(conflict, h, moves, m)
            nash_h = np.ones(n, dtype=bool)
            gmr_h = np.ones(n, dtype=bool)
            step = max(1, _WORDS // cm.w)
            pairs = 0
            for lo in range(0, n, step):
                rows = np.arange(lo, min(n, lo + step))
                f = cm.fib[rows]
                imp = cm.improvements(rows)
                nash_h[rows] = ~imp.any(axis=1)
                pairs += _popcount(imp)
                if not rest:  # nothing can sanction the grand coalition
                    for i in h:
                        dm_gmr[i, rows] &= nash_h[rows]
                    gmr_h[rows] = nash_h[rows]
                    continue
                every = imp.copy()
                for a, i in enumerate(h):
                    bad = imp & _at_level(cm.unsanctioned[a], f, pay[i][rows])
                    dm_gmr[i, rows] &= ~bad.any(axis=1)
                    every &= bad
                gmr_h[rows] = ~every.any(axis=1)
            for i in h:
                dm_nash[i] &= nash_h
            get = cm.decode
            count = functools.partial(_coalition_count, cm)
        if h in coals:
            nash_h.setflags(write=False)
            gmr_h.setflags(write=False)
            c_nash[name], c_gmr[name] = nash_h, gmr_h
            improvements[name] = _Improvements(names, ~nash_h, get, pairs, count)
    dm_nash.setflags(write=False)
    dm_gmr.setflags(write=False)
    return CoalitionResult(
        decision_makers=dms, states=conflict.state_names,
        coalitions=tuple(tuple(dms[i] for i in h) for h in coals),
        coalition_stable={"nash": c_nash, "gmr": c_gmr},
        stable={"nash": dm_nash, "gmr": dm_gmr}, improvements=improvements,
        fingerprint=conflict.fingerprint)
