"""Cross-reference checks of a scenario's ``questions``, on the raw data.

A question's ``when`` is a condition tree (``all``/``any``/``not`` over leaves such as
``concluded``, ``outcome``, ``unilateral`` or ``equilibrium``); :func:`check_questions` walks
every tree and checks what its leaves name against the rest of the file, and that no question
asks about a month after the process horizon.
"""

from __future__ import annotations

import math
from typing import Any

from .conflict_checks import check_state
from .located import did_you_mean
from .questions import ENSEMBLE
from .raw import _dict, _items, _num

__all__ = ["check_questions"]


def check_questions(data: dict[str, Any], add, ref, actors, issues, tables, conflict,
                    models: tuple[str, ...]) -> None:
    """Report every cross-reference problem of the ``questions``: months past the process
    horizon, and in each question's condition unknown actors, issues, tables, partial
    agreements, unilateral moves, forecast sources and conflict states (``conflict``: what
    :func:`~detente.scenario.conflict_checks.check_conflict` returned)."""
    hz = _dict(data.get("process")).get("horizon")
    if isinstance(hz, int) and not isinstance(hz, bool):
        for q, qu in enumerate(_items(data.get("questions"))):
            need = _months_of(_dict(qu).get("when"))
            if need > hz:
                add(("questions", q, "when"), f"asks about month {need:g}, after the process "
                    f"horizon (process.horizon: {hz})",
                    f"set process.horizon to at least {math.ceil(need)}, or leave it out (it "
                    "then covers every question)")
    for q, qu in enumerate(_items(data.get("questions"))):
        _check_pred(_dict(qu).get("when"), ("questions", q, "when"), add, ref, actors, issues,
                    tables, conflict, "conflict" in data, data, models)


def _months_of(p: Any) -> float:
    """The latest month a raw condition asks about (0 where it names none)."""
    if not isinstance(p, dict) or len(p) != 1:
        return 0.0
    (kind, args), = p.items()
    if kind in ("all", "any"):
        return max((_months_of(x) for x in _items(args)), default=0.0)
    if kind == "not":
        return _months_of(args)
    args = _dict(args)
    vals = [args.get(k) for k in ("by_month", "at_month")]
    return max((float(v) for v in vals if _num(v) is not None), default=0.0)


def _check_pred(p: Any, path, add, ref, actors, issues, tables, conflict, has_conflict, data,
                models) -> None:
    if not isinstance(p, dict) or len(p) != 1:
        return
    (kind, args), = p.items()
    if kind in ("all", "any"):
        for i, sub in enumerate(_items(args)):
            _check_pred(sub, path + (kind, i), add, ref, actors, issues, tables, conflict,
                        has_conflict, data, models)
        return
    if kind == "not":
        _check_pred(args, path + ("not",), add, ref, actors, issues, tables, conflict,
                    has_conflict, data, models)
        return
    args = _dict(args)
    data = data if data is not None else {}
    here = path + (kind,)
    if "table" in args:
        ref(here + ("table",), args["table"], "table", tables)
    if "actor" in args:
        ref(here + ("actor",), args["actor"], "actor", actors)
    if "issue" in args:
        ref(here + ("issue",), args["issue"], "issue", issues)
    if kind in ("concluded", "in_force", "lapsed") and isinstance(args.get("partial"), str):
        parts = {pa.get("id"): pa.get("table") for pa in map(_dict, _items(
            _dict(data.get("process")).get("partials")))}
        name, tid = args["partial"], args.get("table")
        if name not in parts:
            add(here + ("partial",), f"{name!r} is not a partial agreement of "
                "`process.partials`", "defined: " + (", ".join(map(str, parts)) or "(none)"))
        elif isinstance(tid, str) and parts[name] != tid:
            add(here + ("partial",), f"partial agreement {name!r} belongs to table "
                f"{parts[name]!r}, not {tid!r}", f"use table: {parts[name]}")
    if kind == "concluded":
        for iid in _dict(args.get("terms")):
            ref(here + ("terms", iid), iid, "issue", issues, key=True)
            t = _dict(_dict(args.get("terms")).get(iid))
            if t.get("at_least") is None and t.get("at_most") is None:
                add(here + ("terms", iid), "a term needs at_least, at_most or both",
                    "e.g. {sanctions_relief: {at_least: 50}}")
    if kind == "unilateral":
        moves = {(u.get("actor"), u.get("issue")) for u in map(_dict, _items(
            _dict(data.get("process")).get("unilateral")))}
        if (args.get("actor"), args.get("issue")) not in moves and isinstance(
                args.get("actor"), str) and isinstance(args.get("issue"), str):
            add(here, f"{args.get('actor')!r} has no unilateral move on {args.get('issue')!r}",
                "declare it under process.unilateral (actor, issue, range, step)")
        if args.get("at_least") is None and args.get("at_most") is None:
            add(here, "a unilateral condition needs at_least, at_most or both",
                "e.g. {actor: us, issue: sanctions_relief, at_most: 15, by_month: 6}")
    if kind == "outcome":
        src = args.get("source", "compromise")
        if (isinstance(src, str) and src not in models and src != ENSEMBLE
                and src not in tables):
            options = [*models, ENSEMBLE, *tables]
            guess = did_you_mean(src, options)
            add(here + ("source",), f"{src!r} is neither a forecast model, the ensemble nor "
                                    "a table",
                (f"did you mean {guess!r}? " if guess else "") + "choose one of: "
                + ", ".join(options))
        if args.get("at_least") is None and args.get("at_most") is None:
            add(here, "an outcome condition needs at_least, at_most or both",
                "e.g. {issue: territory, at_least: 60}")
    if kind == "equilibrium":
        if not has_conflict:
            add(here, "equilibrium conditions need the scenario's `conflict` section",
                "add a `conflict` section (see docs/reference/scenario-format.md), or remove "
                "this condition")
        elif conflict is not None and "state" in args:
            check_state(args["state"], here + ("state",), add, conflict)
