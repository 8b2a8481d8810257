"""Inverse GMCR: which preference changes would make a chosen state an equilibrium.

The inverse approach to the graph model (Sakakibara, Okada & Nakase 2002; Kinsara, Kilgour &
Hipel 2015; Wang, Hipel & Fang 2018) asks the question backwards: given a desired state ``s``
and a stability concept, which preferences make ``s`` stable for every DM? detente answers it as
the *fewest preference reversals* from the preferences the conflict already has.

Every stability condition for DM ``i`` at ``s`` compares states with ``s`` only ("is ``t``
preferred to ``s``?"), so a change of ``i``'s preference that matters is a set ``D`` of states
``i`` now prefers to ``s`` and would have to rank *no higher than* ``s`` (a *demotion*); where
they go below ``s`` does not matter. For each DM ``i`` not yet stable at ``s``, each of its
unilateral improvements ``s1`` must be removed or deterred, which gives the alternatives:

- demote ``s1`` itself (then it is no improvement), or
- GMR: demote one state ``s2`` the opponents can reach from ``s1`` (any legal sequence of their
  moves, :func:`~detente.stability.sequences.legal_reach`); SEQ: the same through their
  unilateral improvements; SMR: demote ``s2`` together with every state ``i`` can move to from
  ``s2``; SIM: demote the result ``s3`` of one combination of the opponents' simultaneous
  improvements from ``s`` (:mod:`.simultaneous`); SEQ+SIM: the cheaper of SEQ and SIM;
- Nash: only the first.

The fewest demotions satisfying every improvement is a hitting-set problem (NP-hard in general);
detente solves it exactly by branch and bound, for each DM separately with the other DMs'
preferences as they are, and stops at ``max_nodes`` search nodes (then ``exact`` is false and the
set found is an upper bound). Under SEQ, SIM and SEQ+SIM a DM's sanctions are its opponents'
*improvements*, so changing one DM's preference can change another's stability: the result is
therefore checked by solving the changed conflict (``verified``).

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> r = inverse_solve(pd, "YY", "nash")
>>> [(d.dm, d.demote) for d in r.per_dm], r.verified
([('A', ('NY',)), ('B', ('YN',))], True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .concepts import ALL_CONCEPTS, CONCEPT_LABELS, stability_solve
from .graph import unilateral_improvements, unilateral_moves
from .model import Conflict, Preference, parse_state
from .sequences import legal_reach
from .simultaneous import _combinations

__all__ = ["DMChange", "InverseResult", "inverse_solve"]

MAX_NODES = 200_000
MAX_ALTERNATIVES = 5


@dataclass(frozen=True)
class DMChange:
    """One DM: ``demote`` (one fewest set of states it would have to rank no higher than the
    state; empty when it is stable already), ``alternatives`` (other sets of the same size, at
    most :data:`MAX_ALTERNATIVES`), ``exact`` (the search finished)."""

    dm: str
    stable_now: bool
    demote: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"dm": self.dm, "stable_now": self.stable_now, "demote": list(self.demote),
                "alternatives": [list(a) for a in self.alternatives], "exact": self.exact}


@dataclass(frozen=True, eq=False)
class InverseResult:
    """``per_dm`` in DM order; ``verified``: with every DM's ``demote`` applied the state is an
    equilibrium under ``concept``; ``changes``: the number of demotions in all."""

    state: str
    concept: str
    sanction_rule: str
    equilibrium_now: bool
    per_dm: tuple[DMChange, ...]
    verified: bool
    fingerprint: str
    method: str = "gmcr_inverse"
    changed: Conflict | None = field(default=None, repr=False)

    @property
    def changes(self) -> int:
        return sum(len(d.demote) for d in self.per_dm)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "fingerprint": self.fingerprint, "state": self.state,
                "concept": self.concept, "sanction_rule": self.sanction_rule,
                "equilibrium_now": self.equilibrium_now, "changes": self.changes,
                "verified": self.verified, "per_dm": [d.to_dict() for d in self.per_dm]}

    def text(self) -> str:
        label = CONCEPT_LABELS.get(self.concept, self.concept)
        if self.equilibrium_now:
            return f"{self.state} is already a {label} equilibrium."
        lines = [f"For {self.state} to be a {label} equilibrium, {self.changes} "
                 f"preference reversal{'s' if self.changes != 1 else ''} in all"
                 + ("" if self.verified else " (not enough together: the DMs' changes interact)")
                 + ":"]
        for d in self.per_dm:
            if d.demote:
                lines.append(f"- {d.dm} would have to rank {', '.join(d.demote)} no higher than "
                             f"{self.state}" + ("" if d.exact else " (search bounded)") + ".")
        return "\n".join(lines)


def _fewest(reqs: list[list[frozenset[int]]], max_nodes: int
            ) -> tuple[list[frozenset[int]], bool]:
    """Fewest-element sets D meeting every requirement (some alternative ⊆ D): branch and
    bound; the minimal sets found (up to MAX_ALTERNATIVES + 1), and whether the search ended."""
    best: list[frozenset[int]] = []
    best_size = [10**9]
    nodes = [0]

    def go(d: frozenset[int]) -> None:
        nodes[0] += 1
        if nodes[0] > max_nodes:
            return
        open_ = next((r for r in reqs if not any(a <= d for a in r)), None)
        if open_ is None:
            if len(d) < best_size[0]:
                best_size[0] = len(d)
                best.clear()
            if len(d) == best_size[0] and d not in best and len(best) <= MAX_ALTERNATIVES:
                best.append(d)
            return
        for a in sorted(open_, key=lambda a: (len(a - d), sorted(a))):
            nd = d | a
            if len(nd) <= best_size[0]:
                go(nd)

    go(frozenset())
    return best, nodes[0] <= max_nodes


def _requirements(conflict: Conflict, s: int, i: int, concept: str, rule: str
                  ) -> list[list[frozenset[int]]]:
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    p = conflict.payoffs[i]
    up = p > p[s]  # the states i prefers to s: the only ones a demotion can concern
    n_dm = len(conflict.decision_makers)
    opp = [j for j in range(n_dm) if j != i]

    def need(states: np.ndarray | Sequence[int]) -> frozenset[int]:
        return frozenset(int(t) for t in states if up[t])

    combos: list[int] = []
    if concept == "sim":
        c_src, c_part = _combinations(conflict, imps, opp)
        combos = c_part[c_src == s].tolist()
    reqs = []
    for s1 in imps[i].targets(s).tolist():
        alts = {frozenset([s1])}
        if concept in ("gmr", "smr", "seq"):
            graphs = [(imps if concept == "seq" else moves)[j] for j in opp]
            for s2 in np.flatnonzero(legal_reach(s1, graphs, rule)).tolist():  # type: ignore[arg-type]
                alts.add(need([s2, *(moves[i].targets(s2).tolist() if concept == "smr"
                                     else ())]))
        elif concept == "sim":
            own = int(conflict.feasible[s1]) & conflict.owner_mask(i)
            for part in combos:
                t = int(conflict.index_of[own | part])
                if t >= 0:
                    alts.add(need([t]))
        if frozenset() not in alts:  # not deterred today
            reqs.append(sorted(alts, key=lambda a: (len(a), sorted(a))))
    return reqs


def _demoted(conflict: Conflict, s: int, demote: Sequence[Sequence[int]]) -> Conflict:
    """The conflict with each DM's demoted states ranked level with ``s``."""
    pay = conflict.payoffs
    prefs = []
    for i, d in enumerate(demote):
        if not d:
            prefs.append(conflict.preferences[i])
            continue
        v = pay[i].astype(float)
        v[list(d)] = v[s]
        prefs.append(Preference(payoffs=tuple(
            (int(b), float(x)) for b, x in zip(conflict.feasible.tolist(), v.tolist()))))
    return dataclasses.replace(conflict, preferences=tuple(prefs))


def inverse_solve(conflict: Conflict, state: str | int, concept: str = "gmr", *,
                  sanction_rule: Literal["textbook", "gmcrplus"] = "textbook",
                  max_nodes: int = MAX_NODES) -> InverseResult:
    """The fewest preference reversals per DM that make ``state`` an equilibrium under
    ``concept`` (see the module)."""
    if concept not in ALL_CONCEPTS:
        raise ValueError(f"unknown concept {concept!r}; choose from {ALL_CONCEPTS}")
    s = int(conflict.index_of[parse_state(state, conflict.n_options)])
    if s < 0:
        raise ValueError(f"state {state!r} is not feasible")
    names, dms = conflict.state_names, conflict.decision_makers
    now = stability_solve(conflict, concepts=(concept,), sanction_rule=sanction_rule)
    stable = now.stable[concept][:, s]
    per, chosen = [], []
    for i, dm in enumerate(dms):
        if stable[i]:
            per.append(DMChange(dm, True, ()))
            chosen.append(())
            continue
        parts = ("seq", "sim") if concept == "seqsim" else (concept,)
        found: list[frozenset[int]] = []
        exact = True
        for c in parts:
            sets, done = _fewest(_requirements(conflict, s, i, c, sanction_rule), max_nodes)
            exact &= done
            if sets and (not found or len(sets[0]) < len(found[0])):
                found = sets
            elif sets and len(sets[0]) == len(found[0]):
                found += [x for x in sets if x not in found]
        ordered = [tuple(sorted(x)) for x in found]
        ordered.sort(key=lambda x: [names[t] for t in x])
        first = ordered[0] if ordered else ()
        per.append(DMChange(dm, False, tuple(names[t] for t in first),
                            tuple(tuple(names[t] for t in x)
                                  for x in ordered[1:MAX_ALTERNATIVES + 1]), exact))
        chosen.append(first)
    changed = _demoted(conflict, s, chosen) if any(chosen) else conflict
    after = stability_solve(changed, concepts=(concept,), sanction_rule=sanction_rule)
    return InverseResult(state=names[s], concept=concept, sanction_rule=sanction_rule,
                         equilibrium_now=bool(stable.all()), per_dm=tuple(per),
                         verified=bool(after.stable[concept][:, s].all()),
                         fingerprint=conflict.fingerprint, changed=changed)
