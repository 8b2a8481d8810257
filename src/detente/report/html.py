"""The HTML report of an analysis: one self-contained file that works offline and on paper.

:func:`render_html` turns an :class:`~detente.analysis.Analysis` into a single HTML document:
the questions and their answers first (and the defaults they rest on), then positions and
forecasts per issue (with the dynamic models' positions round by round), each table's deal and
who accepts it, the gain from linkage, the stability picture, the timeline (how the
talks unfold in the process model, month by month), sensitivity, every source with the
parameters it supports, and how the run was produced.
Charts are plotly figures; plotly.js is inlined once, so the file loads nothing from the
network (a Content-Security-Policy in the document forbids it too). Every chart has a table
of its numbers beside it, so a printout still carries the values. Every input number carries
the sources behind it (:mod:`.html_inputs`): a tooltip on hover, keyboard focus or a tap.

Needs the optional extra ``detente[report]`` (jinja2, plotly).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis import Analysis
from ..errors import DetenteError
from ..forecast import registry
from ..labels import describe
from .html_inputs import Cites
from .html_sections import _num, _pct_interval, _range, _share
from .numbers import calibration_sentence
from .process import HTML_MONTHS, MEASURES, process_view
from .tables import _v as _stat  # the median with its 5–95% range, as in the terminal
from .terminal import _pct

if TYPE_CHECKING:  # pragma: no cover
    from ..certainty import CertainAnswer
    from ..stability.run import StabilityRun

__all__ = ["ReportError", "check_report_extra", "render_html", "write_report"]

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
                    "cal": None if q.calibrated is None else q.calibrated[0],
                    "calibrated_text": None if q.calibrated is None else
                    _pct_interval(*q.calibrated),
                    "resolution": q.resolution, "note": notes.get(q.id)})
    return out


def _actors(analysis: Analysis, data: dict[str, Any], cites: Cites) -> list[dict[str, Any]]:
    nd = analysis.scenario.no_deal
    return [{"id": a.id, "name": a.name, "role": a.role,
             "capability": _pct(rec["capability_share"]),
             "capability_cite": cites(f"actors.{a.id}.capability", a),
             "u_sq": _num(rec["status_quo_utility"]["p50"], 2),
             "no_deal": _num(rec["no_deal_value"]["p50"], 2),
             "no_deal_cite": cites(f"no_deal.{a.id}", nd.get(a.id), prefix=f"no_deal.{a.id}.")}
            for a, rec in zip(analysis.scenario.actors, data["actors"])]


def _issues(analysis: Analysis, data: dict[str, Any], many: bool,
            cites: Cites) -> list[dict[str, Any]]:
    s = analysis.scenario
    out = []
    for iss, rec in zip(s.issues, data["issues"]):
        positions = [{"actor": a.id, "name": a.name, "position": st.position,
                      "salience": st.salience,
                      "position_cite": cites(f"stances.{a.id}.{iss.id}.position", st),
                      "salience_cite": cites(f"stances.{a.id}.{iss.id}.salience", st)}
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
                    "status_quo_cite": cites(f"issues.{iss.id}.status_quo", iss),
                    "status_quo_meaning": describe(iss, iss.status_quo),
                    "description": iss.description, "positions": positions,
                    "forecasts": forecasts})
    return out


def _trails(analysis: Analysis) -> list[dict[str, Any]]:
    from .trails import format_trail_entry

    return [{"model": m, "steps": len(tr),
             "shown": [format_trail_entry(e, analysis) for e in tr[:_TRAIL_STEPS]]}
            for m in analysis.models if (tr := analysis.first_draw.forecasts[m].trail)]


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
def _certainty_view(certain: tuple[CertainAnswer, ...] | None, s: Any) -> list[dict[str, Any]]:
    """The certain answers and what each relaxation tried makes of them (moved ones first)."""
    texts = {q.id: q.text for q in s.questions}
    out = []
    for c in certain or ():
        moved = c.moved
        rows = [{"p": _pct(r.probability), "text": r.text, "moved": r in moved}
                for r in (*moved, *(r for r in c.tried if r not in moved))]
        out.append({"id": c.question, "text": texts.get(c.question, c.question),
                    "answer": _pct(c.probability), "rows": rows,
                    "draws": next((r.draws for r in c.tried), 0)})
    return out


def render_html(analysis: Analysis, *, stability: StabilityRun | None = None,
                certainty: tuple[CertainAnswer, ...] | None = None) -> str:
    """The report as one self-contained HTML document (a string).

    ``stability`` is the result of :func:`~detente.stability.scenario.conflict_stability` for
    the same scenario (a :class:`~detente.stability.run.StabilityRun`); without it, the
    analysis's own (``Analysis.stability``). ``certainty``: the audit of the certain answers
    (:func:`detente.certainty.certain_answers`), shown under the questions. Raises
    :class:`~detente.errors.DetenteError` when the optional extra ``detente[report]`` is not
    installed.
    """
    jinja2, _ = _require()
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    from . import html_charts as hc
    from . import html_graphs as hg
    from . import html_inputs as hi
    from . import html_rounds as hr
    from . import html_sections as hs

    s = analysis.scenario
    many = analysis.draws > 1
    data = analysis.to_dict()
    ch = hc.Charts()
    cites = Cites(s)
    questions = _questions(analysis, many)
    issues = _issues(analysis, data, many, cites)
    tables = hs.tables_view(analysis, data, many, cites)
    timelines = hs.timelines_view(data)
    process = process_view(data.get("process"), limit=HTML_MONTHS)
    sens = _sensitivity(analysis)
    linkage_rows = [r for t in tables for r in t["linkage_rows"]]
    fronts = {f["id"]: f for f in hg.frontiers(s)}
    for t in tables:
        f = fronts.get(t["id"])
        t["frontier"] = f if f is not None and f["points"] is not None else None
    for iss, view in zip(issues, hr.rounds_view(analysis, data)):
        iss["rounds"] = view
    run = stability if stability is not None else (
        None if analysis.stability is None else analysis.stability.run)
    if run is None and s.conflict is not None:  # an Analysis made before it kept its own
        run = hs.stability_run(s)
    graph = hg.stability_graph(run) if run is not None else None
    charts = {
        "questions": hc.question_chart(ch, questions, many) if questions else None,
        "issues": [hc.issue_chart(ch, k, iss, many) for k, iss in enumerate(issues)],
        "rounds": [hr.rounds_chart(ch, k, iss["rounds"]) if iss["rounds"] else None
                   for k, iss in enumerate(issues)],
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
    env.filters["code"] = hi.ticks_to_code
    template = env.get_template("report.html.j2")
    return template.render(
        s=s, a=analysis, many=many, questions=questions,
        calibration_text=(None if analysis.calibration is None
                          else calibration_sentence(analysis.calibration.describe())), actors=_actors(analysis, data, cites),
        defaults=hi.defaults_view(analysis, many),
        certainty=_certainty_view(certainty, s),
        no_deal_inputs=hi.no_deal_inputs(s, cites),
        process_inputs=hi.process_inputs(s, cites) if process else [],
        issues=issues, trails=_trails(analysis), tables=tables, linkage_rows=linkage_rows,
        stability=hs.stability_view(analysis, run), stability_graph=graph,
        timelines=timelines, timeline_rows=hs.timeline_rows(timelines), process=process,
        measures=MEASURES, sensitivity=sens,
        sources=_sources(s), provenance=_provenance(analysis), charts=charts,
        models=[(m, registry.get(m).title) for m in analysis.models],
        plotly_js=Markup(get_plotlyjs()))


def write_report(analysis: Analysis, path: str | os.PathLike[str], *,
                 stability: StabilityRun | None = None) -> Path:
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
