"""Checks that relate one part of a scenario file to another.

They run on the raw YAML data (defensively: the structure may itself be
broken, :mod:`.raw`), so that reference errors are reported together with type errors.
:func:`check_references` checks ids and what actors, issues, stances, no-deal values, tables,
veto players and source citations name, and hands the sections with rules of their own to
their modules: ``uncertainty`` (:mod:`.parameters`), ``correlations`` (:mod:`.copula`),
``conflict`` (:mod:`.conflict_checks`), ``process`` (:mod:`.process_checks`) and ``questions``
(:mod:`.question_checks`).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Problem
from .conflict_checks import check_conflict
from .copula import check_correlations
from .located import Positions, _fmt, did_you_mean
from .parameters import PARAMETER_PATTERNS, check_uncertainty, parameter_bounds
from .process_checks import check_process
from .question_checks import check_questions
from .questions import ENSEMBLE
from .raw import _dict, _items, _num, _scales
from .schema import ID_PATTERN

_ID = re.compile(ID_PATTERN)

__all__ = ["BUILTIN_MODELS", "PARAMETER_PATTERNS", "check_references", "parameter_bounds"]


def _all_ids_readable(section: Any) -> bool:
    """A list whose every entry has a valid id (else the schema reports the entry)."""
    if not isinstance(section, list):
        return False
    ids = [_dict(x).get("id") for x in section]
    return all(isinstance(i, str) and _ID.match(i) for i in ids)


BUILTIN_MODELS = ("compromise", "median", "eum", "exchange", "smp")
"""The forecast models a scenario file may name by default (the registry's built-ins; a test
keeps the two in step). The scenario package does not import the models: callers with others
registered pass their names to the loader."""


def check_references(data: dict[str, Any], pos: Positions, file: str,
                     models: tuple[str, ...] | None = None) -> list[Problem]:
    """Every cross-reference and cross-field problem in the raw scenario data."""
    problems: list[Problem] = []

    def add(path: tuple[Any, ...], msg: str, hint: str | None = None, key: bool = False,
            at: int | None = None) -> None:
        line, col = pos.locate(path, key=key)
        if at is not None and col is not None and tuple(path) in pos.text_start:
            col += pos.text_start[tuple(path)] + at  # a character inside a one-line text
        problems.append(Problem(line, col, _fmt(path), msg, hint, file=file))

    def ids(section: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, item in enumerate(_items(data.get(section))):
            ident = _dict(item).get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                first = pos.locate((section, seen[ident]))[0]
                add((section, i, "id"), f"duplicate id {ident!r} (first used at line {first})",
                    "every id in a section must be unique")
            else:
                seen[ident] = i
        return seen

    actors = ids("actors")
    issues = ids("issues")
    sources = ids("sources")
    tables = ids("tables")
    ids("questions")
    scales = _scales(data)

    # A section that is not a list, or has an entry without a readable id, is reported by the
    # schema; checking references against it would repeat that error once per reference.
    broken = {sec for sec in ("actors", "issues", "sources", "tables")
              if sec in data and not _all_ids_readable(data[sec])}
    kinds = {"actor": "actors", "issue": "issues", "source": "sources", "table": "tables"}

    def ref(path: tuple[Any, ...], name: Any, kind: str, known: dict[str, int], key=False) -> bool:
        if not isinstance(name, str) or kinds[kind] in broken:
            return False
        if name in known:
            return True
        guess = did_you_mean(name, list(known))
        hint = (f"did you mean {guess!r}? " if guess else "") + (
            f"defined {kind}s: {', '.join(known) or '(none)'}"
        )
        add(path, f"{name!r} is not a defined {kind}", hint, key=key)
        return False

    def in_scale(path: tuple[Any, ...], issue: Any, value: Any, what: str, key=False) -> None:
        v = _num(value)
        if v is None or issue not in scales:
            return
        lo, hi = scales[issue]
        if not lo <= v <= hi:
            add(path, f"{what} must be within the issue's scale [{lo:g}, {hi:g}]; got {v:g}",
                f"issue {issue!r} runs from {lo:g} to {hi:g}", key=key)

    # issues: scale, status quo, anchors
    for i, it in enumerate(_items(data.get("issues"))):
        it = _dict(it)
        sc = it.get("scale")
        if (isinstance(sc, list) and len(sc) == 2 and all(_num(x) is not None for x in sc)
                and not sc[0] < sc[1]):
            add(("issues", i, "scale"), f"the scale's lo must be less than hi; got [{sc[0]}, {sc[1]}]",
                "write the scale as [lo, hi]; to reverse a scale, relabel its anchors instead")
        if isinstance(sc, list) and len(sc) != 2:
            add(("issues", i, "scale"),
                f"a scale is [lo, hi]; got {len(sc)} value{'s' * (len(sc) != 1)}",
                "write the scale as [lo, hi], e.g. [0, 100]")
        iid = it.get("id")
        in_scale(("issues", i, "status_quo"), iid, it.get("status_quo"), "the status quo")
        for k in _dict(it.get("anchors")):
            in_scale(("issues", i, "anchors", k), iid, k, "an anchor point", key=True)

    # stances
    stances = _dict(data.get("stances"))
    weight: dict[str, float] = {k: 0.0 for k in issues}
    for aid, st in stances.items():
        ok = ref(("stances", aid), aid, "actor", actors, key=True)
        for iid, s in _dict(st).items():
            if ref(("stances", aid, iid), iid, "issue", issues, key=True):
                s = _dict(s)
                in_scale(("stances", aid, iid, "position"), iid, s.get("position"), "position")
                sal = _num(s.get("salience"))
                if ok and sal is not None and sal > 0:
                    weight[iid] = weight.get(iid, 0.0) + sal
    if isinstance(data.get("stances"), dict) and "actors" not in broken:
        for iid, w in weight.items():
            if w == 0.0 and iid in scales:
                add(("issues", issues[iid]),
                    f"no actor has a stance with salience > 0 on issue {iid!r}",
                    "add at least one stance on it under `stances`, or remove the issue")

    # no deal
    for aid, nd in _dict(data.get("no_deal")).items():
        ref(("no_deal", aid), aid, "actor", actors, key=True)
        for iid, v in _dict(_dict(nd).get("expects")).items():
            if ref(("no_deal", aid, "expects", iid), iid, "issue", issues, key=True):
                if isinstance(v, dict):
                    in_scale(("no_deal", aid, "expects", iid, "value"), iid, v.get("value"),
                             "an expected value")
                else:
                    in_scale(("no_deal", aid, "expects", iid), iid, v, "an expected value")

    models = BUILTIN_MODELS if models is None else tuple(models)
    # tables
    for t, tb in enumerate(_items(data.get("tables"))):
        tid = _dict(tb).get("id")
        if isinstance(tid, str) and (tid in models or tid == ENSEMBLE):
            add(("tables", t, "id"),
                f"table id {tid!r} is also the name of a forecast "
                + ("model" if tid != ENSEMBLE else "(the models' mean)")
                + ", so a question's `outcome.source` could not tell them apart",
                "give the table another id")
        members = _items(_dict(tb).get("members"))
        seen = set()
        for m, a in enumerate(members):
            ref(("tables", t, "members", m), a, "actor", actors)
            if isinstance(a, str) and a in seen:
                add(("tables", t, "members", m), f"{a!r} is listed twice at this table")
            seen.add(a)
        if isinstance(_dict(tb).get("members"), list) and len(seen) < 2:
            add(("tables", t, "members"), "a table needs at least two members",
                "list every actor sitting at this table")

    # implementation veto players
    seen_veto: set[str] = set()
    for k, imp in enumerate(_items(data.get("implementation"))):
        imp = _dict(imp)
        a = imp.get("actor")
        ref(("implementation", k, "actor"), a, "actor", actors)
        if isinstance(a, str):
            if a in seen_veto:
                add(("implementation", k, "actor"), f"{a!r} is listed twice as a veto player",
                    "merge the two entries")
            seen_veto.add(a)
        for j, iid in enumerate(_items(imp.get("issues"))):
            ref(("implementation", k, "issues", j), iid, "issue", issues)

    # source citations anywhere (except the definitions themselves)
    def walk(v: Any, path: tuple[Any, ...]) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "sources" and path != () and isinstance(x, list):
                    for j, sid in enumerate(x):
                        ref(path + ("sources", j), sid, "source", sources)
                else:
                    walk(x, path + (k,))
        elif isinstance(v, list) and path != ("sources",):
            for j, x in enumerate(v):
                walk(x, path + (j,))

    walk(data, ())

    check_uncertainty(data, add, broken)
    check_correlations(data, add)

    # the conflict section (stability analysis)
    conflict = check_conflict(data, pos, add, ref, actors)

    # the process section, then the questions
    check_process(_dict(data.get("process")), add, ref, actors, issues, tables, data, in_scale)
    check_questions(data, add, ref, actors, issues, tables, conflict, models)
    return problems
