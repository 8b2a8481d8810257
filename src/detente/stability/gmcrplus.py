"""Import GMCR+ (gmcr-py) save files (``.gmcr``) as a :class:`~detente.stability.model.Conflict`.

A save file is JSON::

    {"options": [{"name": ..., "permittedDirection": "both" | "fwd" | "back"}, ...],
     "decisionMakers": [{"name": ..., "options": [option index, ...],
                         "preferences": [condition, ...],        # most important first
                         "preferenceRanking": [state id or [ids...], ...]}],   # when manual
     "infeasibles": [condition, ...],
     "useManualPreferenceRanking": bool}      # older files: "useManualPreferenceVectors",
                                              # and "preferenceVector" for the ranking

A *condition* is a list of ``[option index, "Y" | "N"]`` pairs (all must hold); an or-group is
``{"compound": true, "members": [condition, ...]}`` or, equivalently, a list of conditions.

Like gmcr-py, options are reordered by owner (decision makers in order, each one's options in its
listed order) before states are numbered; state ids in a manual ranking are 1-based positions of
feasible states sorted by bitmask in that order — detente's own state order. Conditions refer to
options by their index in the file's ``options`` list.

Every problem is reported at once as a :class:`~detente.errors.ScenarioError` whose
:class:`~detente.errors.Problem` s name the JSON path (e.g. ``decisionMakers[1].preferences[2]``)
and say how to fix it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from .model import All, AnyOf, Condition, Conflict, Lit, Option, Preference

__all__ = ["load_gmcr", "parse_gmcr"]

_DIRECTIONS = ("both", "fwd", "back")


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


def load_gmcr(path: str | Path) -> Conflict:
    """Read a GMCR+ ``.gmcr`` save file; raises :class:`ScenarioError` for anything malformed."""
    p = Path(path)
    col = _Collector(str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        col.add("", f"cannot read the file: {e.__class__.__name__}: {e}",
                "check the path and that it is a GMCR+ save file (UTF-8 JSON)")
        col.raise_if_any()
    return parse_gmcr(text, file=str(p), name=p.stem)


def parse_gmcr(data: str | dict, *, file: str = "<string>", name: str = "") -> Conflict:
    """A conflict from the text (or parsed JSON) of a GMCR+ save file."""
    col = _Collector(file)
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as e:
            col.add("", f"not valid JSON: {e.msg}", "GMCR+ save files are JSON; re-save the "
                    "conflict from GMCR+ or fix the syntax here", e.lineno, e.colno)
            col.raise_if_any()
    if not isinstance(data, dict):
        col.add("", f"expected a JSON object, got {type(data).__name__}",
                "a GMCR+ save file is an object with 'options', 'decisionMakers' and "
                "'infeasibles'")
        col.raise_if_any()
    assert isinstance(data, dict)

    # ------------------------------------------------------------------ options
    raw_opts = data.get("options")
    options: list[tuple[str, str]] = []  # (name, direction) in file order
    if not isinstance(raw_opts, list) or not raw_opts:
        col.add("options", "missing or empty option list",
                "add 'options': [{\"name\": ..., \"permittedDirection\": \"both\"}, ...]")
        raw_opts = []
    for i, o in enumerate(raw_opts):
        where = f"options[{i}]"
        if not isinstance(o, dict) or not isinstance(o.get("name"), str):
            col.add(where, "an option must be an object with a string 'name'",
                    "write {\"name\": \"...\", \"permittedDirection\": \"both\"}")
            options.append((f"option {i}", "both"))
            continue
        d = o.get("permittedDirection", "both")
        if d not in _DIRECTIONS:
            col.add(f"{where}.permittedDirection", f"unknown direction {d!r}",
                    f"use one of {', '.join(_DIRECTIONS)} ('fwd': cannot be withdrawn, "
                    "'back': cannot be re-taken)")
            d = "both"
        options.append((o["name"], d))
    k = len(options)

    # ------------------------------------------------------------------ flags
    manual = data.get("useManualPreferenceRanking", data.get("useManualPreferenceVectors", False))
    if not isinstance(manual, bool):
        col.add("useManualPreferenceRanking", f"must be true or false, got {manual!r}",
                "set it to false to rank states from the priority statements")
        manual = False

    # ------------------------------------------------------------------ decision makers
    raw_dms = data.get("decisionMakers")
    if not isinstance(raw_dms, list) or not raw_dms:
        col.add("decisionMakers", "missing or empty decision-maker list",
                "add 'decisionMakers': [{\"name\": ..., \"options\": [...], "
                "\"preferences\": [...]}, ...]")
        raw_dms = []
    owner: dict[int, str] = {}
    order: list[int] = []  # gmcr-py's option order: by DM, then each DM's listed order
    dm_names: list[str] = []
    dm_data: list[dict] = []
    for i, d in enumerate(raw_dms):
        where = f"decisionMakers[{i}]"
        if not isinstance(d, dict) or not isinstance(d.get("name"), str):
            col.add(where, "a decision maker must be an object with a string 'name'",
                    "write {\"name\": \"...\", \"options\": [0], \"preferences\": []}")
            continue
        if d["name"] in dm_names:
            col.add(f"{where}.name", f"decision maker {d['name']!r} appears twice",
                    "give every decision maker a distinct name")
            continue
        dm_names.append(d["name"])
        dm_data.append(d)
        opts = d.get("options")
        if not isinstance(opts, list):
            col.add(f"{where}.options", "missing list of controlled option indices",
                    f"list the indices (0..{k - 1}) of the options this decision maker controls")
            continue
        for j, oi in enumerate(opts):
            if not _is_index(oi, k):
                col.add(f"{where}.options[{j}]", f"{oi!r} is not an option index",
                        f"use an integer 0..{k - 1} (position in 'options')")
            elif oi in owner:
                if owner[oi] != d["name"]:
                    col.add(f"{where}.options[{j}]",
                            f"option {oi} ({options[oi][0]!r}) is already controlled by "
                            f"{owner[oi]!r}", "each option belongs to exactly one decision maker")
            else:
                owner[oi] = d["name"]
                order.append(oi)
    for oi in range(k):
        if oi not in owner:
            col.add(f"options[{oi}]", f"option {options[oi][0]!r} is controlled by no decision "
                    "maker", "add its index to some decision maker's 'options' list")
    col.raise_if_any()

    # perm[file index] = detente index
    perm = {oi: pos for pos, oi in enumerate(order)}
    new_opts = tuple(Option(options[oi][0], owner[oi], options[oi][1])  # type: ignore[arg-type]
                     for oi in order)

    infeasible = []
    raw_inf = data.get("infeasibles", [])
    if not isinstance(raw_inf, list):
        col.add("infeasibles", "must be a list of conditions",
                "write [] or [[[0, \"Y\"], [1, \"Y\"]], ...]")
        raw_inf = []
    for j, c in enumerate(raw_inf):
        cond = _condition(c, f"infeasibles[{j}]", k, perm, col)
        if cond is not None:
            infeasible.append(cond)

    statements: list[list[Condition]] = []
    for i, d in enumerate(dm_data):
        where = f"decisionMakers[{i}].preferences"
        prefs = d.get("preferences", [])
        stm: list[Condition] = []
        if not isinstance(prefs, list):
            col.add(where, "must be a list of conditions (most important first)",
                    "write [] or [[[0, \"Y\"]], {\"compound\": true, \"members\": [...]}]")
            prefs = []
        for j, c in enumerate(prefs):
            cond = _condition(c, f"{where}[{j}]", k, perm, col)
            if cond is not None and cond not in stm:  # gmcr-py drops duplicate statements
                stm.append(cond)
        statements.append(stm)
    col.raise_if_any()

    base = Conflict(tuple(dm_names), new_opts,
                    tuple(Preference(statements=()) for _ in dm_names),
                    tuple(infeasible), str(data.get("name", name)))
    if base.n_states == 0:
        col.add("infeasibles", "every state is infeasible",
                "remove or narrow some infeasible conditions")
        col.raise_if_any()

    prefs_out = []
    for i, d in enumerate(dm_data):
        if not manual:
            prefs_out.append(Preference(statements=tuple(statements[i])))
            continue
        key = "preferenceVector" if "preferenceVector" in d and "preferenceRanking" not in d \
            else "preferenceRanking"
        ranking = d.get(key)
        pay = _ranking(ranking, f"decisionMakers[{i}].{key}", base, col)
        prefs_out.append(Preference(payoffs=pay) if pay is not None
                         else Preference(statements=()))
    col.raise_if_any()
    return Conflict(base.decision_makers, base.options, tuple(prefs_out), base.infeasible,
                    base.name)


def _is_index(v: Any, k: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < k


_COND_HINT = ("a condition is a list of [option index, \"Y\" or \"N\"] pairs, e.g. "
              "[[0, \"Y\"], [2, \"N\"]]; an or-group is {\"compound\": true, \"members\": "
              "[condition, ...]}")


def _condition(c: Any, where: str, k: int, perm: dict[int, int], col: _Collector
               ) -> Condition | None:
    if isinstance(c, dict):
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
        if ok:
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
