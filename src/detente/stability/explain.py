"""Why a state is stable or unstable for a DM under a stability concept, in words and as data.

For state ``s``, DM ``i`` and a concept, the explanation lists ``i``'s unilateral improvements
from ``s``; for each it gives either the *sanction* that deters it — a shortest legal sequence of
the opponents' moves (improvements only, for SEQ) from the improved state to a state ``i`` does not
prefer to ``s`` (for SMR, one from which ``i`` also cannot counter-move above ``s``) — or, when no
sanction exists, every state the opponents can reach in response, all of which ``i`` still prefers
to ``s``. Nash stability ignores sanctions: any improvement makes ``s`` Nash-unstable.

>>> from detente.stability.model import Conflict
>>> pd = Conflict.from_dict({
...     "options": [{"name": "Cooperate", "owner": "A"}, {"name": "Cooperate", "owner": "B"}],
...     "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
...                         {"name": "B", "priorities": ["Y-", "-N"]}]})
>>> e = explain(pd, "YY", "A", "gmr")
>>> e.stable
True
>>> print(e.text())
YY is GMR-stable for A: its one improvement is deterred.
- A can move from YY to NY (drops Cooperate), which A prefers. Sanction: B moves from NY to NN (drops Cooperate); A does not prefer NN to YY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .concepts import _NEG, CONCEPT_LABELS, CONCEPTS
from .graph import unilateral_improvements, unilateral_moves
from .model import Conflict, parse_state
from .sequences import Step, legal_paths, legal_reach

__all__ = ["Explanation", "describe_move", "explain"]


def describe_move(conflict: Conflict, a: int, b: int) -> str:
    """The option changes between two state bitmasks, e.g. ``"takes Blockade, drops Strike"``."""
    parts = []
    for k, o in enumerate(conflict.options):
        x, y = a >> k & 1, b >> k & 1
        if x != y:
            parts.append(("takes " if y else "drops ") + o.name)
    return ", ".join(parts)


@dataclass(frozen=True, eq=False)
class Explanation:
    """``improvements``: one dict per unilateral improvement of the DM from the state, with keys
    ``to``, ``changes``, ``deterred``, ``sanction`` (list of step dicts, or ``None``),
    ``sanction_state``, ``responses`` (opponents' reachable states when not deterred; the first
    ``max_responses`` of them) and ``responses_total`` (how many there are)."""

    state: str
    dm: str
    concept: str
    sanction_rule: str
    stable: bool
    improvements: list[dict[str, Any]] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "dm": self.dm, "concept": self.concept,
                "sanction_rule": self.sanction_rule, "stable": self.stable,
                "improvements": self.improvements}

    def text(self) -> str:
        label = CONCEPT_LABELS[self.concept]
        n = len(self.improvements)
        if n == 0:
            head = f"{self.state} is {label}-stable for {self.dm}: {self.dm} has no unilateral " \
                   f"improvement from it."
        elif self.stable:
            head = (f"{self.state} is {label}-stable for {self.dm}: "
                    + ("its one improvement is" if n == 1 else f"all {n} improvements are")
                    + " deterred.")
        else:
            bad = sum(not d["deterred"] for d in self.improvements)
            head = (f"{self.state} is {label}-unstable for {self.dm}: {bad} of {n} "
                    f"improvement{'s' if n != 1 else ''} cannot be deterred.")
        lines = [head]
        for d in self.improvements:
            line = (f"- {self.dm} can move from {self.state} to {d['to']} ({d['changes']}), "
                    f"which {self.dm} prefers.")
            if d["deterred"]:
                steps = "; then ".join(f"{s['dm']} moves from {s['from']} to {s['to']} "
                                       f"({s['changes']})" for s in d["sanction"])
                line += (f" Sanction: {steps}; {self.dm} does not prefer {d['sanction_state']} "
                         f"to {self.state}.")
                if self.concept == "smr":
                    line += f" From there {self.dm} cannot move back above {self.state}."
            elif self.concept == "nash":
                line += " Nash stability considers no sanctions."
            elif not d.get("responses_total", len(d["responses"])):
                line += " The opponents have no response."
            else:
                more = d.get("responses_total", len(d["responses"])) - len(d["responses"])
                listed = ", ".join(d["responses"])
                listed = (f"{listed} … and {more} more" if listed else f"{more} of them") \
                    if more else listed
                line += (f" Every response of the opponents ({listed}) leaves {self.dm} "
                         f"better off than at "
                         f"{self.state}" + (" or able to move back above it"
                                            if self.concept == "smr" else "") + ".")
            lines.append(line)
        return "\n".join(lines)


def explain(conflict: Conflict, state: str | int, dm: str | int, concept: str = "gmr", *,
            sanction_rule: Literal["textbook", "gmcrplus"] = "textbook",
            max_responses: int | None = None) -> Explanation:
    """Explain the stability of ``state`` (option vector or bitmask) for ``dm`` (name or
    index) under ``concept``; agrees with :func:`~detente.stability.stability_solve`.
    ``max_responses``: list at most this many of the opponents' responses to an improvement
    that cannot be deterred (``responses_total`` counts them all)."""
    if concept not in CONCEPTS:
        raise ValueError(f"unknown concept {concept!r}; choose from {CONCEPTS}")
    dms = conflict.decision_makers
    i = dms.index(dm) if isinstance(dm, str) else int(dm)
    s = int(conflict.index_of[parse_state(state, conflict.n_options)])
    if s < 0:
        raise ValueError(f"state {state!r} is not feasible")
    moves = unilateral_moves(conflict)
    imps = unilateral_improvements(conflict, moves)
    pay = conflict.payoffs[i]
    names, bits = conflict.state_names, conflict.feasible
    opp = [j for j in range(len(dms)) if j != i]
    graphs = [(imps if concept == "seq" else moves)[j] for j in opp]

    def step_dict(st: Step) -> dict[str, str]:
        k, a, b = st
        return {"dm": dms[k], "from": names[a], "to": names[b],
                "changes": describe_move(conflict, int(bits[a]), int(bits[b]))}

    # the states that would deter: i does not prefer them to s (for SMR: nor can it move from
    # them to a state it prefers to s)
    deters = pay <= pay[s]
    if concept == "smr":
        deters &= moves[i].max_over(pay, _NEG) <= pay[s]

    out = []
    for s1 in imps[i].targets(s).tolist():
        d: dict[str, Any] = {"to": names[s1],
                             "changes": describe_move(conflict, int(bits[s]), int(bits[s1])),
                             "deterred": False, "sanction": None, "sanction_state": None,
                             "responses": [], "responses_total": 0}
        if concept != "nash":
            can = legal_reach(s1, graphs, sanction_rule)
            if (can & deters).any():  # the nearest deterring states, with their sequences
                reach = legal_paths(s1, graphs, opp, sanction_rule, stop=can & deters)
                ok = [t for t in reach if deters[t]]
                t = min(ok, key=lambda t: (len(reach[t]), pay[t], t))
                d.update(deterred=True, sanction=[step_dict(st) for st in reach[t]],
                         sanction_state=names[t])
            else:
                where = np.flatnonzero(can)
                d["responses"] = [names[t] for t in where[:max_responses].tolist()]
                d["responses_total"] = int(where.size)
        out.append(d)
    return Explanation(state=names[s], dm=dms[i], concept=concept, sanction_rule=sanction_rule,
                       stable=all(d["deterred"] for d in out), improvements=out)
