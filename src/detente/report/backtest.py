"""The backtest's scores in the terminal (rich) and as an HTML page with reliability diagrams."""

from __future__ import annotations

import html
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from .numbers import calibration_sentence

__all__ = ["backtest_html", "render_backtest"]

HALVES = (("test", "Test half (the scores that count)"), ("dev", "Dev half (fitting allowed)"),
          ("all", "All cases"))


DECOMPOSITION = ("Brier = reliability − resolution + uncertainty (+ a within-bin term; each in "
                 "the JSON). Reliability: lower is better; resolution: higher. AUC: 0.5 = no "
                 "discrimination, 1 = every yes above every no.")


def _f(v: float | None, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def calibration_line(c: dict[str, Any]) -> str:
    """The backtest's line on the calibration it fitted (:func:`calibration_sentence`)."""
    return f"Calibration (\"process, calibrated\"): {calibration_sentence(c)}"


def render_backtest(res: Any, con: Console) -> None:
    """Scores per half (variants and baselines, with the Brier score's decomposition and the
    AUC), the process model's calibration on the test half, and each case's Brier scores.
    Every table fits 80 columns; numbers never wrap."""
    d = res.to_dict()
    n_cases = len(d["per_case"])
    con.print(f"Backtest of {n_cases} case(s) in {d['archive']}; split fixed on "
              f"{d['split_fixed_on']}; {d['draws']:,} draws per case, seed {d['seed']}",
              markup=False)
    br = d["base_rate"]
    con.print("Base rate (share of dev questions that resolved yes): "
              + ("—" if br is None else f"{br:.3f}"), markup=False)
    if d.get("calibration"):
        con.print(calibration_line(d["calibration"]), markup=False)
    for half, title in HALVES:
        sc = d["scores"].get(half) or {}
        if not sc:
            continue
        t = Table(title=title, title_justify="left", show_edge=False)
        t.add_column("variant", overflow="fold")
        for col in ("n", "Brier", "log score", "reliability", "resolution", "AUC"):
            t.add_column(col, justify="right", no_wrap=True)
        for v, s in sc.items():
            t.add_row(v, str(s["n"]), _f(s["brier"]), _f(s["log_score"]),
                      _f(s.get("reliability")), _f(s.get("resolution")), _f(s.get("auc"), 2))
        con.print(t)
    if any(d["scores"].get(h) for h, _ in HALVES):
        con.print(DECOMPOSITION, markup=False)
    cal = (d["scores"].get("test") or {}).get("process")
    if cal:
        t = Table(title="Calibration of the process model, test half", title_justify="left",
                  show_edge=False)
        for col in ("forecast", "n", "mean", "observed"):
            t.add_column(col, justify="right", no_wrap=True)
        for row in cal["calibration"]:
            lo, hi = row["bin"]
            t.add_row(f"{lo:.1f}–{hi:.1f}", str(row["n"]), f"{row['mean_forecast']:.2f}",
                      f"{row['observed_frequency']:.2f}")
        con.print(t)
    kinds = (d.get("per_kind") or {}).get("dev") or {}
    if kinds:
        t = Table(title="Process model by kind (dev half)", title_justify="left",
                  show_edge=False)
        t.add_column("kind", overflow="fold")
        for col in ("n", "mean", "yes", "Brier"):
            t.add_column(col, justify="right", no_wrap=True)
        for kind, k in kinds.items():
            t.add_row(kind, str(k["n"]), f"{k['mean_forecast']:.2f}", f"{k['share_yes']:.2f}",
                      _f(k["brier"]))
        con.print(t)
    t = Table(title="Brier score per case", title_justify="left", show_edge=False)
    t.add_column("case", overflow="fold")
    for col in ("half", "n", "process", "calib.", "zone", "50%"):
        t.add_column(col, justify="right", no_wrap=True)
    for cid, c in d["per_case"].items():
        s = c["scores"]
        t.add_row(cid, c["half"], str(c["n"]), _f(s.get("process", {}).get("brier")),
                  _f(s.get("process, calibrated", {}).get("brier")),
                  _f(s.get("zone", {}).get("brier")), _f(s.get("always 50%", {}).get("brier")))
    con.print(t)
    con.print("Brier: 0 perfect, 0.25 = always 50%. Log score: lower is better "
              "(probabilities clipped to [0.001, 0.999]). By kind: mean = the mean forecast, "
              "yes = the share that came true (dev half, where looking is allowed; the JSON "
              "has both halves).", markup=False)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.5rem 0}
th,td{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
.chart{width:100%;max-width:36rem;height:24rem}
@media (max-width:480px){body{padding:.5rem}th,td{padding:.15rem .3rem;font-size:.9rem}
.chart{height:20rem}}
"""


def _within(s: dict[str, Any]) -> float | None:
    """The within-bin terms of the Brier score's decomposition, variance less covariance."""
    v, c = s.get("within_bin_variance"), s.get("within_bin_covariance")
    return None if v is None or c is None else v - c


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f'<div class="scroll"><table><thead><tr>{h}</tr></thead><tbody>{body}</tbody>' \
           "</table></div>"


def backtest_html(res: Any) -> str:
    """A self-contained page: scores per half, reliability diagrams (plotly, inlined), every
    question's forecasts. Needs the extra ``detente[report]``."""
    from plotly import graph_objects as go
    from plotly.offline import get_plotlyjs

    d = res.to_dict()
    br = "—" if d["base_rate"] is None else f"{d['base_rate']:.3f}"
    parts = [f"<h1>Backtest: {html.escape(d['archive'])}</h1>",
             f"<p>{len(d['per_case'])} cases; split fixed on {d['split_fixed_on']}; "
             f"{d['draws']:,} draws per case, seed {d['seed']}. Base rate (dev): {br}. "
             "Brier: 0 perfect, 0.25 = always 50%. Only the test half's scores count as "
             "evidence.</p>",
             *([f"<p>{html.escape(calibration_line(d['calibration']))}</p>"]
               if d.get("calibration") else []),
             ("<p>Brier = reliability − resolution + uncertainty + within-bin (Murphy 1973; "
              "Stephenson, Coelho &amp; Jolliffe 2008), over the reliability diagram's bins: "
              "<b>reliability</b> is how far the forecasts lie from the share that came true "
              "(lower is better; recalibration removes it), <b>resolution</b> how much the share "
              "that came true differs between bins (higher is better; no recalibration adds "
              "it), <b>uncertainty</b> the variance of the outcomes (the same for every forecast "
              "of the same questions), <b>within-bin</b> what the bins hide (the forecasts' "
              "variance within a bin less twice their covariance with the outcomes there). "
              "<b>AUC</b>: the chance that a question that resolved yes got a higher forecast "
              "than one that resolved no, ties counting half; 0.5 = no discrimination.</p>")]
    charts = []
    for half, title in HALVES:
        sc = d["scores"].get(half) or {}
        if not sc:
            continue
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(_table(["variant", "n", "Brier", "log score", "reliability", "resolution",
                             "uncertainty", "within-bin", "AUC"],
                            [[v, str(s["n"]), _f(s["brier"]), _f(s["log_score"]),
                              _f(s.get("reliability")), _f(s.get("resolution")),
                              _f(s.get("uncertainty")), _f(_within(s)), _f(s.get("auc"), 2)]
                             for v, s in sc.items()]))
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect",
                                 line={"dash": "dot", "color": "#888"}))
        for v in ("process", "process, calibrated", "zone", "nothing changes"):
            if v not in sc:
                continue
            cal = sc[v]["calibration"]
            fig.add_trace(go.Scatter(
                x=[r["mean_forecast"] for r in cal], y=[r["observed_frequency"] for r in cal],
                mode="lines+markers", name=v,
                text=[f"n = {r['n']}" for r in cal], hovertemplate="%{text}"))
        fig.update_layout(xaxis_title="forecast probability (bin mean)",
                          yaxis_title="observed frequency", margin={"l": 50, "r": 10,
                                                                    "t": 10, "b": 40},
                          xaxis={"range": [0, 1]}, yaxis={"range": [0, 1]},
                          legend={"orientation": "h", "y": -0.25})
        cid = f"reliability-{half}"
        charts.append((cid, fig.to_json()))
        parts.append(f'<div class="chart" id="{cid}" role="img" '
                     f'aria-label="Reliability diagram, {html.escape(title)}"></div>')
        if "process" in sc:
            parts.append(_table(["forecast bin", "n", "mean forecast", "observed"],
                                [[f"{r['bin'][0]:.1f}–{r['bin'][1]:.1f}", str(r["n"]),
                                  f"{r['mean_forecast']:.2f}", f"{r['observed_frequency']:.2f}"]
                                 for r in sc["process"]["calibration"]]))
    parts.append("<h2>Per case (Brier)</h2>")
    parts.append(_table(["case", "as of", "half", "n", "process", "calibrated", "zone", "50%"],
                        [[cid, c["as_of"], c["half"], str(c["n"]),
                          _f(c["scores"].get("process", {}).get("brier")),
                          _f(c["scores"].get("process, calibrated", {}).get("brier")),
                          _f(c["scores"].get("zone", {}).get("brier")),
                          _f(c["scores"].get("always 50%", {}).get("brier"))]
                         for cid, c in d["per_case"].items()]))
    parts.append("<h2>Every question</h2>")
    parts.append(_table(["case", "question", "resolved", "process", "calibrated", "zone",
                         "nothing changes"],
                        [[q["case"], q["id"], "yes" if q["outcome"] else "no",
                          _f(q["p"].get("process"), 2),
                          _f(q["p"].get("process, calibrated"), 2), _f(q["p"].get("zone"), 2),
                          _f(q["p"].get("nothing changes"), 2)] for q in d["questions"]]))
    script = "".join(
        f"Plotly.newPlot({json.dumps(cid)}, ...(f => [f.data, f.layout])({fig}),"
        "{responsive:true,displaylogo:false});" for cid, fig in charts)
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
            f"<title>detente backtest</title><style>{_STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>{''.join(parts)}"
            f"<script>{script}</script></body></html>")
