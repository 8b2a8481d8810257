"""Stability of every state for every DM under Nash, GMR, SMR and SEQ, and equilibria.

Textbook definitions (Fang, Hipel & Kilgour 1993; Xu, Hipel, Kilgour & Fang 2018, ch. 4). For DM
``i`` with payoff ``P_i``, unilateral moves ``R_i`` and improvements ``R_i⁺``, and ``H = N∖{i}``:

- ``R_H(s)``: states reached from ``s`` by a legal sequence (length ≥ 1) of unilateral moves by
  members of ``H``, no DM moving twice in a row; ``R_H⁺(s)`` the same with every move a
  unilateral improvement for its mover. With one opponent these are its single moves.
- **Nash**: ``R_i⁺(s)`` is empty.
- **GMR**: every ``s1 ∈ R_i⁺(s)`` has some ``s2 ∈ R_H(s1)`` with ``P_i(s2) ≤ P_i(s)``.
- **SMR**: as GMR, and moreover every ``s3 ∈ R_i(s2)`` has ``P_i(s3) ≤ P_i(s)``.
- **SEQ**: as GMR with ``s2 ∈ R_H⁺(s1)``.
- **SIM** and **SEQ+SIM** (on request, :data:`ALL_CONCEPTS`): sanctions are the opponents'
  moves made *simultaneously* with ``i``'s, from ``s``; :mod:`detente.stability.simultaneous`.

Each test "some s2 in a reachable set satisfies v(s2) ≤ P_i(s)" is a *minimum over a reachable
set*: ``m(s1) = min_{s2 ∈ R_H(s1)} v(s2)`` with ``v = P_i`` (GMR, SEQ) or
``v(t) = max(P_i(t), max_{R_i(t)} P_i)`` (SMR). detente computes ``m`` for all states at once by
a fixed-point iteration over the (state, last mover) graph with sparse min-reductions, never
enumerating sanctions. When the opponents' options are all reversible (textbook rule, GMR and
SMR), their legal sequences from ``s1`` reach exactly the other states of ``s1``'s connected
component of their moves, found in linear time (:mod:`detente.stability.reach`); ``s1`` itself is
then left out, which never changes a verdict (``s1`` is an improvement, so never a sanction).
``sanction_rule="gmcrplus"`` instead lets each opponent move at most once (as GMCR+ does): a pass
over (state, set of opponents used) from the largest set down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._version import __version__
from .graph import unilateral_improvements, unilateral_moves
from .model import Conflict
from .reach import _NEG, SANCTION_RULES, _check_sanction_rule, _sanction_min, reachable_min

__all__ = ["ALL_CONCEPTS", "CONCEPTS", "CONCEPT_LABELS", "SANCTION_RULES", "StabilityResult",
           "reachable_min", "stability_solve"]

CONCEPTS = ("nash", "gmr", "smr", "seq")
"""The concepts computed by default."""
ALL_CONCEPTS = CONCEPTS + ("sim", "seqsim")
"""Every concept :func:`stability_solve` computes on request: also simultaneous stability (SIM)
and SEQ+SIM (:mod:`detente.stability.simultaneous`), whose cost grows with the product of the
opponents' numbers of moves."""
CONCEPT_LABELS = {"nash": "Nash", "gmr": "GMR", "smr": "SMR", "seq": "SEQ", "sim": "SIM",
                  "seqsim": "SEQ+SIM"}
"""How each concept is written in prose."""


class StableStates:
    """Queries shared by stability results: ``stable[concept]`` is (n_dms, n_states) bools over
    ``states``, rows in ``decision_makers`` order."""

    stable: dict[str, np.ndarray]
    states: tuple[str, ...]
    decision_makers: tuple[str, ...]

    def equilibrium_mask(self, concept: str) -> np.ndarray:
        return self.stable[concept].all(axis=0)

    def _named(self, mask: np.ndarray) -> tuple[str, ...]:
        states = self.states
        return tuple(states[j] for j in np.flatnonzero(mask).tolist())

    def _dm(self, dm: str | int) -> int:
        return self.decision_makers.index(dm) if isinstance(dm, str) else dm

    def equilibria(self, concept: str) -> tuple[str, ...]:
        """States stable for every DM under ``concept``."""
        return self._named(self.equilibrium_mask(concept))

    def stable_states(self, concept: str, dm: str | int) -> tuple[str, ...]:
        return self._named(self.stable[concept][self._dm(dm)])

    def _per_dm(self, query: Callable[[str, int], tuple[str, ...]], concepts: Iterable[str]
                ) -> dict[str, dict[str, list[str]]]:
        """``{concept: {dm: [state, ...]}}`` of a per-DM query such as :meth:`stable_states`:
        the form every result's ``to_dict`` gives."""
        return {c: {d: list(query(c, i)) for i, d in enumerate(self.decision_makers)}
                for c in concepts}

    @staticmethod
    def _listed(query: Callable[[str], tuple[str, ...]], concepts: Iterable[str]
                ) -> dict[str, list[str]]:
        """``{concept: [state, ...]}`` of a query such as :meth:`equilibria`."""
        return {c: list(query(c)) for c in concepts}


@dataclass(frozen=True, eq=False)
class StabilityResult(StableStates):
    """Stable states per DM and equilibria per concept, and how they were computed.

    ``stable[concept]`` is a read-only bool array (n_dms, n_states) over :attr:`states` (option
    vectors in the conflict's option order, feasible states by ascending bitmask).
    """

    decision_makers: tuple[str, ...]
    states: tuple[str, ...]
    concepts: tuple[str, ...]
    sanction_rule: str
    stable: dict[str, np.ndarray] = field(repr=False)
    fingerprint: str
    version: str = __version__
    method: str = "gmcr_stability"
    seconds: float = field(default=0.0, compare=False)
    sim_responses: str = "improvements"

    def to_dict(self) -> dict[str, Any]:
        extra = {"sim_responses": self.sim_responses} \
            if {"sim", "seqsim"} & set(self.concepts) else {}
        return {
            "method": self.method,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "sanction_rule": self.sanction_rule,
            "concepts": list(self.concepts),
            "decision_makers": list(self.decision_makers),
            "states": list(self.states),
            "stable_states": self._per_dm(self.stable_states, self.concepts),
            "equilibria": self._listed(self.equilibria, self.concepts),
            "seconds": self.seconds,
            **extra,
        }


def _least_sanction(conflict: Conflict, i: int, values: np.ndarray, sanction_rule: str, *,
                    responses: Literal["moves", "improvements"] = "moves") -> np.ndarray:
    """The sanction test of GMR, SMR and SEQ (and of their strong forms,
    :mod:`detente.stability.strength`) for DM ``i``, every state at once: per state ``s``, the
    highest over ``i``'s unilateral improvements ``s1`` from ``s`` of the least of ``values``
    ((n,) or (n, c)) over the states the other DMs reach from ``s1`` by a legal sequence of their
    moves (``responses="improvements"``: of their unilateral improvements, as under SEQ);
    ``int64 min`` where ``i`` has no improvement. ``s`` is stable when it is at most ``P_i(s)``
    (strongly stable: below, with ``values`` the payoffs of the states ``s`` is strongly
    preferred to)."""
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    others = [j for j in range(len(conflict.decision_makers)) if j != i]
    if responses == "improvements":
        m = reachable_min(values, [imps[j] for j in others], sanction_rule)
    elif sanction_rule == "textbook":  # linear time when the opponents' options are
        m = _sanction_min(conflict, values, others, moves)  # reversible (the same verdicts)
    else:
        m = reachable_min(values, [moves[j] for j in others], sanction_rule)
    return imps[i].max_over(m, _NEG)  # the least sanctionable improvement


def stability_solve(conflict: Conflict, *, concepts: Sequence[str] = CONCEPTS,
                    sanction_rule: Literal["textbook", "gmcrplus"] = "textbook",
                    sim_responses: Literal["improvements", "moves"] = "improvements"
                    ) -> StabilityResult:
    """Stability of every feasible state for every DM under the given concepts (any of
    :data:`ALL_CONCEPTS`; ``sim_responses``: what the opponents may do simultaneously under SIM
    and SEQ+SIM, see :mod:`detente.stability.simultaneous`).

    >>> from detente.stability.model import Conflict
    >>> pd = Conflict.from_dict({
    ...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
    ...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
    ...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
    >>> r = stability_solve(pd)
    >>> r.equilibria("nash"), r.equilibria("gmr")
    (('NN',), ('NN', 'YY'))
    """
    t0 = time.perf_counter()
    concepts = tuple(concepts)
    bad = [c for c in concepts if c not in ALL_CONCEPTS]
    if bad:
        raise ValueError(f"unknown concepts {bad}; choose from {ALL_CONCEPTS}")
    _check_sanction_rule(sanction_rule)
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    pay = conflict.payoffs
    n_dm, n = pay.shape
    out = {c: np.zeros((n_dm, n), dtype=bool) for c in concepts if c in CONCEPTS}
    if "seqsim" in concepts and "seq" not in out:
        out["seq"] = np.zeros((n_dm, n), dtype=bool)  # a part of SEQ+SIM, dropped below
    for i in range(n_dm):
        p = pay[i]
        if "nash" in out:
            out["nash"][i] = imps[i].out_degree() == 0
        cols = []
        if "gmr" in out:
            cols.append(p)
        if "smr" in out:  # an s2 from which i cannot climb back above the start
            cols.append(np.maximum(p, moves[i].max_over(p, _NEG)))
        if cols:
            ok = _least_sanction(conflict, i, np.stack(cols, axis=1), sanction_rule) <= p[:, None]
            for c, col in zip([c for c in ("gmr", "smr") if c in out], ok.T):
                out[c][i] = col
        if "seq" in out:
            out["seq"][i] = _least_sanction(conflict, i, p, sanction_rule,
                                            responses="improvements") <= p
    if "sim" in concepts or "seqsim" in concepts:
        from .simultaneous import simultaneous_stable

        sim = simultaneous_stable(conflict, sim_responses)
        if "seqsim" in concepts:
            out["seqsim"] = out["seq"] | sim
        if "sim" in concepts:
            out["sim"] = sim
    out = {c: out[c] for c in concepts}
    for a in out.values():
        a.setflags(write=False)
    return StabilityResult(
        decision_makers=conflict.decision_makers, states=conflict.state_names, concepts=concepts,
        sanction_rule=sanction_rule, stable=out, fingerprint=conflict.fingerprint,
        seconds=time.perf_counter() - t0, sim_responses=sim_responses)
