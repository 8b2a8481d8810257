"""Import GMCR+ (gmcr-py) save files (``.gmcr``) as a :class:`~detente.stability.model.Conflict`.

A save file is JSON::

    {"options": [{"name": ..., "permittedDirection": "both" | "fwd" | "back"}, ...],
     "decisionMakers": [{"name": ..., "options": [option index, ...],
                         "preferences": [condition, ...],        # most important first
                         "preferenceRanking": [state id or [ids...], ...],   # when manual
                         "misperceptions": [condition, ...],     # states the DM cannot see
                         "payoffs": [number per feasible state]}],          # derived
     "infeasibles": [condition, ...],
     "useManualPreferenceRanking": bool,      # older files: "useManualPreferenceVectors",
                                              # and "preferenceVector" for the ranking
     "coalitions": [DM index or [DM indices], ...],
     "coalitionsFull": [...], "program": "gmcr-py", "version": ...}

Every field is either honoured or refused with a located error — none is silently dropped:

- ``misperceptions`` (GMCR+ 0.3.12+, its light hypergame): the feasible states matching any of
  a DM's conditions are invisible to that DM; as in GMCR+ the DM has no move from or to such a
  state (its preferences and the other DMs' moves are unchanged). See
  :attr:`~detente.stability.model.Conflict.misperceptions`.
- ``coalitions``: GMCR+ analyses each listed group as one decision maker. Each DM alone (GMCR+'s
  default, ``[0, 1, ...]``) is read; a group of two or more DMs is refused (detente keeps the
  DMs separate and analyses every coalition itself, Kilgour et al. 2001). A list that leaves a
  DM out is ignored, as GMCR+ ignores it (GMCR+ 0.3.4 saved only ``[0]``), unless it groups
  DMs; an index out of range or listed twice is refused (GMCR+ cannot open such a file).
- ``payoffs`` and, when the ranking is computed from the statements, ``preferenceRanking``
  (or an old file's ``preferenceVector`` beside a ``preferenceRanking``): what GMCR+ computed
  from the preferences when it saved the file (GMCR+ recomputes them when it opens it). detente checks that they order the states as its own ranking does and refuses
  the file when they do not (someone edited one without the other).
- ``coalitionsFull`` (GMCR+'s display copy of the coalitions, never read back by GMCR+),
  ``program``, ``version`` and ``name``: informational.
- Any other field is refused, naming it.

A *condition* is a list of ``[option index, "Y" | "N"]`` pairs (all must hold); an or-group is
``{"compound": true, "members": [condition, ...]}`` or, equivalently, a list of conditions.

Like gmcr-py, options are reordered by owner (decision makers in order, each one's options in its
listed order) before states are numbered; state ids in a manual ranking are 1-based positions of
feasible states sorted by bitmask in that order — detente's own state order. Conditions refer to
options by their index in the file's ``options`` list.

Every problem is reported at once as a :class:`~detente.errors.ScenarioError` whose
:class:`~detente.errors.Problem` s name the JSON path (e.g. ``decisionMakers[1].preferences[2]``)
and say how to fix it. The readers of single fields (conditions, rankings, derived
values, coalitions) are in :mod:`~detente.stability.gmcrplus_fields`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .conditions import Condition
from .gmcrplus_fields import (
    _check_derived,
    _coalitions,
    _Collector,
    _condition,
    _is_index,
    _ranking,
    _unknown_keys,
)
from .model import Conflict, Option, Preference

__all__ = ["load_gmcr", "parse_gmcr"]

_DIRECTIONS = ("both", "fwd", "back")
_TOP_KEYS = ("options", "decisionMakers", "infeasibles", "useManualPreferenceRanking",
             "useManualPreferenceVectors", "coalitions", "coalitionsFull", "program", "version",
             "name")
_OPTION_KEYS = ("name", "permittedDirection")
_DM_KEYS = ("name", "options", "preferences", "preferenceRanking", "preferenceVector",
            "misperceptions", "payoffs")


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
    _unknown_keys(data, _TOP_KEYS, "", col)

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
        _unknown_keys(o, _OPTION_KEYS, where, col)
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
        _unknown_keys(d, _DM_KEYS, where, col)
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

    misperceptions: list[tuple[Condition, ...]] = []
    for i, d in enumerate(dm_data):
        where = f"decisionMakers[{i}].misperceptions"
        raw = d.get("misperceptions", [])
        if not isinstance(raw, list):
            col.add(where, "must be a list of conditions (the states this decision maker does "
                    "not perceive)", "write [] or [[[0, \"Y\"], [1, \"N\"]], ...]")
            raw = []
        conds = [_condition(c, f"{where}[{j}]", k, perm, col) for j, c in enumerate(raw)]
        misperceptions.append(tuple(c for c in conds if c is not None))
    _coalitions(data, dm_names, col)

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
    used: list[str | None] = []  # the manual ranking each DM's preference is read from
    for i, d in enumerate(dm_data):
        key = "preferenceVector" if "preferenceVector" in d and "preferenceRanking" not in d \
            else "preferenceRanking"
        used.append(key if manual else None)
        if not manual:
            prefs_out.append(Preference(statements=tuple(statements[i])))
            continue
        ranking = d.get(key)
        pay = _ranking(ranking, f"decisionMakers[{i}].{key}", base, col)
        prefs_out.append(Preference(payoffs=pay) if pay is not None
                         else Preference(statements=()))
    col.raise_if_any()
    out = Conflict(base.decision_makers, base.options, tuple(prefs_out), base.infeasible,
                   base.name, tuple(misperceptions) if any(misperceptions) else ())
    for i, d in enumerate(dm_data):  # what GMCR+ derived from the preferences when it saved
        ours = out.payoffs[i]
        if "payoffs" in d:
            _check_derived(d["payoffs"], ours, f"decisionMakers[{i}].payoffs", out, col)
        for key in ("preferenceRanking", "preferenceVector"):
            if key in d and key != used[i]:
                pay = _ranking(d[key], f"decisionMakers[{i}].{key}", base, col)
                if pay is not None:
                    given = np.empty(base.n_states)
                    given[base.index_of[np.array([p for p, _ in pay])]] = [v for _, v in pay]
                    _check_derived(given.tolist(), ours, f"decisionMakers[{i}].{key}", out, col)
    col.raise_if_any()
    return out
