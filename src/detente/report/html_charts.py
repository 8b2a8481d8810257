"""Plotly figures of the HTML report (:mod:`detente.report.html`), as JSON specs.

Each chart is drawn by the report's own script once plotly.js (inlined once) has loaded.
plotly's JSON escapes ``<``, ``>`` and ``/``, so no text can close the script element that
carries it; user text shown inside a chart is HTML-escaped, as plotly reads a subset of HTML in
labels.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["Charts", "deal_chart", "issue_chart", "linkage_chart", "process_chart",
           "question_chart", "sensitivity_chart", "timeline_chart"]

COLOURS = ("#1f4e79", "#b5472c", "#3c7d3a", "#7a4d9c", "#a07a10", "#2a8a8a", "#8c3b5e")


class Charts:
    """Plotly figures as JSON specs; the template draws them after plotly.js has loaded."""

    def __init__(self) -> None:
        import plotly.graph_objects as go

        self.go = go

    def figure(self, cid: str, traces: list[Any], *, height: int, **layout: Any) -> dict[str, Any]:
        fig = self.go.Figure(traces)
        base = dict(template="none", height=height, autosize=True,
                    margin=dict(l=10, r=20, t=40, b=40),
                    font=dict(family="Georgia, 'Times New Roman', serif", size=12,
                              color="#222"),
                    legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"),
                    hoverlabel=dict(align="left"), plot_bgcolor="white",
                    paper_bgcolor="white")
        base.update(layout)
        fig.update_layout(**base)
        fig.update_xaxes(showgrid=True, gridcolor="#e4e4e4", zeroline=False, automargin=True,
                         linecolor="#888", showline=True)
        fig.update_yaxes(showgrid=False, automargin=True, linecolor="#888", showline=True)
        # plotly's JSON escapes <, > and / so no text can close the script element.
        spec = fig.to_json(validate=True).replace("<", "\\u003c")  # belt and braces
        return {"id": cid, "height": height, "spec": spec}


def _esc(text: str) -> str:
    """User text for a chart label: plotly reads a subset of HTML in labels."""
    return html.escape(text, quote=True)


def question_chart(ch: Charts, qs: list[dict[str, Any]], many: bool) -> dict[str, Any]:
    rows = list(reversed(qs))
    y = [q["id"] for q in rows]
    x = [100 * q["p"] for q in rows]
    err = None
    if many:
        err = dict(type="data", symmetric=False, color="#555", thickness=1.5, width=5,
                   array=[100 * (q["hi"] - q["p"]) for q in rows],
                   arrayminus=[100 * (q["p"] - q["lo"]) for q in rows])
    hover = [f"{_esc(q['text'])}<br>P = {q['p_text']}" + (f" (95%: {q['ci_text']})" if many
                                                          else "") for q in rows]
    traces = [ch.go.Scatter(x=x, y=y, mode="markers", error_x=err, name="probability",
                            marker=dict(size=10, color=COLOURS[0]), hovertext=hover,
                            hoverinfo="text")]
    res = [q for q in rows if q["resolution"] is not None]
    if res:
        traces.append(ch.go.Scatter(
            x=[100.0 if q["resolution"] else 0.0 for q in res], y=[q["id"] for q in res],
            mode="markers", name="how it resolved (yes = 100%, no = 0%)",
            marker=dict(symbol="x-thin", size=12, line=dict(width=2, color=COLOURS[1])),
            hoverinfo="skip"))
    return ch.figure("question-chart", traces, height=90 + 30 * len(rows),
                     xaxis=dict(range=[-3, 103], ticksuffix="%", title="probability"),
                     showlegend=bool(res))


def issue_chart(ch: Charts, k: int, issue: dict[str, Any], many: bool) -> dict[str, Any]:
    pos = issue["positions"]
    fc = issue["forecasts"]
    rows_a = [p["actor"] for p in pos]
    rows_m = [f["model"] for f in fc]
    traces = [ch.go.Scatter(
        x=[p["position"] for p in pos], y=rows_a, mode="markers", name="actor's position "
        "(size: salience)",
        marker=dict(size=[8 + 24 * p["salience"] for p in pos], color=COLOURS[0],
                    opacity=0.75, line=dict(width=1, color="white")),
        hovertext=[f"{_esc(p['name'])}: {p['position']:g} (salience {p['salience']:.2f})"
                   for p in pos], hoverinfo="text")]
    shown = {"model": False, "ensemble": False}
    for f in fc:
        if f["p50"] is None:
            continue
        ens = f["model"] == "ensemble"
        kind = "ensemble" if ens else "model"
        legend, shown[kind] = not shown[kind], True
        err = None
        if many and f["p05"] is not None:
            err = dict(type="data", symmetric=False, array=[f["p95"] - f["p50"]],
                       arrayminus=[f["p50"] - f["p05"]], color="#777", thickness=1.2, width=4)
        traces.append(ch.go.Scatter(
            x=[f["p50"]], y=[f["model"]], mode="markers", error_x=err, showlegend=legend,
            name="ensemble (mean of the models)" if ens else "a model's forecast",
            marker=dict(size=14 if ens else 10, symbol="star" if ens else "diamond",
                        color=COLOURS[2] if ens else COLOURS[1]),
            hovertext=[f"{f['model']}: {f['text']}"], hoverinfo="text"))
    rows = rows_a + rows_m
    traces.insert(0, ch.go.Scatter(
        x=[issue["status_quo"]] * 2, y=[rows[0], rows[-1]], mode="lines", name="status quo",
        line=dict(dash="dash", color="#999", width=1.5), hoverinfo="skip"))
    lo, hi = issue["scale"]
    ticks = [a["value"] for a in issue["anchors"]] or None
    height = 80 + 24 * (len(rows_a) + len(rows_m))
    return ch.figure(
        f"issue-chart-{k}", traces, height=height,
        xaxis=dict(range=[lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)], tickvals=ticks,
                   title=_esc(issue["unit"] or "position on the scale")),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(rows))),
        legend=dict(orientation="h", y=1.0, x=0, yanchor="bottom"))


def deal_chart(ch: Charts, k: int, table: dict[str, Any], many: bool) -> dict[str, Any]:
    """Packages as a share of each issue's scale (issues may have different scales)."""
    rows = table["package"]
    y = [r["issue"] for r in rows]
    traces = []
    for key, name, colour, symbol, size in (
            ("sq", "status quo", "#888", "line-ns-open", 12),
            ("by_issue", "each issue alone", COLOURS[1], "circle-open", 11),
            ("holds", "best deal that holds", COLOURS[2], "diamond-open", 15),
            ("deal", "the deal (Nash)", COLOURS[0], "circle", 9)):
        xs = [r[f"{key}_share"] for r in rows]
        err = None
        if key == "deal" and many:
            err = dict(type="data", symmetric=False, color="#777", thickness=1.2, width=4,
                       array=[r["deal_hi_share"] - r["deal_share"] if r["deal_share"] is not None
                              else None for r in rows],
                       arrayminus=[r["deal_share"] - r["deal_lo_share"]
                                   if r["deal_share"] is not None else None for r in rows])
        traces.append(ch.go.Scatter(
            x=xs, y=y, mode="markers", name=name, error_x=err,
            marker=dict(size=size, symbol=symbol, color=colour, line=dict(width=2, color=colour)),
            hovertext=[f"{r['issue']}: {name} {r[key]}" for r in rows], hoverinfo="text"))
    return ch.figure(f"deal-chart-{k}", traces, height=110 + 30 * len(rows),
                     xaxis=dict(range=[-3, 103], ticksuffix="%",
                                title="share of the issue's scale (low end = 0%)"),
                     yaxis=dict(categoryorder="array", categoryarray=list(reversed(y))))


def linkage_chart(ch: Charts, rows: list[dict[str, Any]], many: bool) -> dict[str, Any]:
    y = [f"{r['table']} · {r['member']}" for r in rows]
    err = None
    if many:
        err = dict(type="data", symmetric=False, color="#555", thickness=1.2,
                   array=[r["hi"] - r["p50"] for r in rows],
                   arrayminus=[r["p50"] - r["lo"] for r in rows])
    trace = ch.go.Bar(x=[r["p50"] for r in rows], y=y, orientation="h", error_x=err,
                      marker_color=[COLOURS[0] if r["p50"] >= 0 else COLOURS[1]
                                    for r in rows], name="gain from linkage")
    return ch.figure("linkage-chart", [trace], height=90 + 26 * len(rows),
                     xaxis=dict(title="utility gain of the package over issue-by-issue "
                                      "bargaining", zeroline=True, zerolinecolor="#444"),
                     yaxis=dict(categoryorder="array", categoryarray=list(reversed(y))))


def timeline_chart(ch: Charts, tls: list[dict[str, Any]]) -> dict[str, Any]:
    traces = []
    for k, tl in enumerate(tls):
        colour = COLOURS[k % len(COLOURS)]
        traces.append(ch.go.Scatter(x=tl["months"], y=[100 * v for v in tl["zone"]],
                                    mode="lines+markers", name=f"{tl['table']}: zone of agreement",
                                    line=dict(color=colour, dash="dot")))
        traces.append(ch.go.Scatter(x=tl["months"], y=[100 * v for v in tl["holds"]],
                                    mode="lines+markers", name=f"{tl['table']}: the deal holds",
                                    line=dict(color=colour)))
    return ch.figure("timeline-chart", traces, height=360,
                     xaxis=dict(title="months after the scenario's date", dtick=1),
                     yaxis=dict(range=[-3, 103], ticksuffix="%", title="share of draws",
                                showgrid=True, gridcolor="#e4e4e4"))


PROCESS_LINES = (
    ("zone", "P(zone of agreement)", COLOURS[4], "dot"),
    ("concluded_so_far", "P(concluded so far)", COLOURS[0], "solid"),
    ("in_force", "P(in force)", COLOURS[2], "dash"),
    ("lapsed_so_far", "P(lapsed so far)", COLOURS[1], "dashdot"),
)
"""The process chart's lines: (series, legend, colour, dash); the dashes tell them apart in
print."""


def process_chart(ch: Charts, t: dict[str, Any], many: bool = True) -> dict[str, Any]:
    """One table's process, month by month: zone, concluded so far, in force, lapsed so far."""
    months = t["months"]
    traces = []
    for key, name, colour, dash in PROCESS_LINES:
        ys = [None if v is None else 100 * v for v in t["series"].get(key, [])]
        traces.append(ch.go.Scatter(
            x=months[:len(ys)], y=ys, mode="lines+markers" if len(months) <= 37 else "lines",
            name=name, line=dict(color=colour, dash=dash, width=2), marker=dict(size=5),
            hovertemplate=f"{name}, month %{{x}}: %{{y:.1f}}%<extra></extra>"))
    span = months[-1] - months[0] if months else 0
    return ch.figure(f"process-chart-{t['k']}", traces, height=340,
                     xaxis=dict(title="months after the scenario's date",
                                dtick=1 if span <= 12 else None, rangemode="tozero"),
                     yaxis=dict(range=[-3, 103], ticksuffix="%",
                                title="share of draws" if many else "no (0%) or yes (100%)",
                                showgrid=True, gridcolor="#e4e4e4"))


def sensitivity_chart(ch: Charts, outs: list[dict[str, Any]]) -> dict[str, Any]:
    ys: list[list[str]] = [[], []]
    xs: list[float] = []
    for o in reversed(outs):
        for name, v in reversed(o["drivers"]):
            ys[0].append(o["label"])
            ys[1].append(name)
            xs.append(v)
    trace = ch.go.Bar(x=xs, y=ys, orientation="h", marker_color=COLOURS[0],
                      name="PAWN index (median)")
    return ch.figure("sensitivity-chart", [trace], height=90 + 22 * len(xs),
                     xaxis=dict(title="PAWN index (0 = no influence)", rangemode="tozero"),
                     margin=dict(l=10, r=20, t=20, b=50))
