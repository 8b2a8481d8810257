"""A conflict's stability analysis as ``detente stability`` reports it, bounded so that it scales.

Besides the stability of every state (:func:`~detente.stability.stability_solve`, which scales
to millions of states), the command explains why the status quo holds for each DM, follows the
unilateral improvements out of it, and analyses coalitions. Those parts grow faster than the
number of states, so by default each is bounded; whatever is bounded is named in
``limits`` — one sentence each, saying what was skipped or cut, why, and :data:`FULL_FLAG`, the
command-line flag that runs it in full (``full=True`` here):

- coalition analysis (every coalition of two or more DMs) is skipped when
  :func:`~detente.stability.coalitions.coalition_cost` exceeds :data:`MAX_COALITION_WORK` word
  operations or :data:`MAX_COALITION_WORDS` words of memory (four DMs with 16 options, 65,536
  states, stay within; 18 options do not);
- the search from the status quo stops adding states at :data:`MAX_STATUS_QUO_STATES`;
- an explanation lists at most :data:`MAX_RESPONSES` of the opponents' responses to an
  improvement they cannot deter (it still counts them all);
- the JSON lists every coalition improvement (a state and a state a coalition can jointly move
  to) up to :data:`MAX_JSON_IMPROVEMENTS` of them; beyond that, only those from the status quo
  and the Nash equilibria, or if those are still too many from the status quo alone (see
  :func:`coalitions_to_dict`).

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> parts = conflict_analysis(pd, "YY")
>>> parts.status_quo_analysis["nash"].equilibria, parts.limits
(('NN',), ())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .coalitions import CoalitionResult, coalition_cost, coalition_solve
from .concepts import StabilityResult
from .explain import Explanation, explain
from .model import Conflict
from .status_quo import StatusQuoResult, status_quo_solve

__all__ = ["FULL_FLAG", "MAX_COALITION_WORDS", "MAX_COALITION_WORK", "MAX_JSON_IMPROVEMENTS",
           "MAX_RESPONSES", "MAX_STATUS_QUO_STATES", "ConflictAnalysis", "coalitions_to_dict",
           "conflict_analysis"]

FULL_FLAG = "--full"
"""The flag of ``detente stability`` that lifts every bound below."""
MAX_COALITION_WORK = 1 << 31
"""Bitset word operations coalition analysis may take by default (about 2 s on one core)."""
MAX_COALITION_WORDS = 1 << 26
"""64-bit words coalition analysis may hold at once by default (512 MB)."""
MAX_STATUS_QUO_STATES = 100_000
MAX_RESPONSES = 100
MAX_JSON_IMPROVEMENTS = 20_000
_WORDS_PER_SECOND = 5e8  # coalition analysis on the benchmark machine (2 cores), for the message


@dataclass(frozen=True, eq=False)
class ConflictAnalysis:
    """What :func:`conflict_analysis` found beyond the stability of every state.

    ``explanations``: per concept (``nash``, ``gmr``), one
    :class:`~detente.stability.explain.Explanation` per DM of why the status quo is (un)stable
    for it; ``status_quo_analysis``: per concept, where unilateral improvements lead from the
    status quo (:class:`~detente.stability.status_quo.StatusQuoResult`); both empty without a
    status quo. ``coalitions``: coalition stability (None with two DMs, or when skipped);
    ``limits``: what was bounded, one sentence each; ``full``: nothing was bounded.
    """

    explanations: Mapping[str, tuple[Explanation, ...]] = field(default_factory=dict,
                                                                repr=False)
    status_quo_analysis: Mapping[str, StatusQuoResult] = field(default_factory=dict, repr=False)
    coalitions: CoalitionResult | None = field(default=None, repr=False)
    limits: tuple[str, ...] = ()
    full: bool = False


def conflict_analysis(engine: Conflict, status_quo: str | None,
                      sanction_rule: Literal["textbook", "gmcrplus"] = "textbook", *,
                      full: bool = False, result: StabilityResult | None = None
                      ) -> ConflictAnalysis:
    """Why the status quo is (un)stable for each DM (Nash and GMR), where unilateral
    improvements lead from it, and coalition stability (conflicts of three or more DMs), as a
    :class:`ConflictAnalysis`. ``result``: the conflict's stability with ``sanction_rule``, if
    already computed (the status-quo search reuses its equilibria)."""
    limits: list[str] = []
    explanations: dict[str, tuple[Explanation, ...]] = {}
    sqa: dict[str, StatusQuoResult] = {}
    coalitions: CoalitionResult | None = None
    if status_quo is not None:
        cut = 0
        for concept in ("nash", "gmr"):
            exps = tuple(explain(engine, status_quo, dm, concept, sanction_rule=sanction_rule,
                                 max_responses=None if full else MAX_RESPONSES)
                         for dm in engine.decision_makers)
            explanations[concept] = exps
            cut += sum(d["responses_total"] > len(d["responses"])
                       for e in exps for d in e.improvements)
            sqa[concept] = status_quo_solve(
                engine, status_quo, concept, sanction_rule=sanction_rule,
                max_states=None if full else MAX_STATUS_QUO_STATES, result=result)
        if any(r.truncated for r in sqa.values()):
            limits.append(
                f"Status-quo search truncated: it stopped adding states at "
                f"{MAX_STATUS_QUO_STATES:,} of {engine.n_states:,}, so equilibria further away "
                f"may be missing; run with {FULL_FLAG} to follow every improvement.")
        if cut:
            limits.append(
                f"Explanations list at most {MAX_RESPONSES} of the opponents' responses to an "
                f"improvement they cannot deter ({cut} such list{'s' if cut > 1 else ''} cut; "
                f"the JSON counts every response); run with {FULL_FLAG} to list them all.")
    if len(engine.decision_makers) > 2:
        held, work = coalition_cost(engine)
        if full or (work <= MAX_COALITION_WORK and held <= MAX_COALITION_WORDS):
            coalitions = coalition_solve(engine)
        else:
            limits.append(
                f"Coalition analysis skipped: every coalition's joint moves over "
                f"{engine.n_states:,} states would take about "
                f"{max(1, round(work / _WORDS_PER_SECOND)):,} s and "
                f"{held * 8 / 2**30:.1f} GB; run with {FULL_FLAG} to analyse them anyway.")
    return ConflictAnalysis(explanations, sqa, coalitions, tuple(limits), full)


def coalitions_to_dict(co: CoalitionResult, *, status_quo: str | None = None,
                       nash: tuple[str, ...] = (), full: bool = False
                       ) -> tuple[dict[str, Any], str | None]:
    """The JSON form of a coalition result without its ``states``, and the ``limits`` line
    when the improvements had to be cut: beyond :data:`MAX_JSON_IMPROVEMENTS` pairs (and
    unless ``full``), each coalition lists the improvements from the status quo and the
    (individual) Nash equilibria ``nash`` only — or from the status quo alone (all of them) if
    those are still more than :data:`MAX_JSON_IMPROVEMENTS`."""
    d = {k: v for k, v in co.to_dict().items() if k != "states"} if full or \
        _pairs(co) <= MAX_JSON_IMPROVEMENTS else None
    if d is not None:
        return d, None
    total = _pairs(co)
    keep_sq = [status_quo] if status_quo is not None else []
    keep = keep_sq + [s for s in nash if s != status_quo]
    said = "the status quo and the Nash equilibria" if keep_sq else "the Nash equilibria"
    if sum(_count(per, keep) for per in co.improvements.values()) > MAX_JSON_IMPROVEMENTS:
        keep, said = keep_sq, "the status quo"
    imp = {" + ".join(h): {s: per[s] for s in keep if s in per}
           for h, per in co.improvements.items()}
    d = co.to_dict(improvements=False)
    d.pop("states", None)
    d["improvements"] = imp
    d["improvements_listed_from"] = said
    line = (f"The JSON lists coalition improvements from {said} only ({total:,} in all, more "
            f"than {MAX_JSON_IMPROVEMENTS:,}); run with {FULL_FLAG} to list them all.")
    return d, line


def _count(per: Any, states: list[str]) -> int:
    if hasattr(per, "count"):
        return int(per.count(states))
    return sum(len(per.get(s, ())) for s in states)


def _pairs(co: CoalitionResult) -> int:
    total = 0
    for per in co.improvements.values():
        pairs = getattr(per, "pairs", None)
        total += int(pairs) if pairs is not None else sum(len(v) for v in per.values())
    return total
