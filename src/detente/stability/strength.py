"""Strength of preference: strong and weak stability under Nash, GMR, SMR and SEQ.

Hamouda, Kilgour & Hipel (2004) let a DM prefer one state to another *strongly* (``s ≫ t``) or
*mildly* (``s > t``), besides equally (``s ~ t``); Hamouda, Hipel & Kilgour (2006) extend the
definitions to any number of DMs (sanctions by the coalition ``H = N∖{i}`` of the other DMs), as
do Xu, Hipel, Kilgour & Fang (2018), ch. 6 (three degrees of preference). With ``R_i⁺(s)`` the
DM's unilateral improvements (mild or strong: strength does not change what a DM moves to) and
``R_H(s1)``, ``R_H⁺(s1)`` the opponents' legal sequences of moves and of improvements (mild or
strong), a state ``s`` is, for DM ``i``:

- **Nash** stable when ``R_i⁺(s)`` is empty — unchanged: there is no sanction to weigh, so
  detente counts every Nash-stable state as strongly stable (no weak Nash).
- **strongly GMR** stable when every ``s1 ∈ R_i⁺(s)`` has some ``s2 ∈ R_H(s1)`` with
  ``s ≫_i s2``;
- **strongly SMR** stable when every ``s1 ∈ R_i⁺(s)`` has some ``s2 ∈ R_H(s1)`` with
  ``s ≫_i s2`` and ``s ≫_i s3`` for every ``s3 ∈ R_i(s2)``;
- **strongly SEQ** stable as strong GMR with ``s2 ∈ R_H⁺(s1)``;
- **weakly** stable under a concept when stable under it (:mod:`~detente.stability.concepts`)
  but not strongly. A **strong equilibrium** is strongly stable for every DM; a **weak
  equilibrium** is an equilibrium that is weakly stable for some DM.

A state with no improvement is strongly stable under every concept (the conditions hold
vacuously), so with no ``≫`` declared the strongly stable states are exactly the Nash-stable ones;
with every strict preference strong, strong GMR and SEQ equal GMR and SEQ whenever no two states
tie (a tie ``s ~ s2`` sanctions under GMR but never strongly).

**Representation.** ``≫_i`` is declared on the DM's :class:`~detente.stability.model.Preference`
as ``strong``: pairs ``(better, worse)`` of conditions (option patterns, e.g. ``"Y--"``; a full
vector names one state), and ``s ≫_i t`` iff ``s`` matches ``better``, ``t`` matches ``worse`` and
``s >_i t``. So strength only qualifies preferences the ranking already has and can never
contradict it; a pair that qualifies none is an error naming the DM and the pair. In plain data
(:meth:`Conflict.from_dict`) it is ``"strong": [[better, worse], ...]`` on a decision maker. It is
Python API only: the scenario file's ``conflict`` section and GMCR+ files do not carry it.

**Computation.** The states ``s`` whose set ``{t: s ≫_i t}`` is built from the same pairs (the
same *signature*: which ``better`` conditions ``s`` matches) share one column
``v(t) = P_i(t)`` where ``t`` matches a ``worse`` of the signature (else +∞), and ``s`` is
strongly sanctioned through ``s1`` iff the least ``v`` over ``R_H(s1)`` is below ``P_i(s)`` —
the same min-reductions as the ordinary concepts, one column per signature.

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"], "strong": [["-Y", "-N"]]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> r = strength_solve(pd)
>>> r.equilibria("gmr"), r.strong_equilibria("gmr"), r.weak_equilibria("gmr")
(('NN', 'YY'), ('NN',), ('YY',))
>>> r.strong_states("gmr", "A"), r.weak_states("gmr", "B")   # NY: A's best, no move
(('NN', 'NY', 'YY'), ('YY',))
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._version import __version__
from .concepts import CONCEPTS, StableStates, _least_sanction, stability_solve
from .graph import unilateral_improvements, unilateral_moves
from .model import Conflict
from .reach import _INF, _NEG, _check_sanction_rule

__all__ = ["STRENGTH_CONCEPTS", "StrengthResult", "strength_solve", "strong_relation"]

STRENGTH_CONCEPTS = CONCEPTS
"""The concepts with a strong/weak split: Nash (unsplit), GMR, SMR and SEQ."""


@dataclass(frozen=True, eq=False)
class StrengthResult(StableStates):
    """Stable and strongly stable states per DM and concept.

    ``stable[concept]`` and ``strong[concept]`` are read-only (n_dms, n_states) bools over
    :attr:`states`; ``strong ⊆ stable``; :meth:`weak` is their difference."""

    decision_makers: tuple[str, ...]
    states: tuple[str, ...]
    concepts: tuple[str, ...]
    sanction_rule: str
    stable: dict[str, np.ndarray] = field(repr=False)
    strong: dict[str, np.ndarray] = field(repr=False)
    fingerprint: str
    version: str = __version__
    method: str = "gmcr_strength_of_preference"
    seconds: float = field(default=0.0, compare=False)

    def weak(self, concept: str) -> np.ndarray:
        """(n_dms, n_states) bools: stable but not strongly stable."""
        return self.stable[concept] & ~self.strong[concept]

    def strong_states(self, concept: str, dm: str | int) -> tuple[str, ...]:
        return self._named(self.strong[concept][self._dm(dm)])

    def weak_states(self, concept: str, dm: str | int) -> tuple[str, ...]:
        return self._named(self.weak(concept)[self._dm(dm)])

    def strong_equilibria(self, concept: str) -> tuple[str, ...]:
        """States strongly stable for every DM."""
        return self._named(self.strong[concept].all(axis=0))

    def weak_equilibria(self, concept: str) -> tuple[str, ...]:
        """Equilibria weakly stable for at least one DM."""
        return self._named(self.equilibrium_mask(concept) & ~self.strong[concept].all(axis=0))

    def to_dict(self) -> dict[str, Any]:
        cs = self.concepts
        return {
            "method": self.method,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "sanction_rule": self.sanction_rule,
            "concepts": list(cs),
            "decision_makers": list(self.decision_makers),
            "states": list(self.states),
            "stable_states": self._per_dm(self.stable_states, cs),
            "strongly_stable_states": self._per_dm(self.strong_states, cs),
            "equilibria": self._listed(self.equilibria, cs),
            "strong_equilibria": self._listed(self.strong_equilibria, cs),
            "weak_equilibria": self._listed(self.weak_equilibria, cs),
            "seconds": self.seconds,
        }


def _pair_masks(conflict: Conflict, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(K, n) bools: the states matching each strong pair's ``better`` and ``worse`` sides,
    after checking that every pair qualifies at least one strict preference of the DM."""
    pref = conflict.preferences[i]
    n = conflict.n_states
    if not pref.strong:
        return np.zeros((0, n), dtype=bool), np.zeros((0, n), dtype=bool)
    states = conflict.feasible
    better = np.stack([b.evaluate(states) for b, _ in pref.strong])
    worse = np.stack([w.evaluate(states) for _, w in pref.strong])
    p = conflict.payoffs[i]
    for k in range(len(pref.strong)):
        hi = p[better[k]].max(initial=_NEG)
        lo = p[worse[k]].min(initial=_INF)
        if not hi > lo:
            b, w = pref.strong[k]
            raise ValueError(
                f"decision maker {conflict.decision_makers[i]!r}: strong pair {k} "
                f"(better {b.to_data()!r}, worse {w.to_data()!r}) qualifies no preference: "
                "no feasible state matching 'better' is preferred to one matching 'worse'")
    return better, worse


def strong_relation(conflict: Conflict, dm: str | int) -> np.ndarray:
    """The dense (n_states, n_states) bools ``[s, t] = s ≫ t`` of one DM (small conflicts:
    for inspection and tests; the solver never builds it)."""
    i = conflict.decision_makers.index(dm) if isinstance(dm, str) else dm
    better, worse = _pair_masks(conflict, i)
    p = conflict.payoffs[i]
    rel = np.zeros((conflict.n_states,) * 2, dtype=bool)
    for b, w in zip(better, worse):
        rel |= b[:, None] & w[None, :]
    return rel & (p[:, None] > p[None, :])


def strength_solve(conflict: Conflict, *, concepts: Sequence[str] = CONCEPTS,
                   sanction_rule: Literal["textbook", "gmcrplus"] = "textbook"
                   ) -> StrengthResult:
    """Stable, strongly stable and weakly stable states of every DM under the given concepts
    (any of :data:`STRENGTH_CONCEPTS`), with each DM's ``≫`` from its preference's ``strong``
    pairs (none: only Nash-stable states are strongly stable)."""
    t0 = time.perf_counter()
    concepts = tuple(concepts)
    bad = [c for c in concepts if c not in STRENGTH_CONCEPTS]
    if bad:
        raise ValueError(f"strength of preference is defined for {STRENGTH_CONCEPTS}; "
                         f"got {bad}")
    _check_sanction_rule(sanction_rule)
    base = stability_solve(conflict, concepts=concepts, sanction_rule=sanction_rule)
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    pay = conflict.payoffs
    n_dm, n = pay.shape
    strong = {c: np.zeros((n_dm, n), dtype=bool) for c in concepts}
    for i in range(n_dm):
        p = pay[i]
        no_improvement = imps[i].out_degree() == 0
        for c in concepts:
            strong[c][i] = no_improvement  # vacuously strong; Nash is never split
        better, worse = _pair_masks(conflict, i)
        if not better.shape[0]:
            continue
        need = ~no_improvement & better.any(axis=0)
        if not need.any():
            continue
        sigs, label = np.unique(better[:, need].T, axis=0, return_inverse=True)
        label = label.ravel()
        rows_all = np.flatnonzero(need)
        escape_top = moves[i].max_over(p, _NEG)
        for g, sig in enumerate(sigs):
            rows = rows_all[label == g]
            below = worse[sig].any(axis=0)  # t matches a 'worse' of this signature
            # s ≫ t iff below[t] and P(t) < P(s): the least P over sanctions, against P(s)
            cols, names = [], []
            if "gmr" in concepts:
                cols.append(np.where(below, p, _INF))
                names.append("gmr")
            if "smr" in concepts:  # s2 and every escape s3 of i from it strongly below s
                escapes_below = moves[i].min_over(below.astype(np.int64), 1) == 1
                cols.append(np.where(below & escapes_below, np.maximum(p, escape_top), _INF))
                names.append("smr")
            if cols:
                ok = _least_sanction(conflict, i, np.stack(cols, axis=1), sanction_rule) \
                    < p[:, None]
                for c, col in zip(names, ok.T):
                    strong[c][i][rows] = col[rows]
            if "seq" in concepts:
                least = _least_sanction(conflict, i, np.where(below, p, _INF), sanction_rule,
                                        responses="improvements")
                strong["seq"][i][rows] = (least < p)[rows]
    for c in concepts:
        strong[c] &= base.stable[c]  # already implied; kept as a guard
        strong[c].setflags(write=False)
    return StrengthResult(
        decision_makers=conflict.decision_makers, states=conflict.state_names,
        concepts=concepts, sanction_rule=sanction_rule, stable=dict(base.stable), strong=strong,
        fingerprint=conflict.fingerprint, seconds=time.perf_counter() - t0)
