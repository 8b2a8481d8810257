"""The HTML report of an analysis: one self-contained file that works offline and on paper.

:func:`render_html` turns an :class:`~detente.analysis.Analysis` into a single HTML document:
the questions and their answers first, then positions and forecasts per issue, each table's
deal and who accepts it, the gain from linkage, the stability picture, the timeline (how the
talks unfold in the process model, month by month), sensitivity, every source with the
parameters it supports, and how the run was produced.
Charts are plotly figures; plotly.js is inlined once, so the file loads nothing from the
network (a Content-Security-Policy in the document forbids it too). Every chart has a table
of its numbers beside it, so a printout still carries the values.

Needs the optional extra ``detente[report]`` (jinja2, plotly).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Analysis
from ..errors import DetenteError
from ..forecast import registry
from ..labels import describe
from .process import HTML_MONTHS, MEASURES, process_view
from .tables import _v as _stat  # the median with its 5–95% range, as in the terminal
from .tables import holding_sentences, linkage_sentence
from .terminal import _pct

__all__ = ["ReportError", "check_report_extra", "render_html", "write_report"]

_MAX_EQUILIBRIA = 20
_TRAIL_STEPS = 6
_TOP_DRIVERS = 3


class ReportError(DetenteError):
    """The report could not be written (exit code 73, like every unwritable output)."""

    exit_code = 73


def check_report_extra() -> None:
    """Raise :class:`~detente.errors.DetenteError` unless ``detente[report]`` is installed
    (callers check before a long analysis rather than after it)."""
    _require()


def _require() -> tuple[Any, Any]:
    try:
        import jinja2
        import plotly
    except ImportError:
        raise DetenteError("the HTML report needs the optional extra: "
                           "pip install 'detente[report]'") from None
    return jinja2, plotly


# ------------------------------------------------------------------------------------ format
def _num(v: float | None, digits: int = 1, sign: bool = False) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    return f"{v:{'+' if sign else ''}.{digits}f}"


def _share(v: float, many: bool) -> str:
    if many:
        return _pct(v)
    return "yes" if v >= 0.5 else "no"


def _range(lo: float, hi: float) -> str:
    """A range of shares in the report's one interval notation, the terminal's: the bracket
    after the value, the unit written once ("[43–48]" after "46%")."""
    return f"[{_pct(lo).rstrip('%')}–{_pct(hi).rstrip('%')}]"


def _pct_interval(v: float, lo: float, hi: float) -> str:
    """A share with its interval: "46% [43–48]"."""
    return f"{_pct(v)} {_range(lo, hi)}"


# ------------------------------------------------------------------------------------ sections
def _questions(analysis: Analysis, many: bool) -> list[dict[str, Any]]:
    notes = {q.id: q.note for q in analysis.scenario.questions}
    out = []
    for q in analysis.questions:
        lo, hi = q.interval
        p_text = _share(q.probability, many)
        out.append({"id": q.id, "text": q.text, "p": q.probability, "lo": lo, "hi": hi,
                    "p_text": p_text, "ci_text": _range(lo, hi),
                    "answer_text": _pct_interval(q.probability, lo, hi) if many else p_text,
                    "resolution": q.resolution, "note": notes.get(q.id)})
    return out


def _actors(analysis: Analysis, data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": a.id, "name": a.name, "role": a.role,
             "capability": _pct(rec["capability_share"]),
             "u_sq": _num(rec["status_quo_utility"]["p50"], 2),
             "no_deal": _num(rec["no_deal_value"]["p50"], 2)}
            for a, rec in zip(analysis.scenario.actors, data["actors"])]


def _issues(analysis: Analysis, data: dict[str, Any], many: bool) -> list[dict[str, Any]]:
    s = analysis.scenario
    out = []
    for iss, rec in zip(s.issues, data["issues"]):
        positions = [{"actor": a.id, "name": a.name, "position": st.position,
                      "salience": st.salience}
                     for a in s.actors if (st := s.stances.get(a.id, {}).get(iss.id)) is not None]
        forecasts = []
        for m, st in rec["forecast"].items():
            title = "the mean of the models" if m == "ensemble" else registry.get(m).title
            forecasts.append({"model": m, "title": title, "p50": st["p50"], "p05": st["p05"],
                              "p95": st["p95"],
                              "text": "undefined" if st["p50"] is None else _stat(st, many),
                              "meaning": "—" if st["p50"] is None else describe(iss, st["p50"])})
        out.append({"id": iss.id, "name": iss.name, "unit": iss.unit,
                    "scale": (float(iss.scale[0]), float(iss.scale[1])),
                    "anchors": [{"value": float(v), "label": lab}
                                for v, lab in sorted(iss.anchors.items())],
                    "status_quo": iss.status_quo,
                    "status_quo_meaning": describe(iss, iss.status_quo),
                    "description": iss.description, "positions": positions,
                    "forecasts": forecasts})
    return out


def _trails(analysis: Analysis) -> list[dict[str, Any]]:
    from .trails import format_trail_entry

    return [{"model": m, "steps": len(tr),
             "shown": [format_trail_entry(e, analysis) for e in tr[:_TRAIL_STEPS]]}
            for m in analysis.models if (tr := analysis.forecasts[m].trail)]


def _zone_text(z: dict[str, Any], many: bool) -> str:
    if many:
        sh = z["share_of_packages"]
        return (f"P(zone of agreement) = {_pct(z['exists'])}; packages acceptable to all: "
                f"{_pct_interval(sh['p50'], sh['p05'], sh['p95'])}.")
    if z["exists"]:
        return (f"Zone of agreement: yes — every member can gain {z['max_min_gain']['p50']:.3f} "
                f"at once; packages acceptable to all: {z['share_of_packages']['p50']:.0%}.")
    need = max(0.0, -z["max_min_gain"]["p50"])
    how = (f"it would open if every member's no-deal value fell by {need:.3f}" if need >= 5e-4
           else "no package gives every member a strict gain")
    return f"Zone of agreement: none — {how}."


def _holds_text(t: dict[str, Any], many: bool) -> list[str]:
    if not t["vetoes"]:
        return ["No veto player sits outside this table: a deal needs only its members' "
                "acceptance."]
    return holding_sentences(t, many, pct=_pct, quotes=("“", "”"))


def _tables(analysis: Analysis, data: dict[str, Any], many: bool) -> list[dict[str, Any]]:
    s = analysis.scenario
    out = []
    for k, (tid, t) in enumerate(data["tables"].items()):
        table = next(x for x in s.tables if x.id == tid)
        alt = t["alternatives"]
        rows = []
        for iss in s.issues:
            deal = t["deal"]["package"][iss.id]
            hold = t["holding_deal"]["package"][iss.id]
            by = t["linkage"]["issue_by_issue"][iss.id]
            rows.append({
                "issue": iss.id, "name": iss.name, "unit": iss.unit,
                "scale": (float(iss.scale[0]), float(iss.scale[1])),
                "anchors": sorted(float(v) for v in iss.anchors),
                "sq": f"{iss.status_quo:g}", "sq_value": float(iss.status_quo),
                "deal": _stat(deal, many), "deal_value": deal["p50"],
                "deal_lo": deal["p05"], "deal_hi": deal["p95"],
                "nash_cap": _stat(alt["nash_capability"]["package"][iss.id], many,
                                  interval=False),
                "ks": _stat(alt["kalai_smorodinsky"]["package"][iss.id], many, interval=False),
                "holds": _stat(hold, many, interval=False), "holds_value": hold["p50"],
                "by_issue": _stat(by, many, interval=False), "by_issue_value": by["p50"],
                "meaning": deal.get("meaning") or "—"})
        members = []
        for a in t["members"]:
            tr = t["linkage"]["trades"][a]
            members.append({
                "actor": a, "no_deal": _stat(t["no_deal"][a], many, 2),
                "gain": _stat(t["deal"]["gain"][a], many, 2, sign=True),
                "linkage": _stat(t["linkage"]["gain_from_linkage"][a], many, 2, sign=True),
                "gives": ", ".join(i for i, p in tr["gives"].items() if p >= 0.5) or "—",
                "gets": ", ".join(i for i, p in tr["gets"].items() if p >= 0.5) or "—"})
        vetoes = []
        for v in t["vetoes"]:
            if many:
                verdict = (f"accepts in {_pct(v['accepts'])} of draws; its veto applies in "
                           f"{_pct(v['applies'])}")
            else:
                verdict = "accepts" if v["accepts"] >= 0.5 else "rejects"
                if v["applies"] < 0.5:
                    verdict += ", but its veto does not apply"
            vetoes.append({"actor": v["actor"], "verdict": verdict,
                           "issues": ", ".join(v["issues"]) if v["issues"] else "all issues",
                           "margin": _stat(v["margin"], many, 3, sign=True)})
        lk = t["linkage"]
        link_text = linkage_sentence(lk, many, pct=_pct)
        avoided = [("winning every veto player's acceptance" if name == "(none)" else
                    f"leaving the issues of {name} untouched")
                   + (f" ({_pct(p)} of draws)" if many else "")
                   for name, p in t["holding_deal"]["avoided_vetoes"].items()]
        out.append({
            "id": tid, "k": k, "name": table.name if table.name and table.name != tid else None,
            "members": t["members"], "zone": _zone_text(t["zone"], many), "package": rows,
            "member_rows": members, "vetoes": vetoes, "holds": _holds_text(t, many),
            "holding_avoided": avoided,
            "linkage": link_text[0].upper() + link_text[1:],
            "linkage_rows": [{"table": tid, "member": a,
                              "p50": lk["gain_from_linkage"][a]["p50"],
                              "lo": lk["gain_from_linkage"][a]["p05"],
                              "hi": lk["gain_from_linkage"][a]["p95"]} for a in t["members"]
                             if lk["gain_from_linkage"][a]["p50"] is not None],
        })
    return out


def _stability_run(scenario: Any) -> dict[str, Any]:
    """:func:`~detente.scenario.conflict.conflict_stability` for a scenario already loaded
    (the analysis keeps the validated scenario, not its file)."""
    from ..scenario.conflict import _status_quo_parts, to_engine
    from ..stability import stability_solve

    engine = to_engine(scenario.conflict, scenario.id)
    sq = scenario.conflict.status_quo_vector()
    run = {"result": stability_solve(engine), "options": list(scenario.conflict.option_ids()),
           "status_quo": sq, "title": scenario.title, "source": scenario.id,
           "owners": [o.owner for o in engine.options], "engine": engine}
    run.update(_status_quo_parts(engine, sq, "textbook"))
    return run


def _stability(analysis: Analysis, run: dict[str, Any] | None) -> dict[str, Any] | None:
    from ..scenario.conflict import describe_state
    from .stability import _NAMES

    s = analysis.scenario
    if run is None:
        if s.conflict is None:
            return None
        run = _stability_run(s)
    r, opts, sq = run["result"], run["options"], run["status_quo"]
    concepts = list(r.concepts)
    eqs = {c: set(r.equilibria(c)) for c in concepts}
    order = {st: i for i, st in enumerate(r.states)}
    states = sorted({st for c in concepts for st in eqs[c]},
                    key=lambda st: (st != sq, -sum(st in eqs[c] for c in concepts),
                                    order.get(st, 0)))
    rows = [{"state": st, "words": describe_state(opts, st), "sq": st == sq,
             "marks": [st in eqs[c] for c in concepts]} for st in states[:_MAX_EQUILIBRIA]]
    out: dict[str, Any] = {
        "concepts": [{"id": c, "name": _NAMES.get(c, c), "n": len(eqs[c])} for c in concepts],
        "n_states": len(r.states), "rows": rows, "more": max(0, len(states) - len(rows)),
        "options": [{"id": o, "owner": w} for o, w in zip(opts, run["owners"])],
        "dms": [{"dm": dm, "stable": [len(r.stable_states(c, i)) for c in concepts]}
                for i, dm in enumerate(r.decision_makers)],
        "sanction_rule": r.sanction_rule, "status_quo": None, "why": [], "moves": [],
        "coalitions": []}
    if sq is not None:
        where = [_NAMES.get(c, c).split(" ")[0] for c in concepts if sq in eqs[c]]
        out["status_quo"] = {"state": sq, "words": describe_state(opts, sq),
                             "where": ", ".join(where) if where else "no concept"}
    out["why"] = [e.text().splitlines()[0] for e in (run.get("explanations") or {}).get("gmr", [])]
    for concept, res in (run.get("status_quo_analysis") or {}).items():
        if concept not in ("nash", "gmr"):
            continue
        label = _NAMES[concept].split(" ")[0]
        paths = ["; ".join(f"{dm}: {a} → {b}" for dm, a, b in res.paths.get(eq, []))
                 for eq in res.equilibria if eq != res.status_quo][:3]
        out["moves"].append({
            "text": f"From the status quo, unilateral improvements reach {len(res.reachable)} "
                    f"state(s); {label} equilibria among them: "
                    + (", ".join(res.equilibria) if res.equilibria else "none")
                    + (" (search truncated)" if res.truncated else "") + ".",
            "paths": [f"to {eq} ({describe_state(opts, eq)}): {p}" for eq, p in
                      zip([e for e in res.equilibria if e != res.status_quo], paths)]})
    co = run.get("coalitions")
    if co is not None:
        for concept in ("nash", "gmr"):
            eq = co.equilibria(concept)
            out["coalitions"].append({
                "concept": _NAMES[concept].split(" ")[0],
                "states": [f"{st} ({describe_state(opts, st)})" for st in eq[:6]],
                "more": max(0, len(eq) - 6)})
    return out


def _timeline_rows(tls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per month (the union over tables), two cells per table: zone and holds."""
    months = sorted({m for tl in tls for m in tl["months"]})
    at = [{m: (z, h) for m, z, h in zip(tl["months"], tl["zone_text"], tl["holds_text"])}
          for tl in tls]
    return [{"month": m, "cells": [c for by in at for c in by.get(m, ("—", "—"))]}
            for m in months]


def _timelines(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for tid, tl in data["timelines"].items():
        first = {}
        for key in ("first_zone_month", "first_hold_month"):
            st = tl[key]
            first[key] = ("not within the horizon" if st["p50"] is None else
                          f"month {st['p50']:.0f} (median over the {_pct(st['defined'])} of "
                          "draws where it happens)")
        out.append({"table": tid, "months": [int(m) for m in tl["months"]],
                    "zone": tl["zone_share"], "holds": tl["holds_share"],
                    "zone_text": [_pct(v) for v in tl["zone_share"]],
                    "holds_text": [_pct(v) for v in tl["holds_share"]], **first})
    return out


def _sensitivity(analysis: Analysis) -> dict[str, Any]:
    sens = analysis.sensitivity
    if sens is None:
        from ..sensitivity import MIN_DRAWS

        why = (f"needs at least {MIN_DRAWS} draws (this run has {analysis.draws:,})"
               if analysis.draws < MIN_DRAWS else "no uncertain input or no output to rank")
        return {"note": f"Not computed: {why}.", "outputs": []}
    texts = {f"question:{q.id}": q.text for q in analysis.questions}
    texts.update({f"forecast:{iss.id}": iss.name for iss in analysis.scenario.issues})
    outs = []
    for key, v in sens.outputs.items():
        if not np.any(v["median"] > 0):
            continue
        kind, _, name = key.partition(":")
        label = f"question {name}" if kind == "question" else f"forecast of {name}"
        drivers = [(inp, val) for inp, val in sens.top(key, _TOP_DRIVERS) if val > 0]
        outs.append({"key": key, "kind": kind, "label": label, "text": texts.get(key),
                     "drivers": drivers,
                     "drivers_text": [f"{inp} ({val:.2f})" for inp, val in drivers]})
    return {"note": None if outs else (sens.note or "No input moves any output."),
            "outputs": outs, "method": sens.method.upper(), "slices": sens.slices}


def _citations(scenario: Any) -> dict[str, list[str]]:
    """Every parameter block that cites a source: source id → paths in the scenario file."""
    from pydantic import BaseModel

    out: dict[str, list[str]] = {}

    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, BaseModel):
            srcs = getattr(obj, "sources", ())
            if path and isinstance(srcs, tuple):
                for sid in srcs:
                    if isinstance(sid, str):
                        out.setdefault(sid, []).append(path)
            for name in type(obj).model_fields:
                if name != "sources":  # citations, or (at the top) the list of sources
                    walk(getattr(obj, name), f"{path}.{name}" if path else name)
        elif isinstance(obj, (tuple, list)):
            for k, x in enumerate(obj):
                key = getattr(x, "id", None) or getattr(x, "actor", None)
                walk(x, f"{path}[{key if isinstance(key, str) else k}]")
        elif isinstance(obj, dict):
            for k, x in obj.items():
                walk(x, f"{path}.{k:g}" if isinstance(k, float) else f"{path}.{k}")

    walk(scenario, "")
    return out


def _sources(scenario: Any) -> dict[str, Any]:
    cites = _citations(scenario)
    known = {src.id for src in scenario.sources}
    rows = []
    for src in scenario.sources:
        url = src.url or None
        rows.append({"id": src.id, "title": src.title, "author": src.author,
                     "publisher": src.publisher,
                     "date": src.date.isoformat() if src.date else None, "url": url,
                     "link": bool(url and url.lower().startswith(("http://", "https://"))),
                     "quote": src.quote, "note": src.note, "cited_by": cites.get(src.id, [])})
    unknown = {sid: paths for sid, paths in cites.items() if sid not in known}
    return {"rows": rows, "unknown": unknown,
            "uncited": sum(1 for r in rows if not r["cited_by"])}


def _provenance(analysis: Analysis) -> list[tuple[str, str]]:
    s = analysis.scenario
    models = "; ".join(f"{m} — {registry.get(m).title}" for m in analysis.models)
    if len(analysis.models) > 1:
        models += "; ensemble — the mean of the models"
    return [
        ("scenario", f"{s.id} (as of {s.as_of.isoformat()})"),
        ("inputs' fingerprint", analysis.fingerprint),
        ("seed", "none (point estimate)" if analysis.seed is None else str(analysis.seed)),
        ("draws", f"{analysis.draws:,}" + (" (point estimate)" if analysis.draws == 1 else
                                            " (Monte Carlo over the declared uncertainty)")
         + ("; summarised chunk by chunk (streamed: quantiles within ±0.1%)"
            if analysis.streamed else "")),
        ("uncertain parameters", str(len(s.uncertainty))),
        ("detente version", analysis.version),
        ("forecast models", models),
        ("computing time", f"{analysis.seconds:.2f} s"),
    ]


# ------------------------------------------------------------------------------------ document
def render_html(analysis: Analysis, *, stability: dict[str, Any] | None = None) -> str:
    """The report as one self-contained HTML document (a string).

    ``stability`` is the result of :func:`~detente.scenario.conflict.conflict_stability` for
    the same scenario; without it, the stability picture is computed here when the scenario
    has a ``conflict`` section. Raises :class:`~detente.errors.DetenteError` when the optional
    extra ``detente[report]`` is not installed.
    """
    jinja2, _ = _require()
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    from . import html_charts as hc
    from . import html_graphs as hg

    s = analysis.scenario
    many = analysis.draws > 1
    data = analysis.to_dict()
    ch = hc.Charts()
    questions = _questions(analysis, many)
    issues = _issues(analysis, data, many)
    tables = _tables(analysis, data, many)
    timelines = _timelines(data)
    process = process_view(data.get("process"), limit=HTML_MONTHS)
    sens = _sensitivity(analysis)
    linkage_rows = [r for t in tables for r in t["linkage_rows"]]
    fronts = {f["id"]: f for f in hg.frontiers(s)}
    for t in tables:
        f = fronts.get(t["id"])
        t["frontier"] = f if f is not None and f["points"] is not None else None
    run = stability
    if run is None and s.conflict is not None:
        run = _stability_run(s)
    graph = hg.stability_graph(run) if run is not None else None
    charts = {
        "questions": hc.question_chart(ch, questions, many) if questions else None,
        "issues": [hc.issue_chart(ch, k, iss, many) for k, iss in enumerate(issues)],
        "tables": [hc.deal_chart(ch, t["k"], t, many) for t in tables],
        "linkage": hc.linkage_chart(ch, linkage_rows, many) if linkage_rows else None,
        "timeline": hc.timeline_chart(ch, timelines) if timelines else None,
        "process": [hc.process_chart(ch, t, many) for t in process["tables"]] if process else [],
        "sensitivity": hc.sensitivity_chart(ch, sens["outputs"]) if sens["outputs"] else None,
        "frontiers": {t["id"]: hg.frontier_chart(ch, t["k"], t["frontier"]) for t in tables
                      if t["frontier"] is not None},
        "stability_graph": hg.stability_graph_chart(ch, graph) if graph and graph["nodes"]
        else None,
    }
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("detente.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = _pct
    template = env.get_template("report.html.j2")
    return template.render(
        s=s, a=analysis, many=many, questions=questions, actors=_actors(analysis, data),
        issues=issues, trails=_trails(analysis), tables=tables, linkage_rows=linkage_rows,
        stability=_stability(analysis, run), stability_graph=graph, timelines=timelines,
        timeline_rows=_timeline_rows(timelines), process=process, measures=MEASURES,
        sensitivity=sens,
        sources=_sources(s), provenance=_provenance(analysis), charts=charts,
        models=[(m, registry.get(m).title) for m in analysis.models],
        plotly_js=Markup(get_plotlyjs()))


def write_report(analysis: Analysis, path: str | os.PathLike[str], *,
                 stability: dict[str, Any] | None = None) -> Path:
    """Write :func:`render_html`'s document to ``path`` atomically (a temporary file in the
    same folder, then :func:`os.replace`): a reader never sees half a report, and a failure
    leaves any earlier report in place. Returns the path."""
    text = render_html(analysis, stability=stability)
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise ReportError(f"cannot write {path}: {e.strerror or e}") from None
    return path
