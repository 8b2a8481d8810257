"""Positions round by round (:mod:`.html`): what KTAB's GUI centres on, for every dynamic model.

The dynamic forecast models (expected utility, exchange, SMP: ``registry.get(m).dynamic``)
keep, besides the forecast outcome after each round (``ForecastResult.path``), every actor's
position after each round (``ForecastResult.positions``). Per issue, :func:`rounds_view`
takes their medians over the draws (the outcome's median comes from the JSON summary,
``path_median``), in the issue's own units, and cuts the rounds after which no line moves;
:func:`rounds_chart` draws one strip per model, a line per actor and a thick line for the
forecast outcome.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from ..analysis import POSITIONS_KEPT
from ..forecast import registry
from ..labels import short_name
from .html_charts import Charts, _esc, issue_axis_title

__all__ = ["ACTOR_COLOURS", "rounds_chart", "rounds_view"]

ACTOR_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22")
_DASHES = ("solid", "dash", "dot", "dashdot")
_WORD = {"smp": "turn"}  # KTAB's word for SMP's rounds
_STRIP, _GAP = 210, 70  # px: the height of one model's strip, the gap (its x axis) under it
_LEGEND_WIDTH = 26  # characters per line of an actor's name in the legend (a phone: ~360 px)


def _first_round(res: Any) -> int:
    """The round of ``path``'s first entry: 0 when it starts from the input (exchange, SMP),
    1 when it starts after the first round (the expected-utility model)."""
    rounds = res.params.get("rounds")
    return 1 if isinstance(rounds, int) and res.path.shape[1] == rounds else 0


def _kept(series: np.ndarray, tol: float) -> int:
    """How many rounds to show of ``series`` (R, K): up to the last that changes anything."""
    if len(series) < 2:
        return len(series)
    step = np.abs(np.diff(np.nan_to_num(series), axis=0)).max(axis=1)
    moved = np.flatnonzero(step > tol)
    return max(2, int(moved[-1]) + 2) if moved.size else 2


def _fmt(v: float | None, digits: int) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def rounds_view(analysis: Any, data: dict[str, Any]) -> list[dict[str, Any] | None]:
    """Per issue (scenario order): each dynamic model's rounds, the forecast outcome and every
    actor's position by round (medians over the draws, issue units); None for an issue when
    the run has no dynamic model."""
    s = analysis.scenario
    # every draw's positions or, in a streamed run (which keeps none), draw 0's: the note says so
    kept = analysis.first_draw if analysis.per_draw is None else analysis.per_draw
    d = kept.inputs
    dynamic = [m for m in analysis.models
               if registry.get(m).dynamic and kept.forecasts[m].path is not None]
    if not dynamic:
        return [None] * len(s.issues)
    many = analysis.draws > 1
    names = {a.id: short_name(a.name, a.id) for a in s.actors}
    colour = {a.id: (ACTOR_COLOURS[k % len(ACTOR_COLOURS)],
                     _DASHES[(k // len(ACTOR_COLOURS)) % len(_DASHES)])
              for k, a in enumerate(s.actors)}
    out: list[dict[str, Any] | None] = []
    for j, (iss, rec) in enumerate(zip(s.issues, data["issues"])):
        lo, hi = (float(v) for v in iss.scale)
        digits = 1 if hi - lo >= 20 else 2
        models = []
        for m in dynamic:
            res = kept.forecasts[m]
            med = rec["forecast"][m].get("path_median") or []
            outcome = np.array([np.nan if v is None else v for v in med], dtype=float)
            actors = []
            pos = res.positions
            first = _first_round(res)
            if pos is not None:
                at = [k for k, a in enumerate(d.actors) if bool(d.has_stance[k, j])]
                with np.errstate(all="ignore"):
                    p = np.nanmedian(pos[:, :, at, j], axis=0).astype(float)  # (R, A')
                    n = min(len(outcome), p.shape[0]) if len(outcome) else p.shape[0]
                    outcome, p = (outcome[:n] if len(outcome) else np.full(n, np.nan)), p[:n]
                    if first == 1:  # round 0, the input, for every model alike
                        p = np.vstack([np.nanmedian(d.position[:, at, j], axis=0), p])
                        outcome, first = np.concatenate([[np.nan], outcome]), 0
                p = lo + p * (hi - lo)
                actors = [(d.actors[k], p[:, c]) for c, k in enumerate(at)]
            series = np.column_stack([outcome, *(y for _, y in actors)])
            keep = _kept(series, 1e-6 * (hi - lo))
            word = _WORD.get(m, "round")
            rounds = list(range(first, first + keep))
            cut = len(outcome) - keep
            models.append({
                "model": m, "title": registry.get(m).title, "word": word, "rounds": rounds,
                "outcome": [None if not np.isfinite(v) else float(v) for v in outcome[:keep]],
                "actors": [{"id": a, "name": names.get(a, a), "colour": colour[a][0],
                            "dash": colour[a][1],
                            "y": [None if not np.isfinite(v) else float(v) for v in y[:keep]]}
                           for a, y in actors],
                "has_positions": pos is not None,
                "first_is_input": first == 0,
                "cut": (f"the lines stay flat after {word} {rounds[-1]}: the {cut} later {word}"
                        f"{'s' if cut != 1 else ''} are left out") if cut > 0 else None,
                "rows": [[str(r), _fmt(outcome[i], digits),
                          *(_fmt(y[i], digits) for _, y in actors)]
                         for i, r in enumerate(rounds)]})
        note = None
        if analysis.streamed and many:
            note = ("a streamed run keeps the first draw only: the actors' positions are that "
                    "draw's; the forecast outcome is the median over every draw")
        elif many and analysis.draws > POSITIONS_KEPT:
            note = (f"the actors' positions are kept for the first {POSITIONS_KEPT:,} draws: "
                    "their lines are medians over those; the forecast outcome is the median "
                    f"over all {analysis.draws:,} draws")
        out.append({"issue": iss.id, "name": iss.name, "unit": iss.unit, "scale": (lo, hi),
                    "anchors": sorted(float(v) for v in iss.anchors), "models": models,
                    "median": many and not analysis.streamed, "note": note})
    return out


def rounds_chart(ch: Charts, k: int, view: dict[str, Any]) -> dict[str, Any]:
    """One issue's positions round by round: a strip per dynamic model (its own rounds on
    the x axis, the issue's scale and units on the y axis), a line per actor (one colour
    and legend entry per actor across the strips) and the forecast outcome."""
    from plotly.subplots import make_subplots

    models = view["models"]
    n = len(models)
    inner = n * _STRIP + (n - 1) * _GAP
    fig = make_subplots(rows=n, cols=1, vertical_spacing=_GAP / inner if n > 1 else 0.0)
    lo, hi = view["scale"]
    pad = 0.04 * (hi - lo)
    unit = issue_axis_title(view)
    y_title = "<br>".join(textwrap.wrap(unit, 30, break_long_words=False)) or unit
    shown: set[str] = set()
    for row, m in enumerate(models, start=1):
        word = m["word"]
        for a in m["actors"]:
            name = _esc(a["name"])
            legend = "<br>".join(_esc(x) for x in textwrap.wrap(a["name"], _LEGEND_WIDTH,
                                                                  break_long_words=False))
            fig.add_trace(ch.go.Scatter(
                x=m["rounds"], y=a["y"], mode="lines+markers" if len(m["rounds"]) <= 30
                else "lines", name=legend or name, legendgroup=a["id"],
                showlegend=a["id"] not in shown,
                line=dict(color=a["colour"], dash=a["dash"], width=1.8),
                marker=dict(size=4, color=a["colour"]),
                hovertext=[f"{name}, {word} {r}: {y:.4g}" if y is not None else ""
                           for r, y in zip(m["rounds"], a["y"])], hoverinfo="text"),
                row=row, col=1)
            shown.add(a["id"])
        fig.add_trace(ch.go.Scatter(
            x=m["rounds"], y=m["outcome"], mode="lines", name="forecast outcome",
            legendgroup="outcome", showlegend=row == 1,
            line=dict(color="#111", width=3.5),
            hovertext=[f"{_esc(m['model'])}'s forecast, {word} {r}: {y:.4g}" if y is not None
                       else "" for r, y in zip(m["rounds"], m["outcome"])], hoverinfo="text"),
            row=row, col=1)
        # each strip is named by its x axis's title, under it (the legend has the top)
        x_title = (f"<b>{_esc(m['model'])}</b> ({_esc(short_name(m['title'], m['model']))}): "
                   f"{word}")
        fig.update_xaxes(title=dict(text="<br>".join(textwrap.wrap(
                             x_title, 56, break_long_words=False)), standoff=4,
                             font=dict(size=11)),
                         dtick=1 if len(m["rounds"]) <= 12 else None, row=row, col=1)
        fig.update_yaxes(range=[lo - pad, hi + pad], tickvals=view["anchors"] or None,
                         title=dict(text=y_title, font=dict(size=11)), showgrid=True,
                         gridcolor="#e4e4e4", row=row, col=1)
    return ch.figure(f"rounds-chart-{k}", fig, height=inner + 150,
                     legend=dict(orientation="h", y=1, yanchor="bottom", x=0, xanchor="left"),
                     margin=dict(l=10, r=20, t=30, b=40))
