"""Where each input number of the HTML report comes from, and the defaults it rests on.

:class:`Cites` gives every input number the report shows (a capability, a position, a
salience, a status quo, a no-deal cost or expectation, a process input) the sources behind
it: the ``sources`` of the scenario block that holds it (:class:`~detente.scenario.types.Cited`)
and, when the number is uncertain, its distribution and that entry's sources. The template
shows them in a tooltip on hover, on keyboard focus and on a tap (:func:`no_deal_inputs`,
:func:`process_inputs` list the inputs that have no other place in the report).
:func:`defaults_view` is the terminal's "Defaults assumed" block for the report.
"""

from __future__ import annotations

import re
from typing import Any

from ..labels import default_assumptions
from .numbers import pct as _pct

__all__ = ["Cites", "defaults_view", "no_deal_inputs", "process_inputs", "ticks_to_code"]


def _g(v: float) -> str:
    return f"{v:g}"


def _dist_text(dist: Any) -> str:
    """A distribution as the scenario file writes it: "triangular(75, 100, 100)"."""
    data = dist.model_dump()
    kind = data.pop("dist", type(dist).__name__.lower())
    args = ", ".join(_g(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else
                     str(v) for v in data.values() if v is not None)
    return f"{kind}({args})"


class Cites:
    """The provenance of the report's input numbers; each call gives one number's tooltip.

    ``cites(path, *blocks)``: ``path`` is the number's path in the scenario file
    (``stances.ru.territory.position``), as ``uncertainty`` names it; ``blocks`` are the
    scenario blocks whose ``sources`` support it; ``prefix`` (for a value derived from a
    block, such as a no-deal value) gathers every uncertainty entry under it instead.
    """

    def __init__(self, scenario: Any) -> None:
        self.sources = {src.id: src for src in scenario.sources}
        self.uncertainty = dict(scenario.uncertainty)
        self.n = 0

    def source(self, sid: str) -> dict[str, Any]:
        src = self.sources.get(sid)
        if src is None:
            return {"id": sid, "title": None, "publisher": None, "date": None, "known": False}
        return {"id": sid, "title": src.title, "publisher": src.publisher,
                "date": src.date.isoformat() if src.date else None, "known": True}

    def __call__(self, path: str, *blocks: Any, prefix: str | None = None) -> dict[str, Any]:
        ids = list(dict.fromkeys(sid for b in blocks if b is not None
                                 for sid in getattr(b, "sources", ()) or ()))
        keys = ([k for k in self.uncertainty if k.startswith(prefix)] if prefix else
                [path] if path in self.uncertainty else [])
        uncertain = [{"path": k, "dist": _dist_text(self.uncertainty[k].distribution),
                      "sources": [self.source(s) for s in self.uncertainty[k].sources]}
                     for k in keys]
        self.n += 1
        return {"id": f"cite-{self.n}", "path": path,
                "sources": [self.source(s) for s in ids], "uncertain": uncertain}


# ------------------------------------------------------------------------------ inputs
def no_deal_inputs(scenario: Any, cites: Cites) -> list[dict[str, Any]]:
    """Per actor, the no-deal inputs the scenario declares: cost, drift, an explicit value,
    and the issue values it expects without a deal (each with its sources). Actors the
    section is silent on are left out (the defaults block says what is assumed for them)."""
    rows = []
    for a in scenario.actors:
        nd = scenario.no_deal.get(a.id)
        if nd is None:
            continue
        base = f"no_deal.{a.id}"
        row: dict[str, Any] = {"actor": a.id, "name": a.name}
        for key in ("cost", "drift", "value"):
            v = getattr(nd, key)
            declared = key in nd.model_fields_set and v is not None
            row[key] = ({"text": _g(v), "cite": cites(f"{base}.{key}", nd)} if declared
                        else None)
        expects = []
        for iss, e in nd.expects.items():
            value, sd = (e, 0.0) if isinstance(e, (int, float)) else (e.value, e.sd)
            unit = next((i.unit for i in scenario.issues if i.id == iss), None)
            expects.append({"issue": iss, "unit": unit,
                            "text": _g(value) + (f" ± {_g(sd)}" if sd else ""),
                            "cite": cites(f"{base}.expects.{iss}", nd)})
        row["expects"] = expects
        rows.append(row)
    return rows


def _declared(block: Any) -> set[str]:
    return set(getattr(block, "model_fields_set", set()))


def process_inputs(scenario: Any, cites: Cites) -> list[dict[str, Any]]:
    """The process model's inputs the scenario declares, one row each: what it is (in words),
    its path in the file, its value and its sources. Defaults are not listed here: the
    process section's "Assumptions" names them."""
    p = scenario.process
    rows: list[dict[str, Any]] = []

    def add(label: str, path: str, text: str, *blocks: Any) -> None:
        rows.append({"label": label, "path": path, "text": text,
                     "cite": cites(path, *blocks)})

    if p.horizon is not None:
        add("months simulated", "process.horizon", str(p.horizon), p)
    if p.beliefs.half_life is not None:
        add("beliefs converge: half-life (months)", "process.beliefs.half_life",
            _g(p.beliefs.half_life), p.beliefs, p)
    if "breakdown" in _declared(p):
        add("chance a rejected proposal ends the talks", "process.breakdown",
            _g(p.breakdown), p)
    for a, v in p.discount.items():
        add(f"monthly discount factor of {a}", f"process.discount.{a}", _g(v), p)
    for tid, tp in p.tables.items():
        declared = _declared(tp)
        if "start" in declared:
            add(f"talks at {tid} begin (month)", f"process.tables.{tid}.start", _g(tp.start),
                tp)
        if "chance" in declared:
            add(f"monthly chance the talks at {tid} meet", f"process.tables.{tid}.chance",
                _g(tp.chance), tp)
        if isinstance(tp.recognition, dict):
            for a, w in tp.recognition.items():
                add(f"weight of {a} as proposer at {tid}",
                    f"process.tables.{tid}.recognition.{a}", _g(w), tp)
        elif tp.recognition == "alternating":
            add(f"proposers at {tid}", f"process.tables.{tid}.recognition", "alternating", tp)
    if p.base_rate is not None:
        br = p.base_rate
        add("monthly chance a round reaches a decision (pace)", "process.base_rate.pace",
            _g(br.pace), br)
        if "lapse" in _declared(br):
            add("monthly chance a concluded deal lapses", "process.base_rate.lapse",
                _g(br.lapse), br)
    cm = p.commitment
    if "window" in _declared(cm):
        add("months ahead a member looks before reneging", "process.commitment.window",
            _g(cm.window), cm)
    for a, v in cm.penalty.items():
        add(f"cost of reneging to {a}", f"process.commitment.penalty.{a}", _g(v), cm)
    for pa in p.partials:
        base = f"process.partials[{pa.id}]"
        add(f"monthly chance partial agreement {pa.id} is on the agenda", f"{base}.chance",
            _g(pa.chance), pa)
        if pa.duration is not None:
            add(f"months {pa.id} is agreed for", f"{base}.duration", _g(pa.duration), pa)
        if "lapse" in _declared(pa):
            add(f"monthly chance {pa.id} lapses early", f"{base}.lapse", _g(pa.lapse), pa)
    for u in p.unilateral:
        base = f"process.unilateral[{u.actor}.{u.issue}]"
        add(f"how far {u.actor} can move {u.issue} alone", f"{base}.range",
            f"{_g(u.range[0])}–{_g(u.range[1])}", u)
        add(f"how far {u.actor} can move {u.issue} in a month", f"{base}.step", _g(u.step), u)
    if p.terms_error is not None:
        add("model error of a deal's terms", "process.terms_error", _g(p.terms_error), p)
    if p.terms_point != "compromise":
        add("point a concluded deal's terms are read around", "process.terms_point",
            p.terms_point, p)
    if p.pace_dispersion is not None:
        add("dispersion of the pace around the reference class (frailty variance)",
            "process.pace_dispersion", _g(p.pace_dispersion), p)
    return rows


# ------------------------------------------------------------------------------ defaults
_TICKS = re.compile(r"`([^`]+)`")


def ticks_to_code(text: str) -> Any:
    """Text with `backticks` as HTML: escaped, each `name` in a <code> element."""
    from markupsafe import Markup, escape

    return Markup(_TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def defaults_view(analysis: Any, many: bool) -> list[dict[str, Any]]:
    """:func:`~detente.labels.default_assumptions` for the report: each default in words and,
    with draws, the questions at 0% or 100% that rest on it (their text and answer)."""
    answers = {q.id: q.probability for q in analysis.questions}
    texts = {q.id: q.text for q in analysis.questions}
    out = []
    for d in default_assumptions(analysis.scenario, answers, analysis.draws):
        qs = [{"id": q, "text": texts.get(q, q), "answer": _pct(answers[q])}
              for q in d.questions] if many else []
        out.append({"text": d.text, "questions": qs})
    return out
