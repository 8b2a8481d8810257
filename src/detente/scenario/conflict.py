"""The scenario's optional ``conflict`` section: the option-based view for stability analysis.

Decision makers (actor ids) own binary options; some combinations are infeasible; each decision
maker's preference is a list of prioritised option statements (most important first) or an
explicit ranking of states; the status quo says which options are taken today.

Statements and infeasibility rules are read by a tiny grammar — never evaluated as code::

    statement := expr [ "if" expr ]          "A if B": B implies A
    expr      := term { "or" term }
    term      := factor { "and" factor }
    factor    := "not" factor | "-" factor | "(" expr ")" | OPTION_ID

>>> parse_statement("sign_deal if cease_fire and not keep_aid")
('or', ('not', ('and', ('opt', 'cease_fire', 13), ('not', ('opt', 'keep_aid', 32)))), \
('opt', 'sign_deal', 0))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import Field, StrictBool

from .types import Cited, Id, Text

__all__ = [
    "KEYWORDS",
    "Conflict",
    "ConflictDM",
    "ConflictOption",
    "StatementError",
    "check_conflict",
    "describe_state",
    "parse_statement",
    "state_vector",
]

KEYWORDS = ("and", "or", "not", "if")
MAX_OPTIONS = 24
"""The most options a conflict may have: every one of the 2^k option vectors is a state (the
stability engine's own limit, ``detente.stability.model.MAX_OPTIONS``; a test keeps them equal)."""


# --------------------------------------------------------------------------- schema
class ConflictOption(Cited):
    id: Id
    dm: Id = Field(description="The decision maker (actor id) who controls this option.")
    name: Text | None = Field(default=None, description="The option in words.")
    reversible: StrictBool = Field(
        default=True, description="Can be taken and dropped freely (the default).")
    irreversible: Literal["forward", "backward"] | None = Field(
        default=None,
        description="'forward': once taken it cannot be dropped; 'backward': once dropped it "
                    "cannot be taken again. Implies reversible: false.")

    @property
    def reversibility(self) -> str:
        if self.irreversible == "backward":
            return "back"
        if self.irreversible == "forward" or not self.reversible:
            return "fwd"
        return "both"


class ConflictDM(Cited):
    actor: Id = Field(description="An actor id.")
    preferences: tuple[Text, ...] | None = Field(
        default=None,
        description="Prioritised option statements, most important first, e.g. 'cease_fire', "
                    "'-keep_aid', 'sign_deal if cease_fire'.")
    ranking: tuple[tuple[Text, ...], ...] | None = Field(
        default=None,
        description="Explicit ranking: groups of equally preferred states (option vectors such "
                    "as 'YNNY'), most preferred group first; every feasible state once.")


class Conflict(Cited):
    """The option-based view of the negotiation (Graph Model for Conflict Resolution)."""

    decision_makers: tuple[ConflictDM, ...] = Field(min_length=2)
    options: tuple[ConflictOption, ...] = Field(min_length=1)
    infeasible: tuple[Text, ...] = Field(
        default=(), description="Rules naming impossible combinations, e.g. 'accept and fight'.")
    status_quo: dict[Id, StrictBool] = Field(
        description="Which options are taken today: option id → true/false, every option.")

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def status_quo_vector(self) -> str:
        return "".join("Y" if self.status_quo.get(o) else "N" for o in self.option_ids())


# --------------------------------------------------------------------------- grammar
class StatementError(ValueError):
    """A statement that cannot be read; ``pos`` is the 0-based character where it failed."""

    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.message = message
        self.pos = pos


_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z][A-Za-z0-9_-]*)|(?P<sym>[()\-])|(?P<bad>\S))")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out = []
    i = 0
    while True:
        m = _TOKEN.match(text, i)
        if not m or m.end() == i and not m.group(0):
            break
        if m.group("word") is not None:
            w = m.group("word")
            kind = "kw" if w.lower() in KEYWORDS else "id"
            out.append((kind, w.lower() if kind == "kw" else w, m.start("word")))
        elif m.group("sym") is not None:
            out.append(("sym", m.group("sym"), m.start("sym")))
        else:
            c = m.group("bad")
            raise StatementError(f"unexpected character {c!r}", m.start("bad"))
        i = m.end()
        if i >= len(text) or not text[i:].strip():
            break
    out.append(("end", "", len(text.rstrip())))
    return out


def parse_statement(text: str) -> tuple:
    """An option statement as a tree of ('opt', id, pos), ('not', x), ('and', a, b),
    ('or', a, b). Raises :class:`StatementError` with the position of the problem."""
    toks = _tokens(text)
    k = 0

    def peek() -> tuple[str, str, int]:
        return toks[k]

    def take() -> tuple[str, str, int]:
        nonlocal k
        k += 1
        return toks[k - 1]

    def what(t: tuple[str, str, int]) -> str:
        return "the end of the statement" if t[0] == "end" else repr(t[1])

    def factor() -> tuple:
        t = peek()
        if t[:2] == ("kw", "not") or t[:2] == ("sym", "-"):
            take()
            return ("not", factor())
        if t[:2] == ("sym", "("):
            take()
            inner = expr()
            if peek()[:2] != ("sym", ")"):
                raise StatementError(f"expected ')', got {what(peek())}", peek()[2])
            take()
            return inner
        if t[0] == "id":
            take()
            return ("opt", t[1], t[2])
        raise StatementError(f"expected an option id, got {what(t)}", t[2])

    def term() -> tuple:
        node = factor()
        while peek()[:2] == ("kw", "and"):
            take()
            node = ("and", node, factor())
        return node

    def expr() -> tuple:
        node = term()
        while peek()[:2] == ("kw", "or"):
            take()
            node = ("or", node, term())
        return node

    node = expr()
    if peek()[:2] == ("kw", "if"):
        take()
        cond = expr()
        node = ("or", ("not", cond), node)
    if peek()[0] != "end":
        t = peek()
        raise StatementError(f"expected 'and', 'or' or 'if', got {what(t)}", t[2])
    return node


def _options_in(node: tuple) -> list[tuple[str, int]]:
    if node[0] == "opt":
        return [(node[1], node[2])]
    return [x for child in node[1:] for x in _options_in(child)]


def state_vector(section: Conflict, state: str | dict[str, bool]) -> str:
    """A state named by an option vector or an option → true/false mapping, as a vector."""
    if isinstance(state, str):
        return state.upper()
    return "".join("Y" if state.get(o) else "N" for o in section.option_ids())


def describe_state(option_ids: Sequence[str], vector: str) -> str:
    """The options taken in a state, in words."""
    taken = [o for o, c in zip(option_ids, vector) if c in "Yy"]
    return ", ".join(taken) if taken else "no option taken"


# --------------------------------------------------------------------------- checks
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
