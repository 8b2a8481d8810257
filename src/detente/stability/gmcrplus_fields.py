"""The fields of a GMCR+ save file, read one at a time, every problem kept for one report.

:func:`~detente.stability.gmcrplus.parse_gmcr` reads the file's shape and calls these for the
parts with rules of their own: conditions (:func:`_condition`: lists of ``[option index, "Y" |
"N"]`` pairs and or-groups), manual preference rankings (:func:`_ranking`: 1-based state ids,
ties as nested lists), what GMCR+ derived from the preferences when it saved the file
(:func:`_check_derived`: it must order the states as detente's own ranking does) and the
``coalitions`` list (:func:`_coalitions`). Each adds its problems, with the JSON path, to a
:class:`_Collector`, which raises them all at once as a :class:`~detente.errors.ScenarioError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import Problem, ScenarioError
from .conditions import All, AnyOf, Condition, Lit
from .model import Conflict, dense_rank

__all__: list[str] = []


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, hint: str | None = None,
            line: int | None = None, column: int | None = None) -> None:
        self.problems.append(Problem(line, column, path, message, hint, file=self.file))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems, file=self.file)


def _unknown_keys(obj: dict, known: tuple[str, ...], where: str, col: _Collector) -> None:
    for key in obj:
        if key not in known:
            col.add(f"{where}.{key}" if where else str(key),
                    f"detente does not understand the GMCR+ field {key!r}, so it cannot honour "
                    "it", "detente reads " + ", ".join(repr(k) for k in known)
                    + f"; remove {key!r} if the analysis does not depend on it, or convert the "
                    "conflict to a detente scenario (`conflict` section) that says what it "
                    "means")


def _check_derived(given: Any, ours: np.ndarray, where: str, conflict: Conflict,
                   col: _Collector) -> None:
    """A ranking GMCR+ computed and saved must order the states as detente's own does."""
    n = conflict.n_states
    hint = ("GMCR+ recomputes this from the preferences when it opens the file, and so does "
            "detente: delete the field if the preferences are what you mean, or re-save the "
            "file from GMCR+")
    if not (isinstance(given, list) and len(given) == n
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given)):
        col.add(where, f"expected one number per feasible state ({n}), got "
                + (f"{len(given)} values" if isinstance(given, list) else repr(given)), hint)
        return
    theirs = dense_rank(np.asarray(given, dtype=float))
    if not np.array_equal(theirs, ours):
        a, b = _first_disagreement(theirs, ours)
        names = conflict.state_names
        word = {1: "above", 0: "level with", -1: "below"}
        col.add(where, f"disagrees with the decision maker's preferences: it puts state "
                f"{a + 1} ({names[a]}) {word[int(np.sign(theirs[a] - theirs[b]))]} state "
                f"{b + 1} ({names[b]}), the preferences put it "
                f"{word[int(np.sign(ours[a] - ours[b]))]}", hint)


def _first_disagreement(x: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    for a in range(x.size):
        bad = np.flatnonzero(np.sign(x - x[a]) != np.sign(y - y[a]))
        if bad.size:
            return a, int(bad[0])
    return 0, 0


def _coalitions(data: dict, dm_names: list[str], col: _Collector) -> None:
    """GMCR+'s ``coalitions``, read as GMCR+ reads it: every DM alone is what detente analyses;
    a list that leaves some DM out is ignored by GMCR+ (it analyses each DM alone; GMCR+ 0.3.4
    saved only the first DM), so it is too unless it groups DMs; groups are refused."""
    raw = data.get("coalitions")
    if raw is None:
        return
    n = len(dm_names)
    hint_alone = (f"write \"coalitions\": {list(range(n))} (each decision maker alone) or "
                  "remove the field")
    if not isinstance(raw, list):
        col.add("coalitions", f"must be a list of decision-maker indices, got {raw!r}",
                hint_alone)
        return
    seen: dict[int, int] = {}
    groups: list[tuple[int, list[int]]] = []
    for j, c in enumerate(raw):
        members = c if isinstance(c, list) else [c]
        if not members or not all(_is_index(m, n) for m in members):
            col.add(f"coalitions[{j}]", f"{c!r} is not a decision-maker index or a list of them "
                    f"(0..{n - 1})", hint_alone)
            continue
        for m in members:
            if m in seen:
                col.add(f"coalitions[{j}]", f"decision maker {m} ({dm_names[m]!r}) is listed "
                        f"twice (also in coalitions[{seen[m]}])", hint_alone)
            seen[m] = j
        if len(set(members)) > 1:
            groups.append((j, members))
    missing = [m for m in range(n) if m not in seen]
    for j, members in groups:
        who = " and ".join(repr(dm_names[m]) for m in members)
        if missing:
            col.add(f"coalitions[{j}]", f"groups {who}, but the list leaves out decision "
                    "maker" + ("s " if len(missing) > 1 else " ")
                    + ", ".join(f"{m} ({dm_names[m]!r})" for m in missing)
                    + ": GMCR+ then ignores the whole list and analyses each decision maker "
                    "alone, so what the grouping means is unclear", hint_alone)
        else:
            col.add(f"coalitions[{j}]", f"GMCR+ analyses {who} as one decision maker (a "
                    "coalition); detente does not merge decision makers, so it cannot "
                    "reproduce that analysis",
                    "detente analyses every coalition itself (`detente stability` reports "
                    "coalition Nash and GMR stability, Kilgour et al. 2001); to analyse the "
                    "decision makers separately " + hint_alone[0].lower() + hint_alone[1:])


def _is_index(v: Any, k: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < k


_COND_HINT = ("a condition is a list of [option index, \"Y\" or \"N\"] pairs, e.g. "
              "[[0, \"Y\"], [2, \"N\"]]; an or-group is {\"compound\": true, \"members\": "
              "[condition, ...]}")


def _condition(c: Any, where: str, k: int, perm: dict[int, int], col: _Collector
               ) -> Condition | None:
    if isinstance(c, dict):
        _unknown_keys(c, ("compound", "members"), where, col)
        members = c.get("members")
        if not isinstance(members, list) or not members:
            col.add(where, "an or-group needs a non-empty 'members' list", _COND_HINT)
            return None
        terms = [_condition(m, f"{where}.members[{j}]", k, perm, col)
                 for j, m in enumerate(members)]
        return None if any(t is None for t in terms) else AnyOf(tuple(terms))  # type: ignore
    if not isinstance(c, list) or not c:
        col.add(where, f"cannot read condition {c!r}", _COND_HINT)
        return None
    if all(isinstance(m, list) and m and isinstance(m[0], list) for m in c):
        # a list of conditions: an or-group written as nested lists
        terms = [_condition(m, f"{where}[{j}]", k, perm, col) for j, m in enumerate(c)]
        return None if any(t is None for t in terms) else AnyOf(tuple(terms))  # type: ignore
    lits = []
    ok = True
    named: dict[int, int] = {}
    for j, pair in enumerate(c):
        if not (isinstance(pair, list) and len(pair) == 2):
            col.add(f"{where}[{j}]", f"expected an [option index, \"Y\"|\"N\"] pair, got "
                    f"{pair!r}", _COND_HINT)
            ok = False
            continue
        oi, v = pair
        if not _is_index(oi, k):
            col.add(f"{where}[{j}][0]", f"{oi!r} is not an option index",
                    f"use an integer 0..{k - 1} (position in 'options')")
            ok = False
        if v not in ("Y", "N"):
            col.add(f"{where}[{j}][1]", f"option value must be \"Y\" or \"N\", got {v!r}",
                    "write \"Y\" (taken) or \"N\" (not taken)")
            ok = False
        if ok and oi in named:
            col.add(f"{where}[{j}]", f"option {oi} is named twice in one condition (also at "
                    f"{where}[{named[oi]}])", "keep one [option index, \"Y\"|\"N\"] pair per "
                    "option: GMCR+ itself reads such a condition two ways (the last value for "
                    "infeasible states and misperceptions, never true for preferences)")
            ok = False
        if ok:
            named[oi] = j
            lits.append(Lit(perm[oi], v == "Y"))
    return All(tuple(lits)) if ok else None


def _ranking(ranking: Any, where: str, base: Conflict, col: _Collector
             ) -> tuple[tuple[int, float], ...] | None:
    n = base.n_states
    hint = (f"list every feasible state id 1..{n} exactly once, most preferred first; "
            "ties as a nested list, e.g. [3, [1, 2], 4]")
    if not isinstance(ranking, list):
        col.add(where, "manual preference ranking is missing", hint)
        return None
    seen: dict[int, str] = {}
    pay = []
    for g, grp in enumerate(ranking):
        members = grp if isinstance(grp, list) else [grp]
        for j, sid in enumerate(members):
            at = f"{where}[{g}]" + (f"[{j}]" if isinstance(grp, list) else "")
            if not (isinstance(sid, int) and not isinstance(sid, bool) and 1 <= sid <= n):
                col.add(at, f"{sid!r} is not a feasible state id (1..{n})", hint)
            elif sid in seen:
                col.add(at, f"state {sid} appears twice (first at {seen[sid]})", hint)
            else:
                seen[sid] = at
                pay.append((int(base.feasible[sid - 1]), float(len(ranking) - g)))
    missing = [s for s in range(1, n + 1) if s not in seen]
    if missing:
        col.add(where, f"states {missing[:8]} are missing from the ranking", hint)
    return tuple(pay) if len(pay) == n and not missing else None
