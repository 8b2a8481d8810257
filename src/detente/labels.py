"""Say what a number on an issue's scale means, in the issue's own words; the short names of
actors and issues for sentences; and the defaults a result rests on when the scenario is silent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .scenario.schema import Issue

__all__ = ["Default", "actor_name", "default_assumptions", "describe", "issue_name",
           "question_actors", "short_name"]


def describe(issue: Issue, value: float, *, max_label: int | None = None) -> str:
    """'62 ≈ "roughly today's line"' style description from the issue's anchors.

    Within 5% of the scale of an anchor: that anchor's label. Otherwise: between
    the two neighbouring anchors. Without anchors: just the number.

    >>> from detente.scenario.schema import Issue
    >>> iss = Issue(id="t", name="T", status_quo=50, anchors={0: "none", 100: "all"})
    >>> describe(iss, 2.0)
    '≈ "none"'
    >>> describe(iss, 40.0)
    'between "none" (0) and "all" (100)'
    """
    if not issue.anchors:
        return f"{value:g}"
    lo, hi = issue.scale

    def cut(text: str) -> str:
        if max_label is None or len(text) <= max_label:
            return text
        return text[: max_label - 1].rstrip(" ,;:") + "…"

    pts = sorted((k, cut(v)) for k, v in issue.anchors.items())
    near = min(pts, key=lambda kv: abs(kv[0] - value))
    if abs(near[0] - value) <= 0.05 * (hi - lo):
        return f'≈ "{near[1]}"'
    below = [p for p in pts if p[0] <= value]
    above = [p for p in pts if p[0] >= value]
    if below and above:
        a, b = below[-1], above[0]
        return f'between "{a[1]}" ({a[0]:g}) and "{b[1]}" ({b[0]:g})'
    if below:
        return f'above "{below[-1][1]}" ({below[-1][0]:g})'
    return f'below "{above[0][1]}" ({above[0][0]:g})'


# ------------------------------------------------------------------------------ display names
def short_name(name: str | None, fallback: str = "") -> str:
    """A scenario's name for an actor or issue without its trailing explanation in brackets,
    for use inside a sentence.

    >>> short_name("United States (executive)")
    'United States'
    >>> short_name("Ceasefire (how completely the fighting stops)")
    'Ceasefire'
    >>> short_name("Russia"), short_name(None, "ru"), short_name("(only brackets)", "x")
    ('Russia', 'ru', '(only brackets)')
    """
    if not name:
        return fallback
    text = name.strip()
    if text.endswith(")") and "(" in text:
        head = text[: text.rfind("(")].rstrip(" ,;:–-")
        if head:
            return head
    return text


def actor_name(scenario: Any, actor: Any) -> str:
    """The short display name of an actor given by id or index (its id when the scenario
    does not know it)."""
    return _named(scenario.actors, actor)


def issue_name(scenario: Any, issue: Any) -> str:
    """The short display name of an issue given by id or index."""
    return _named(scenario.issues, issue)


def _named(seq: Any, key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(seq):
        obj = seq[key]
    else:
        obj = next((o for o in seq if o.id == key), None)
    if obj is None:
        return "—" if key is None else str(key)
    return short_name(getattr(obj, "name", None), obj.id)


# ------------------------------------------------------------------------ default assumptions
@dataclass(frozen=True)
class Default:
    """One default the analysis assumed because the scenario is silent: what it is, in
    words (``text``), and the question ids whose answer depends on it (``questions``)."""

    text: str
    questions: tuple[str, ...] = ()


def default_assumptions(scenario: Any, answers: dict[str, float] | None = None,
                        draws: int = 1) -> list[Default]:
    """The defaults behind the results that a reader could otherwise take for findings.

    ``answers`` maps question ids to their probabilities; a question is listed under a
    default when its answer depends on it and is 0% or 100% (as printed), i.e. when the
    default may be what makes it certain. Covered: actors without ``no_deal.expects`` (their
    no-deal value is their utility of the status quo), tables where that makes a zone of
    agreement certain, members without any stance, and runs of many draws over inputs that
    have no ``uncertainty``.
    """
    answers = answers or {}
    nd = scenario.no_deal
    unc = scenario.uncertainty
    at_table = {a for t in scenario.tables for a in t.members}
    vetoes = {v.actor for v in scenario.implementation}
    involved = at_table | vetoes
    out: list[Default] = []

    def certain(qids: Any) -> tuple[str, ...]:
        return tuple(q for q in qids if q in answers
                     and (answers[q] < 0.005 or answers[q] >= 0.995))

    deps = {q.id: question_actors(q.when, scenario) for q in scenario.questions}

    def indifferent(a: str) -> bool:  # no stance: utility 0 for every agreement
        cares = any(st.salience > 0 or f"stances.{a}.{i}.salience" in unc
                    for i, st in scenario.stances.get(a, {}).items())
        entry = nd.get(a)
        return not cares and (entry is None or (entry.value is None and entry.cost >= 0
                                                and f"no_deal.{a}.cost" not in unc))

    blank = [a.id for a in scenario.actors if a.id in involved and indifferent(a.id)]
    silent = [a.id for a in scenario.actors if a.id in involved and a.id not in blank
              and (a.id not in nd or (not nd[a.id].expects and nd[a.id].value is None))]
    if silent:
        names = ("Every actor" if len(silent) > 3 and len(silent) == len(scenario.actors) else
                 "Every actor at a table or with a veto" if len(silent) > 3
                 and set(silent) == involved else
                 _list([f"{actor_name(scenario, a)} ({a})" for a in silent]))
        cost = any(a in nd for a in silent)
        text = (f"{names}: no `expects` under `no_deal`, so "
                + ("each is" if len(silent) > 1 else "it is")
                + " taken to expect the status quo without a deal: its no-deal value is its "
                "utility of the status quo" + (" (less any declared cost)." if cost else "."))
        hit = certain(q for q, acts in deps.items() if acts & set(silent))
        out.append(Default(text, hit))

        if not scenario.process.unilateral:  # a move shifts the no-deal state off the status quo
            for t in scenario.tables:
                costly = all(
                    m in silent and m in nd and nd[m].cost > 1e-6 and nd[m].drift >= 0
                    and f"no_deal.{m}.cost" not in unc and f"no_deal.{m}.drift" not in unc
                    for m in t.members)
                if not costly:
                    continue
                text = (f"At table {t.id} a zone of agreement exists by construction: every "
                        "member expects the status quo and pays a cost to walk away, so the "
                        "status quo itself beats no deal for all of them.")
                zone_qs = [q.id for q in scenario.questions
                           if _kind(q.when) == "zone" and q.when.zone.table == t.id]
                out.append(Default(text, certain(zone_qs)))

    if blank:
        names = _list([f"{actor_name(scenario, a)} ({a})" for a in blank])
        text = (f"{names}: no stance on any issue, so every agreement is the same to "
                + ("them and they accept" if len(blank) > 1 else "it and it accepts")
                + " any agreement.")
        out.append(Default(text, certain(q for q, acts in deps.items() if acts & set(blank))))

    if draws > 1 and not unc:
        out.append(Default(
            "No `uncertainty` section: the inputs are the same in every draw, so forecasts, "
            "zones and deals are too; only the process model's chances vary between draws."))
    return out


def question_actors(pred: Any, scenario: Any) -> set[str]:
    """The actors whose no-deal values a question's condition depends on."""
    kind = _kind(pred)
    args = getattr(pred, kind)
    if kind in ("all", "any"):
        return set().union(*(question_actors(p, scenario) for p in args))
    if kind == "not_":
        return question_actors(args, scenario)
    members = {t.id: set(t.members) for t in scenario.tables}
    if kind in ("zone", "concluded", "credible", "lapsed", "talks"):
        return members.get(args.table, set())
    if kind in ("holds", "in_force"):
        return members.get(args.table, set()) | {v.actor for v in scenario.implementation}
    if kind == "accepts":
        return members.get(args.table, set()) | {args.actor}
    if kind == "outcome":
        return members.get(args.source, set())
    if kind == "unilateral":
        return set().union(*(m for m in members.values() if args.actor in m))
    return set()


def _kind(pred: Any) -> str:
    return next(iter(type(pred).model_fields))


def _list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
