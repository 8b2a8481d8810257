"""Checks that relate one part of a scenario file to another.

They run on the raw YAML data (defensively: the structure may itself be
broken), so that reference errors are reported together with type errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from ..errors import Problem
from .conflict import check_conflict, check_state
from .copula import check_correlations
from .located import Positions, _fmt, did_you_mean
from .questions import ENSEMBLE
from .schema import _CALL, ID_PATTERN, _parse_call

_ID = re.compile(ID_PATTERN)

__all__ = ["PARAMETER_PATTERNS", "check_references", "parameter_bounds"]

PARAMETER_PATTERNS = (
    "actors.<actor>.capability",
    "issues.<issue>.status_quo",
    "stances.<actor>.<issue>.position",
    "stances.<actor>.<issue>.salience",
    "no_deal.<actor>.cost",
    "no_deal.<actor>.drift",
    "no_deal.<actor>.value",
    "no_deal.<actor>.expects.<issue>",
    "process.beliefs.half_life",
    "process.base_rate.pace",
    "process.base_rate.lapse",
    "process.breakdown",
    "process.commitment.penalty.<actor>",
    "process.discount.<actor>",
)


def _items(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dict(v: Any) -> dict[Any, Any]:
    return v if isinstance(v, dict) else {}


def _all_ids_readable(section: Any) -> bool:
    """A list whose every entry has a valid id (else the schema reports the entry)."""
    if not isinstance(section, list):
        return False
    ids = [_dict(x).get("id") for x in section]
    return all(isinstance(i, str) and _ID.match(i) for i in ids)


def _num(v: Any) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _scales(data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    out = {}
    for it in _items(data.get("issues")):
        it = _dict(it)
        sc = it.get("scale", [0, 100])
        if isinstance(sc, list) and len(sc) == 2 and all(_num(x) is not None for x in sc):
            lo, hi = float(sc[0]), float(sc[1])
            if lo < hi and isinstance(it.get("id"), str):
                out[it["id"]] = (lo, hi)
    return out


def parameter_bounds(
    path: str, data: dict[str, Any]
) -> tuple[tuple[float, float] | None, str | None]:
    """Resolve an uncertainty path: (bounds of the parameter, or None; error text or None)."""
    parts = path.split(".")
    actors = {a.get("id") for a in map(_dict, _items(data.get("actors")))}
    issues = {i.get("id") for i in map(_dict, _items(data.get("issues")))}
    scales = _scales(data)
    inf = (-math.inf, math.inf)

    def unknown(kind: str, name: str, options: set[Any]) -> str:
        guess = did_you_mean(name, [o for o in options if isinstance(o, str)])
        return f"no {kind} {name!r}" + (f" (did you mean {guess!r}?)" if guess else "")

    head = parts[0]
    if head == "actors" and len(parts) == 3 and parts[2] == "capability":
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        return (0.0, math.inf), None
    if head == "issues" and len(parts) == 3 and parts[2] == "status_quo":
        if parts[1] not in issues:
            return None, unknown("issue", parts[1], issues)
        return scales.get(parts[1], inf), None
    if head == "stances" and len(parts) == 4 and parts[3] in ("position", "salience"):
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        if parts[2] not in issues:
            return None, unknown("issue", parts[2], issues)
        st = _dict(_dict(data.get("stances")).get(parts[1]))
        if parts[2] not in st:
            return None, (f"actor {parts[1]!r} has no stance on {parts[2]!r}; "
                          "add it under `stances` first")
        if parts[3] == "salience":
            return (0.0, 1.0), None
        return scales.get(parts[2], inf), None
    if head == "no_deal" and len(parts) == 3 and parts[2] in ("cost", "drift", "value"):
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        return inf, None
    if head == "process":
        from .draws import PROCESS_BOUNDS, PROCESS_PATHS, process_pattern

        pattern = process_pattern(parts)
        if pattern in PROCESS_PATHS:
            if pattern.endswith("<actor>") and parts[-1] not in actors:
                return None, unknown("actor", parts[-1], actors)
            lo, hi = PROCESS_BOUNDS[PROCESS_PATHS[pattern]]
            return (max(lo, 0.0), hi), None
    if head == "no_deal" and len(parts) == 4 and parts[2] == "expects":
        if parts[1] not in actors:
            return None, unknown("actor", parts[1], actors)
        if parts[3] not in issues:
            return None, unknown("issue", parts[3], issues)
        return scales.get(parts[3], inf), None
    return None, (f"{path!r} is not an uncertain parameter; use one of: "
                  + ", ".join(PARAMETER_PATTERNS))


def _dist_location(d: dict[str, Any]) -> Iterator[tuple[str, float]]:
    """The values of a distribution that must lie within the parameter's bounds."""
    kind = d.get("dist")
    keys = {
        "normal": ("mean",),
        "truncnormal": ("low", "high"),
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "beta": ("low", "high"),
        "lognormal": (),
        "choice": (),
    }.get(kind, ())
    for k in keys:
        v = _num(d.get(k, 0.0 if k == "low" and kind == "beta" else
                       1.0 if k == "high" and kind == "beta" else None))
        if v is not None:
            yield k, v
    if kind == "choice":
        for i, v in enumerate(_items(d.get("values"))):
            if _num(v) is not None:
                yield f"values[{i}]", float(v)


def _dist_consistency(d: dict[str, Any]) -> list[str]:
    kind = d.get("dist")
    out = []
    lo = _num(d.get("low", 0.0 if kind == "beta" else None))
    hi = _num(d.get("high", 1.0 if kind == "beta" else None))
    if kind in ("uniform", "truncnormal", "beta", "triangular") and lo is not None and hi is not None:
        if not lo < hi:
            out.append(f"low ({lo:g}) must be less than high ({hi:g})")
    if kind == "triangular":
        mode = _num(d.get("mode"))
        if None not in (lo, hi, mode) and not (lo <= mode <= hi):  # type: ignore[operator]
            out.append(f"mode ({mode:g}) must lie between low ({lo:g}) and high ({hi:g})")
    if kind == "choice":
        vals, ws = _items(d.get("values")), d.get("weights")
        if isinstance(ws, list):
            if len(ws) != len(vals):
                out.append(f"choice has {len(vals)} value{'s' * (len(vals) != 1)} but "
                           f"{len(ws)} weight{'s' * (len(ws) != 1)}; give one weight per value")
            elif all(_num(w) is not None for w in ws) and sum(ws) <= 0:
                out.append("choice weights must not all be 0")
    return out


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

    # uncertainty
    for upath, spec in _dict(data.get("uncertainty")).items():
        where = ("uncertainty", upath)
        if not isinstance(upath, str) or broken & {"actors", "issues"}:
            continue
        bounds, err = parameter_bounds(upath, data)
        if err:
            add(where, err, "see `uncertainty` in docs/reference/scenario-format.md", key=True)
            continue
        d = spec.get("distribution") if isinstance(spec, dict) and "distribution" in spec else spec
        if isinstance(d, str) and _CALL.match(d):
            try:
                d = _parse_call(d)
            except Exception:  # reported by the schema
                continue
        d = _dict(d)
        for msg in _dist_consistency(d):
            add(where, msg)
        if (bounds is not None and d.get("dist") == "beta" and "low" not in d and "high" not in d
                and all(math.isfinite(b) for b in bounds) and tuple(bounds) != (0.0, 1.0)):
            lo, hi = bounds
            add(where, f"beta(a, b) samples in [0, 1], but this parameter runs from {lo:g} to "
                f"{hi:g}", f"give the range: beta(a, b, low, high), e.g. beta(2, 5, {lo:g}, {hi:g})")
            continue
        if bounds is not None:
            lo, hi = bounds
            for name, v in _dist_location(d):
                if not lo <= v <= hi:
                    add(where, f"the distribution's {name} ({v:g}) lies outside the parameter's "
                        f"range [{lo:g}, {hi:g}]",
                        "samples are kept within the parameter's range; centre the "
                        "distribution inside it")

    check_correlations(data, add)

    # the conflict section (stability analysis)
    conflict = check_conflict(data, pos, add, ref, actors)

    # questions
    _check_process(_dict(data.get("process")), add, ref, actors, issues, tables, data,
                   in_scale)
    qtables = tables
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
                    qtables, conflict, "conflict" in data, data, models)
    return problems


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


def _check_process(pr: dict[str, Any], add, ref, actors, issues, tables, data,
                   in_scale) -> None:
    """Cross-references of the ``process`` section (its structure is pydantic's)."""
    members: dict[str, list[Any]] = {}
    for tb in _items(data.get("tables")):
        tb = _dict(tb)
        if isinstance(tb.get("id"), str):
            members[tb["id"]] = _items(tb.get("members"))
    for key in ("discount",):
        for aid in _dict(pr.get(key)):
            ref(("process", key, aid), aid, "actor", actors, key=True)
    for aid in _dict(_dict(pr.get("commitment")).get("penalty")):
        ref(("process", "commitment", "penalty", aid), aid, "actor", actors, key=True)
    for tid, tp in _dict(pr.get("tables")).items():
        if not ref(("process", "tables", tid), tid, "table", tables, key=True):
            continue
        rec = _dict(tp).get("recognition")
        if rec == {}:
            add(("process", "tables", tid, "recognition"), "no member is given a weight, so "
                "no one could propose", "give each member that proposes a positive weight, "
                "or leave recognition out (capability shares)")
        if isinstance(rec, dict):
            for aid in rec:
                if ref(("process", "tables", tid, "recognition", aid), aid, "actor", actors,
                       key=True) and aid not in members.get(tid, []):
                    add(("process", "tables", tid, "recognition", aid),
                        f"{aid!r} does not sit at table {tid!r}, so it cannot propose there",
                        "members: " + ", ".join(map(str, members.get(tid, []))), key=True)
        elif rec == "alternating" and len(members.get(tid, [])) != 2:
            add(("process", "tables", tid, "recognition"),
                "alternating offers need a table of exactly two members",
                "give recognition weights per member instead (e.g. {us: 1, ru: 1})")
    seen: set[str] = set()
    for k, pa in enumerate(_items(pr.get("partials"))):
        pa = _dict(pa)
        here = ("process", "partials", k)
        if isinstance(pa.get("id"), str):
            if pa["id"] in seen:
                add(here + ("id",), f"partial agreement {pa['id']!r} is defined twice")
            seen.add(pa["id"])
        ref(here + ("table",), pa.get("table"), "table", tables)
        for j, iid in enumerate(_items(pa.get("issues"))):
            ref(here + ("issues", j), iid, "issue", issues)
    conflict = _dict(data.get("conflict"))
    owner = {o.get("id"): o.get("dm") for o in map(_dict, _items(conflict.get("options")))}
    for k, un in enumerate(_items(pr.get("unilateral"))):
        un = _dict(un)
        here = ("process", "unilateral", k)
        ref(here + ("actor",), un.get("actor"), "actor", actors)
        if ref(here + ("issue",), un.get("issue"), "issue", issues):
            for j, v in enumerate(_items(un.get("range"))):
                in_scale(here + ("range", j), un.get("issue"), v, "the range")
        opt = un.get("option")
        if isinstance(opt, str):
            if opt not in owner:
                add(here + ("option",), f"{opt!r} is not an option of the `conflict` section",
                    "options: " + ", ".join(str(o) for o in owner) if owner
                    else "add a `conflict` section with this option, or remove `option`")
            elif owner[opt] != un.get("actor"):
                add(here + ("option",), f"option {opt!r} belongs to {owner[opt]!r}, not to "
                    f"{un.get('actor')!r}", "a unilateral move is its own actor's option")
    ids = [(u.get("actor"), u.get("issue")) for u in map(_dict, _items(pr.get("unilateral")))]
    for k, pair in enumerate(ids):
        if pair in ids[:k]:
            add(("process", "unilateral", k), f"{pair[0]!r} already has a unilateral move on "
                f"{pair[1]!r}", "merge the two entries")


def _check_pred(p: Any, path, add, ref, actors, issues, tables, conflict=None,
                has_conflict=False, data=None, models=BUILTIN_MODELS) -> None:
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
