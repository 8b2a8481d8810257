"""The terminal summary of an analysis (rich)."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from ..analysis import Analysis
from ..forecast import registry
from ..labels import default_assumptions, describe
from .fit import Col, fit_tables
from .numbers import calibration_sentence
from .numbers import pct as _pct

__all__ = ["render_summary"]


def _fmt(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def render_summary(analysis: Analysis, console: Console,
                   data: dict[str, Any] | None = None) -> None:
    """Print actors, issues with their labels, and every model's forecast per issue."""
    s = analysis.scenario
    d = analysis.to_dict() if data is None else data  # pass it in to summarise only once
    many = analysis.draws > 1
    console.print(f"[bold]{s.title}[/bold]  ({s.id}, as of {s.as_of.isoformat()})")
    seed = "" if analysis.seed is None else f", seed {analysis.seed}"
    console.print(
        f"detente {analysis.version} · {analysis.draws:,} draw{'s' if many else ''}{seed} · "
        f"inputs {analysis.fingerprint[:19]}… · {analysis.seconds * 1000:.0f} ms"
        + (" · streamed: quantiles ±0.1%" if analysis.streamed else "")
    )

    t = Table(title="Actors", title_justify="left", show_edge=False)
    t.add_column("id")
    t.add_column("name")
    t.add_column("capability", justify="right")
    t.add_column("U(status quo)", justify="right")
    t.add_column("no-deal value", justify="right")
    for a, rec in zip(s.actors, d["actors"]):
        t.add_row(a.id, a.name, f"{rec['capability_share']:.0%}",
                  _fmt(rec["status_quo_utility"]["p50"], 2), _fmt(rec["no_deal_value"]["p50"], 2))
    console.print(t)

    title = "Forecast per issue" + (" (medians over draws; [5%–95%] for the ensemble)"
                                    if many else "")
    cols = [Col("issue", num=False), Col("status quo"), *(Col(m) for m in analysis.models)]
    ens = "ensemble" if len(analysis.models) > 1 else None
    if ens:
        cols.append(Col("ensemble"))
    meanings, rows = [], []
    for iss, rec in zip(s.issues, d["issues"]):
        cells = []
        for m in analysis.models:
            st = rec["forecast"][m]
            cells.append("undefined" if st["p50"] is None else f"{st['p50']:.1f}")
        key = ens or analysis.models[0]
        st = rec["forecast"][key]
        if ens:
            v = "undefined" if st["p50"] is None else f"{st['p50']:.1f}"
            if many and st["p50"] is not None:
                v += f" [{st['p05']:.0f}–{st['p95']:.0f}]"
            cells.append(v)
        if st["p50"] is not None:
            meanings.append(f"  {iss.id} {st['p50']:.0f}: {describe(iss, st['p50'], max_label=60)}")
        rows.append([iss.id, f"{iss.status_quo:g}", *cells])
    for t in fit_tables(console.width, cols, rows, title=title):
        console.print(t)
    if meanings:
        console.print("In words (" + ("ensemble" if ens else analysis.models[0]) + "):")
        for line in meanings:
            console.print(line, markup=False)
    names = "; ".join(f"{m} = {registry.get(m).title}" for m in analysis.models)
    console.print(f"[dim]Models: {names}"
                  + ("; ensemble = their mean" if ens else "") + ".[/dim]")
    from .trails import render_trails

    render_trails(analysis, console)
    if d["tables"]:
        from .tables import render_tables

        render_tables(analysis, console, d)
    if d.get("process"):
        from .process import render_process

        render_process(console, d, many=many, as_of=s.as_of.isoformat())
    if d.get("timelines"):
        _render_timelines(analysis, console, d)
    _render_defaults(analysis, console)
    if analysis.questions:
        _render_questions(analysis, console)


def _render_defaults(analysis: Analysis, console: Console) -> None:
    """One short line per default the results rest on (:func:`detente.labels.default_assumptions`),
    with the questions it may have made 0% or 100%, so that such an answer is not read as a
    finding."""
    from rich.padding import Padding
    from rich.text import Text

    many = analysis.draws > 1
    answers = {q.id: q.probability for q in analysis.questions}
    found = default_assumptions(analysis.scenario, answers, analysis.draws)
    if not found:
        return
    console.print()
    console.print(Text.assemble(("Defaults assumed", "bold"), " (the scenario is silent on "
                                "these; what follows from them is an assumption, not a "
                                "finding):"))
    g = Table.grid(padding=(0, 1))
    g.add_column(no_wrap=True)
    g.add_column(overflow="fold")
    for item in found:
        line = Text(item.text)
        if item.questions and many:  # a point estimate is all yes or no anyway
            shown = ", ".join(f"{q} {answers[q]:.0%}" for q in item.questions)  # as column P
            line.append(f"\nAt 0% or 100% and resting on it: {shown}.", style="dim")
        g.add_row("•", line)
    console.print(Padding(g, (0, 0, 0, 2)))


def _render_timelines(analysis: Analysis, console: Console, data: dict[str, Any]) -> None:
    """Month by month: the share of draws with a zone of agreement and with a deal that holds."""
    console.print()
    console.print("[bold]Timeline[/bold] (months after "
                  f"{analysis.scenario.as_of.isoformat()}; share of draws; no-deal values drift)")
    for tid, tl in data["timelines"].items():
        months = [int(m) for m in tl["months"]]
        zone = tl["zone_share"]
        holds = tl["holds_share"]
        console.print(f"  {tid}: zone " + " ".join(f"{m}:{_pct(z)}" for m, z in zip(months, zone)),
                      markup=False)
        console.print(f"  {' ' * len(tid)}  holds " + " ".join(
            f"{m}:{_pct(h)}" for m, h in zip(months, holds)), markup=False)


def _render_questions(analysis: Analysis, console: Console) -> None:
    many = analysis.draws > 1
    console.print()
    t = Table(title="Questions" + (f" (share of {analysis.draws:,} draws; 95% interval)"
                                   if many else " (point estimate: yes or no)"),
              title_justify="left", show_edge=False)
    t.add_column("question")
    t.add_column("P" if many else "answer", justify="right", no_wrap=True)
    if many:
        t.add_column("95%", justify="right", no_wrap=True)
    cal = many and any(q.calibrated is not None for q in analysis.questions)
    if cal:
        t.add_column("calibrated", justify="right", no_wrap=True)
    for q in analysis.questions:
        if many:
            lo, hi = q.interval
            row = [q.text, f"{q.probability:.0%}", f"{_pct(lo)}–{_pct(hi)}"]
            if cal:
                row.append("—" if q.calibrated is None else
                           f"{_pct(q.calibrated[0])} ({_pct(q.calibrated[1])}–"
                           f"{_pct(q.calibrated[2])})")
            t.add_row(*row)
        else:
            t.add_row(q.text, "yes" if q.probability >= 0.5 else "no")
    console.print(t)
    if cal and analysis.calibration is not None:
        text = calibration_sentence(analysis.calibration.describe())
        console.print(f"Calibrated: the answer mapped to how often the model's answers came "
                      f"true: {text} Its interval adds the map's own uncertainty; "
                      "`--calibration none` leaves it out.", style="dim", markup=False)
    console.print("[dim]Conditions are evaluated per draw on the analyses above; month by "
                  "month for deals (no-deal values drift).[/dim]")
    sens = analysis.sensitivity
    if sens is not None and sens.outputs:
        console.print()
        console.print("[bold]What drives the answers[/bold] (PAWN sensitivity index, median over "
                      "slices; 0 = no influence)")
        for q in analysis.questions:
            key = f"question:{q.id}"
            if key not in sens.outputs or not np.any(sens.outputs[key]["median"] > 0):
                continue
            top = ", ".join(f"{name} ({v:.2f})" for name, v in sens.top(key, 3))
            console.print(f"  {q.id}: {top}", markup=False)
    elif sens is not None and sens.note:
        console.print(f"[dim]Sensitivity: {sens.note}.[/dim]")
