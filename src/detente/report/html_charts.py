"""Plotly figures of the HTML report (:mod:`detente.report.html`), as JSON specs.

Each chart is drawn by the report's own script once plotly.js (inlined once) has loaded.
plotly's JSON escapes ``<``, ``>`` and ``/``, so no text can close the script element that
carries it; user text shown inside a chart is HTML-escaped, as plotly reads a subset of HTML in
labels.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

__all__ = ["Charts", "deal_chart", "issue_axis_title", "issue_chart", "linkage_chart",
           "process_chart", "question_chart", "sensitivity_chart", "timeline_chart",
           "wrap_label"]

COLOURS = ("#1f4e79", "#b5472c", "#3c7d3a", "#7a4d9c", "#a07a10", "#2a8a8a", "#8c3b5e")
_TITLE_WIDTH = 38  # an axis title longer than this goes over two lines (a phone is ~360 px)
_LABEL_WIDTH = 30  # characters per line of a question's label on a chart's axis
_LABEL_LINES = 3


class Charts:
    """Plotly figures as JSON specs; the template draws them after plotly.js has loaded."""

    def __init__(self) -> None:
        import plotly.graph_objects as go

        self.go = go

    def figure(self, cid: str, traces: list[Any] | Any, *, height: int,
               **layout: Any) -> dict[str, Any]:
        """A chart's JSON spec: ``traces`` (or a figure made elsewhere, e.g. subplots) with the
        report's look. It fills its container's width (autosize; the page's script draws it
        with ``responsive: true``), so it fits a phone as well as a desktop."""
        fig = traces if isinstance(traces, self.go.Figure) else self.go.Figure(traces)
        for ax in ("xaxis", "yaxis"):
            title = (layout.get(ax) or {}).get("title")
            if isinstance(title, str) and len(title) > _TITLE_WIDTH and "<br>" not in title:
                layout[ax] = {**layout[ax], "title": "<br>".join(
                    textwrap.wrap(title, _TITLE_WIDTH, break_long_words=False))}
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
    """User text for a chart label: plotly reads a subset of HTML in labels (tags and a few
    entities: ``&quot;`` is not among them, and quotes cannot open a tag once ``<`` is
    escaped)."""
    return html.escape(text, quote=False)


def wrap_label(text: str, width: int = _LABEL_WIDTH, lines: int = _LABEL_LINES) -> str:
    """A long text (a question) as a chart label: wrapped at ``width`` characters over at most
    ``lines`` lines (``<br>`` between them), cut with "…" at a word when longer; escaped.
    The full text goes in the hover."""
    words = " ".join(text.split())
    parts = textwrap.wrap(words, width, break_long_words=True, break_on_hyphens=False)
    if len(parts) > lines:
        parts = parts[:lines]
        last = parts[-1]
        if len(last) > width - 2:
            last = last[: width - 2].rsplit(" ", 1)[0] if " " in last else last[: width - 2]
        parts[-1] = last.rstrip(" ,;:—–-") + " …"
    return "<br>".join(_esc(p) for p in parts)


def _hover(text: str, width: int = 60) -> str:
    """A long text in a hover label: escaped, wrapped at ``width`` characters."""
    return "<br>".join(_esc(line) for line in textwrap.wrap(" ".join(text.split()), width,
                                                            break_on_hyphens=False))


def short_name(name: str | None, fallback: str) -> str:
    """An issue's name without a trailing explanation in brackets ("Ceasefire (how completely
    the fighting stops)" → "Ceasefire")."""
    text = (name or "").strip()
    if text.endswith(")") and "(" in text:
        head = text[: text.rfind("(")].rstrip(" ,;:–-")
        if head:
            return head
    return text or fallback


def issue_axis_title(issue: dict[str, Any]) -> str:
    """A position axis in the issue's own units: the ``unit`` the scenario declares, else its
    scale ("position on the scale 4–10"); escaped."""
    lo, hi = issue["scale"]
    if issue.get("unit"):
        return _esc(issue["unit"])
    return f"position on the scale {lo:g}–{hi:g}"


def question_chart(ch: Charts, qs: list[dict[str, Any]], many: bool) -> dict[str, Any]:
    """Each question's probability, labelled by the question's text (wrapped, shortened when
    long; the full text is in the hover), with its 95% interval when there are draws, and its
    calibrated answer (an open diamond) when the run has one."""
    rows = list(reversed(qs))
    y = [q["id"] for q in rows]
    labels = [wrap_label(q["text"]) for q in rows]
    x = [100 * q["p"] for q in rows]
    err = None
    if many:
        err = dict(type="data", symmetric=False, color="#555", thickness=1.5, width=5,
                   array=[100 * (q["hi"] - q["p"]) for q in rows],
                   arrayminus=[100 * (q["p"] - q["lo"]) for q in rows])
    hover = [_hover(q["text"]) + f"<br><b>{q['answer_text']}</b>"
             + (" (95% interval)" if many else "") for q in rows]
    traces = [ch.go.Scatter(x=x, y=y, mode="markers", error_x=err, name="probability",
                            marker=dict(size=10, color=COLOURS[0]), hovertext=hover,
                            hoverinfo="text")]
    cal = [q for q in rows if q.get("cal") is not None]
    if cal:
        traces.append(ch.go.Scatter(
            x=[100 * q["cal"] for q in cal], y=[q["id"] for q in cal], mode="markers",
            name="calibrated",
            marker=dict(symbol="diamond-open", size=10, line=dict(width=2),
                        color=COLOURS[2]),
            hovertext=[_hover(q["text"]) + f"<br>calibrated: <b>{q['calibrated_text']}</b>"
                       for q in cal], hoverinfo="text"))
    res = [q for q in rows if q["resolution"] is not None]
    if res:
        traces.append(ch.go.Scatter(
            x=[100.0 if q["resolution"] else 0.0 for q in res], y=[q["id"] for q in res],
            mode="markers", name="how it resolved (yes = 100%, no = 0%)",
            marker=dict(symbol="x-thin", size=12, line=dict(width=2, color=COLOURS[1])),
            hoverinfo="skip"))
    per_row = 16 + 14 * max(label.count("<br>") + 1 for label in labels)
    return ch.figure("question-chart", traces, height=90 + per_row * len(rows),
                     xaxis=dict(range=[-3, 103], ticksuffix="%", title="probability"),
                     yaxis=dict(type="category", categoryorder="array", categoryarray=y,
                                tickmode="array", tickvals=y, ticktext=labels,
                                tickfont=dict(size=11)),
                     showlegend=bool(res or cal))


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
                   title=issue_axis_title(issue)),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(rows))),
        legend=dict(orientation="h", y=1.0, x=0, yanchor="bottom"))


_DEAL_MARKS = (  # (key, legend, colour, symbol, size)
    ("sq", "status quo", "#888", "line-ns-open", 14),
    ("by_issue", "each issue alone", COLOURS[1], "circle-open", 11),
    ("holds", "best deal that holds", COLOURS[2], "diamond-open", 15),
    ("deal", "the deal (Nash)", COLOURS[0], "circle", 9))
# px: the height of a strip's markers, of the ticks and axis title under it, of a line of the
# strip's title over it
_DEAL_MARKERS, _DEAL_GAP, _LINE = 30, 46, 15


def deal_chart(ch: Charts, k: int, table: dict[str, Any], many: bool) -> dict[str, Any]:
    """A table's packages, one strip per issue, each on the issue's own scale and in its own
    units (issues may have different scales): the deal (with its 5–95% whiskers), the best deal
    that holds, each issue bargained alone, and the status quo. Each strip's title (the issue's
    name and id) sits inside the strip, above its markers, so that the legend alone takes the
    top margin (it wraps over more lines on a phone)."""
    from plotly.subplots import make_subplots

    rows = table["package"]
    n = len(rows)
    titles = [wrap_label(f"{short_name(r['name'], r['issue'])} ({r['issue']})", 44, 2)
              for r in rows]
    lines = max(t.count("<br>") + 1 for t in titles)
    band = _DEAL_MARKERS + _LINE * lines
    inner = n * band + (n - 1) * _DEAL_GAP
    fig = make_subplots(rows=n, cols=1,
                        vertical_spacing=_DEAL_GAP / inner if n > 1 else 0.0)
    notes = []
    for i, (r, title) in enumerate(zip(rows, titles), start=1):
        unit = _esc(r["unit"]) if r.get("unit") else ""
        for key, name, colour, symbol, size in _DEAL_MARKS:
            x = r[f"{key}_value"]
            err = None
            if key == "deal" and many and x is not None and r["deal_lo"] is not None:
                err = dict(type="data", symmetric=False, color="#777", thickness=1.2, width=4,
                           array=[r["deal_hi"] - x], arrayminus=[x - r["deal_lo"]])
            fig.add_trace(ch.go.Scatter(
                x=[x], y=[0], mode="markers", name=name, legendgroup=key,
                showlegend=i == 1, error_x=err,
                marker=dict(size=size, symbol=symbol, color=colour,
                            line=dict(width=2, color=colour)),
                hovertext=[f"{_esc(short_name(r['name'], r['issue']))}: {name} {r[key]}"
                           + (f" {unit}" if unit else "")], hoverinfo="text"), row=i, col=1)
        lo, hi = r["scale"]
        pad = 0.03 * (hi - lo)
        ticks = r.get("anchors") or None
        fig.update_xaxes(range=[lo - pad, hi + pad], tickvals=ticks,
                         title=dict(text=issue_axis_title(r), standoff=4,
                                    font=dict(size=11)), row=i, col=1)
        # the markers in the strip's lowest _DEAL_MARKERS px, its title above them
        below = 0.5
        fig.update_yaxes(range=[-below, -below + band / _DEAL_MARKERS], visible=False,
                         fixedrange=True, row=i, col=1)
        ref = "y" if i == 1 else f"y{i}"
        notes.append(dict(text=title, xref="paper", x=0, xanchor="left", align="left",
                          yref=f"{ref} domain", y=1, yanchor="top", showarrow=False,
                          font=dict(size=12), bgcolor="white"))
    return ch.figure(f"deal-chart-{k}", fig, height=inner + 130, annotations=notes,
                     legend=dict(orientation="h", y=1, yanchor="bottom", x=0,
                                 xanchor="left"),
                     margin=dict(l=10, r=20, t=20, b=40))


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


_SENS_ROW = 28  # px per row of the sensitivity chart (a heading, or a driver's bar)


def sensitivity_chart(ch: Charts, outs: list[dict[str, Any]]) -> dict[str, Any]:
    """The top drivers of each answer. Each output gets a bold heading (a question's text,
    wrapped and shortened, or "forecast of ISSUE"); each driver's name is written above its
    bar, so the bars keep the chart's whole width on a phone (labels beside them would
    squeeze the bars to nothing). The full texts are in the hovers."""
    cats: list[str] = []
    xs: list[float | None] = []
    hover: list[str] = []
    notes: list[dict[str, Any]] = []
    for k, o in enumerate(outs):
        label = o["label"] if not o.get("text") else o["text"] if o.get("kind") == "question" \
            else f"forecast of {short_name(o['text'], o['label'])}"
        if k:  # a blank row between outputs, for the heading's second line
            cats.append(f"{o['key']} ·")
            xs.append(None)
            hover.append("")
        cats.append(o["key"])
        xs.append(None)
        hover.append("")
        notes.append(dict(y=o["key"], text=f"<b>{wrap_label(label, 44, 2)}</b>", yshift=-6,
                          yanchor="bottom", font=dict(size=12)))
        for name, v in o["drivers"]:
            cat = f"{o['key']} · {name}"
            cats.append(cat)
            xs.append(v)
            hover.append(f"{_hover(label)}<br>{_esc(name)}: {v:.2f}")
            notes.append(dict(y=cat, text=f"{_esc(name)} ({v:.2f})", yshift=5,
                              yanchor="bottom", font=dict(size=11, color="#444")))
    trace = ch.go.Bar(x=xs, y=cats, orientation="h", marker_color=COLOURS[0], width=0.38,
                      name="PAWN index (median)", hovertext=hover, hoverinfo="text")
    annotations = [dict(xref="paper", x=0, xanchor="left", yref="y", showarrow=False,
                        align="left", **n) for n in notes]
    return ch.figure("sensitivity-chart", [trace], height=70 + _SENS_ROW * len(cats),
                     annotations=annotations,
                     xaxis=dict(title="PAWN index (0 = no influence)", rangemode="tozero",
                                nticks=6, side="top"),
                     yaxis=dict(type="category", categoryorder="array",
                                categoryarray=list(reversed(cats)), showticklabels=False,
                                range=[-0.6, len(cats) + 0.2]),
                     margin=dict(l=10, r=20, t=50, b=10))
