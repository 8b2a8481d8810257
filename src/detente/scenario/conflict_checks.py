"""Cross-reference checks of a scenario's ``conflict`` section, on the raw data.

:func:`check_conflict` reports, through the ``add`` callback of
:func:`detente.scenario.checks.check_references`, every problem of the section that the schema
cannot see: decision makers that are not actors or are listed twice, options owned by no decision
maker or named like a grammar keyword, statements that do not read or name unknown options
(:mod:`.statements`), an incomplete or infeasible status quo, and rankings that miss, repeat or
misspell states. The feasible states are computed here with numpy alone (the scenario package
validates without the stability engine). :func:`check_state` checks an ``equilibrium``
question's state against them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conflict import MAX_OPTIONS
from .statements import KEYWORDS, StatementError, _options_in, parse_statement

__all__ = ["check_conflict", "check_state"]

Add = Callable[..., None]


def _items(v: Any) -> list[Any]:
    return list(v) if isinstance(v, (list, tuple)) else []


def _dict(v: Any) -> dict[Any, Any]:
    return v if isinstance(v, dict) else {}


def check_conflict(data: dict[str, Any], pos: Any, add: Add, ref: Callable[..., bool],
                   actors: dict[str, int]) -> dict[str, Any] | None:
    """Report every cross-reference problem of the ``conflict`` section through ``add`` (as
    :func:`detente.scenario.checks.check_references` does). Returns what an ``equilibrium``
    question needs to check its state (option ids and feasible states), or None when the
    section is missing or too broken to tell."""
    from .located import did_you_mean

    if "conflict" not in data:
        return None
    sec = data["conflict"]
    if not isinstance(sec, dict):
        return None  # the schema reports it
    root = ("conflict",)
    ok = True

    # decision makers
    dms: dict[str, int] = {}
    for i, d in enumerate(_items(sec.get("decision_makers"))):
        d = _dict(d)
        a = d.get("actor")
        if not isinstance(a, str):
            ok = False
            continue
        ref(root + ("decision_makers", i, "actor"), a, "actor", actors)
        if a in dms:
            first = pos.locate(root + ("decision_makers", dms[a]))[0]
            add(root + ("decision_makers", i, "actor"),
                f"{a!r} is listed twice as a decision maker (first at line {first})",
                "merge the two entries")
        else:
            dms[a] = i
        given = [k for k in ("preferences", "ranking") if d.get(k) is not None]
        if len(given) != 1:
            add(root + ("decision_makers", i),
                "give either `preferences` (prioritised option statements) or `ranking`"
                + (", not both" if given else ""),
                "e.g. preferences: [cease_fire, \"-keep_aid\", \"sign_deal if cease_fire\"]")

    # options
    opts: dict[str, int] = {}
    owners: list[str] = []
    for i, o in enumerate(_items(sec.get("options"))):
        o = _dict(o)
        oid, dm = o.get("id"), o.get("dm")
        if not isinstance(oid, str):
            ok = False
            continue
        here = root + ("options", i)
        if oid.lower() in KEYWORDS:
            add(here + ("id",), f"{oid!r} is a word of the statement grammar and cannot be an "
                "option id", "rename the option, e.g. " + repr(oid + "_option"))
            ok = False
        if oid in opts:
            first = pos.locate(root + ("options", opts[oid]))[0]
            add(here + ("id",), f"duplicate option id {oid!r} (first used at line {first})",
                "every option id must be unique")
        else:
            opts[oid] = i
        if isinstance(dm, str) and dm not in dms:
            guess = did_you_mean(dm, list(dms))
            add(here + ("dm",), f"{dm!r} is not a decision maker of the conflict",
                (f"did you mean {guess!r}? " if guess else "")
                + f"decision makers: {', '.join(dms) or '(none)'}; add it under "
                "`conflict.decision_makers`")
            ok = False
        if o.get("irreversible") is not None and o.get("reversible") is True:
            add(here + ("reversible",), "an option cannot be both `reversible: true` and "
                "`irreversible`", "remove `reversible: true`")
        owners.append(dm if isinstance(dm, str) else "")
    if not opts or "options" not in sec or not _items(sec.get("options")):
        ok = False
    for a, i in dms.items():
        if opts and a not in owners:
            add(root + ("decision_makers", i, "actor"),
                f"decision maker {a!r} controls no option",
                "give it an option under `conflict.options` (dm: " + a + "), or remove it")
    if len(opts) > MAX_OPTIONS:
        add(root + ("options",), f"at most {MAX_OPTIONS} options; got {len(opts)}",
            "every combination of options is a state; merge or drop options")
        return None

    def statement(path: tuple[Any, ...], text: Any) -> tuple | None:
        nonlocal ok
        if not isinstance(text, str):
            ok = False
            return None
        try:
            node = parse_statement(text)
        except StatementError as e:
            add(path, f"cannot read {text!r}: {e.message} (character {e.pos + 1})",
                "write option ids joined by and, or, not (or '-'), parentheses and "
                "'A if B', e.g. \"sign_deal if cease_fire and not keep_aid\"", at=e.pos)
            ok = False
            return None
        bad = False
        for name, p in _options_in(node):
            if name not in opts:
                guess = did_you_mean(name, list(opts))
                add(path, f"{name!r} is not an option of the conflict (character {p + 1})",
                    (f"did you mean {guess!r}? " if guess else "")
                    + f"options: {', '.join(opts) or '(none)'}", at=p)
                bad = True
        if bad:
            ok = False
            return None
        return node

    for j, r in enumerate(_items(sec.get("infeasible"))):
        statement(root + ("infeasible", j), r)
    for i, d in enumerate(_items(sec.get("decision_makers"))):
        for j, s in enumerate(_items(_dict(d).get("preferences"))):
            statement(root + ("decision_makers", i, "preferences", j), s)

    sq = sec.get("status_quo")
    if isinstance(sq, dict):
        for k in sq:
            if isinstance(k, str) and k not in opts:
                guess = did_you_mean(k, list(opts))
                add(root + ("status_quo", k), f"{k!r} is not an option of the conflict",
                    (f"did you mean {guess!r}? " if guess else "")
                    + f"options: {', '.join(opts)}", key=True)
                ok = False
        missing = [o for o in opts if o not in sq]
        if missing and opts:
            add(root + ("status_quo",), "the status quo misses option"
                + ("s " if len(missing) > 1 else " ") + ", ".join(map(repr, missing)),
                "say for every option whether it is taken today (true) or not (false)")
            ok = False
    else:
        ok = False
    if not ok:
        return None

    # everything reads: the feasible states, to check the status quo and the rankings
    feasible = _feasible_names(sec, list(opts))
    vec = "".join("Y" if sq.get(o) is True else "N" for o in opts)  # type: ignore[union-attr]
    if vec not in feasible:
        add(root + ("status_quo",), f"the status quo {vec} is infeasible: it matches a rule "
            "under `conflict.infeasible`", "correct the status quo or the rule")
    if not feasible:
        add(root + ("infeasible",), "the rules make every state infeasible",
            "check the rules under `conflict.infeasible`")
    for i, d in enumerate(_items(sec.get("decision_makers"))):
        rk = _dict(d).get("ranking")
        if isinstance(rk, list) and _dict(d).get("preferences") is None:
            _check_ranking(rk, root + ("decision_makers", i, "ranking"), add, len(opts), feasible)
    return {"options": list(opts), "feasible": feasible}


def _feasible_names(sec: dict[str, Any], opts: list[str]) -> set[str]:
    """The feasible states (option vectors such as 'YNNY', character i for option i) under the
    section's infeasibility rules, evaluated on all 2^k vectors at once (the scenario package
    validates without the stability engine)."""
    import numpy as np

    index = {o: i for i, o in enumerate(opts)}
    allv = np.arange(1 << len(opts), dtype=np.int64)

    def holds(node: tuple) -> np.ndarray:
        if node[0] == "opt":
            return ((allv >> index[node[1]]) & 1).astype(bool)
        if node[0] == "not":
            return ~holds(node[1])
        parts = [holds(c) for c in node[1:]]
        return np.logical_and.reduce(parts) if node[0] == "and" else np.logical_or.reduce(parts)

    bad = np.zeros(allv.shape, bool)
    for r in _items(sec.get("infeasible")):
        bad |= holds(parse_statement(r))
    k = len(opts)
    if k == 0:
        return {""} if not bad.all() else set()
    # the vectors as 'Y'/'N' bytes, built for all states at once (2^k of them; k ≤ MAX_OPTIONS)
    bits = (allv[~bad][:, None] >> np.arange(k)) & 1
    chars = np.where(bits == 1, ord("Y"), ord("N")).astype(np.uint8)
    return {b.decode() for b in chars.view(f"S{k}").ravel()}


def _check_ranking(rk: list[Any], path: tuple[Any, ...], add: Add, n: int,
                   feasible: set[str]) -> None:
    seen: dict[str, tuple[Any, ...]] = {}
    bad = False
    for g, grp in enumerate(rk):
        for s, name in enumerate(_items(grp)):
            here = path + (g, s)
            if not isinstance(name, str):
                bad = True
                continue
            v = name.upper()
            if len(v) != n or set(v) - set("YN"):
                add(here, f"{name!r} is not a state: a state is {n} letters Y or N, one per "
                    "option in the order of `conflict.options`", "e.g. " + repr("Y" * n))
                bad = True
            elif v not in feasible:
                add(here, f"state {v} is infeasible (it matches a rule under "
                    "`conflict.infeasible`)", "remove it from the ranking")
                bad = True
            elif v in seen:
                add(here, f"state {v} is ranked twice", "list every feasible state once")
                bad = True
            else:
                seen[v] = here
    if not bad:
        missing = sorted(feasible - set(seen))
        if missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            add(path, f"the ranking misses feasible states: {', '.join(missing[:5])}{more}",
                "rank every feasible state, or use `preferences` instead")


def check_state(state: Any, path: tuple[Any, ...], add: Add, info: dict[str, Any]) -> None:
    """An equilibrium question's state: a feasible option vector or a complete mapping."""
    opts, feasible = info["options"], info["feasible"]
    n = len(opts)
    if isinstance(state, dict):
        unknown = [k for k in state if k not in opts]
        for k in unknown:
            add(path + (k,), f"{k!r} is not an option of the conflict",
                f"options: {', '.join(opts)}", key=True)
        missing = [o for o in opts if o not in state]
        if missing:
            add(path, "the state misses option" + ("s " if len(missing) > 1 else " ")
                + ", ".join(map(repr, missing)), "say for every option whether it is taken")
        if unknown or missing or not all(isinstance(v, bool) for v in state.values()):
            return
        v = "".join("Y" if state[o] else "N" for o in opts)
    elif isinstance(state, str):
        v = state.strip().upper()
        if len(v) != n or set(v) - set("YN"):
            add(path, f"{state!r} is not a state: a state is {n} letters Y or N, one per "
                f"option in the order of `conflict.options` ({', '.join(opts)})",
                "or give a mapping of option → true/false")
            return
    else:
        return
    if v not in feasible:
        add(path, f"state {v} is infeasible (it matches a rule under `conflict.infeasible`)",
            "choose a feasible state")
