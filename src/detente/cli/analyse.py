"""Commands that analyse scenarios: ``analyze`` and ``score``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..errors import DetenteError
from ..report.output import console as _out
from ..report.output import emit as _emit
from ..report.output import eprint as _eprint
from ..report.output import write_atomic
from ..store.cli import RunRecorder
from .app import MAX_SEED, _backend, _progress_bar, app


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="The scenario file.")],
    json_path: Annotated[
        Optional[str],
        typer.Option("--json", metavar="PATH", help="Write the full results as JSON ('-': stdout)."),
    ] = None,
    draws: Annotated[
        int, typer.Option("--draws", "-n", min=1, help="Monte Carlo draws (1: point estimate).")
    ] = 1,
    seed: Annotated[
        Optional[int], typer.Option("--seed", min=0, max=MAX_SEED,
                                    help="Random seed (recorded in the results).")
    ] = None,
    db: Annotated[Optional[str], typer.Option("--db", metavar="URL", help="Record the run in this "
                                              "run history (default: see `detente runs`).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not record the run.")] = False,
    backend: Annotated[
        str, typer.Option("--backend", metavar="serial|processes|dask", callback=_backend,
                          help="Where draws are computed; the numbers are identical on each.")
    ] = "serial",
    workers: Annotated[
        Optional[int], typer.Option("--workers", "-w", min=1,
                                    help="Processes for --backend processes|dask (default: cores).")
    ] = None,
    chunk_size: Annotated[
        Optional[int], typer.Option("--chunk-size", min=1,
                                    help="Draws per chunk (rounded up to a multiple of 1,024).")
    ] = None,
    scheduler: Annotated[
        Optional[str], typer.Option("--scheduler", metavar="ADDRESS",
                                    help="A Dask scheduler, e.g. tcp://host:8786 (default: a "
                                         "local cluster).")
    ] = None,
    report_path: Annotated[
        Optional[Path],
        typer.Option("--report", metavar="PATH", help="Write a self-contained HTML report "
                                                      "(needs the extra detente[report])."),
    ] = None,
    stream: Annotated[
        Optional[bool],
        typer.Option("--stream/--no-stream",
                     help="Summarise each chunk where it is computed: memory stays flat in the "
                          "number of draws; quantiles within ±0.1%. Default: above 200,000 "
                          "draws."),
    ] = None,
    why_certain: Annotated[
        bool,
        typer.Option("--why-certain",
                     help="Re-ask every 0% or 100% answer with each assumption that bears on it "
                          "relaxed (a veto player, an expectation, the talks' pace, a move's "
                          "cap), to show which one makes it certain."),
    ] = False,
    calibration: Annotated[
        Optional[str], typer.Option("--calibration", metavar="shipped|none|PATH",
                                    help="The map from the model's answers to calibrated ones: "
                                         "the one fitted on the backtest archive (shipped, the "
                                         "default), none, or a file written by `detente "
                                         "backtest --write-calibration`.")
    ] = None,
) -> None:
    """Analyse a scenario: a summary in the terminal, the full results as JSON."""
    from ..analysis import analyze as run_analysis
    from ..calibration import resolve_calibration
    from ..scenario.load import load_scenario

    if calibration is not None and draws == 1:
        raise DetenteError("--calibration: a one-draw point estimate has no calibrated answer "
                           "(the map reads shares of many draws); add --draws N or drop "
                           "--calibration")
    cal = resolve_calibration(calibration)
    scenario = load_scenario(file)
    if report_path is not None:  # a missing extra fails now, not after the analysis
        from ..report.html import check_report_extra

        check_report_extra()
    recorder = None if no_store else RunRecorder(db, file)
    with _progress_bar(draws, quiet=json_path == "-") as progress:
        result = run_analysis(scenario, draws=draws, seed=seed, backend=backend,
                              workers=workers, chunk_size=chunk_size, scheduler=scheduler,
                              progress=progress, stream=stream, calibration=cal)

    data = result.to_dict()
    certain = None
    if why_certain:
        from ..certainty import certain_answers

        certain = certain_answers(result, backend=backend, workers=workers)
        data["certainty"] = [c.to_dict() for c in certain]

    def render(con: Console) -> None:
        from ..report.certainty import render_certainty, render_hint
        from ..report.terminal import render_summary

        render_summary(result, con, data)
        if certain is None:
            render_hint(result, con)
        else:
            render_certainty(certain, con)

    _emit(data, json_path, render)
    if report_path is not None:
        from ..report.html import render_html

        write_atomic(report_path, render_html(result, certainty=certain))
        if json_path == "-":  # stdout carries the JSON
            _eprint(f"Report written to {report_path}")
        else:
            _out().print(f"Report written to {report_path}", markup=False, soft_wrap=True)
    if recorder is not None:
        recorder.save(result, data, options={"draws": draws, "seed": seed, "backend": backend,
                                             "workers": workers, "chunk_size": chunk_size,
                                             "stream": stream,
                                             "calibration": _recorded(calibration, draws)},
                      quiet_stdout=json_path == "-")


def _recorded(calibration: str | None, draws: int) -> str:
    """The ``--calibration`` a run records: what a report of it later uses (a file by its full
    path, so it is found from any folder)."""
    if draws == 1:
        return "none"
    if calibration in (None, "shipped", "none"):
        return calibration or "shipped"
    return str(Path(calibration).resolve())


@app.command()
def score(
    files: Annotated[list[Path], typer.Argument(help="Scenario files whose questions carry a "
                                                     "`resolution`.")],
    draws: Annotated[int, typer.Option("--draws", "-n", min=1, help="Monte Carlo draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Random seed.")] = 0,
    json_path: Annotated[
        Optional[str], typer.Option("--json", metavar="PATH", help="Write the scores as JSON.")
    ] = None,
    calibration: Annotated[
        str, typer.Option("--calibration", metavar="shipped|none|PATH",
                          help="The map whose calibrated answers are scored too (as for "
                               "`analyze`).")
    ] = "shipped",
) -> None:
    """Score the questions' probabilities against their resolutions: Brier, log, calibration,
    the Brier score's decomposition and the AUC."""
    import math

    from rich.table import Table

    from ..analysis import analyze as run_analysis
    from ..calibration import resolve_calibration
    from ..scenario.load import load_scenario
    from ..scoring import score_forecasts

    if draws == 1 and calibration != "shipped":
        raise DetenteError("--calibration: a one-draw point estimate has no calibrated answer; "
                           "add --draws N or drop --calibration")
    the_map = resolve_calibration(calibration)
    items = []
    for f in files:
        s = load_scenario(f)
        if not any(q.resolution is not None for q in s.questions):
            continue
        a = run_analysis(s, draws=draws, seed=seed, calibration=the_map)
        for q in a.questions:
            if q.resolution is not None:
                items.append({"file": str(f), "case": f.resolve().parent.name, "id": q.id,
                              "probability": q.probability,
                              "calibrated": None if q.calibrated is None else q.calibrated[0],
                              "outcome": q.resolution})
    if not items:
        raise DetenteError("no question in these files has a `resolution`; add "
                           "`resolution: {outcome: true|false}` to resolved questions")
    res = score_forecasts([i["probability"] for i in items], [int(i["outcome"]) for i in items],
                          items=tuple(items))
    cal = None
    if all(i["calibrated"] is not None for i in items):
        cal = score_forecasts([i["calibrated"] for i in items],
                              [int(i["outcome"]) for i in items])

    seen = set(the_map.cases) if the_map is not None else set()
    inside = sum(i["case"] in seen for i in items)

    def render(con: Console) -> None:
        con.print(f"{res.n} resolved question(s) from {len(files)} file(s); {draws:,} draws, "
                  f"seed {seed}", markup=False)
        con.print(f"Brier score {res.brier:.4f} (0 perfect; 0.25 = always 50%) · log score "
                  f"{res.log_score:.4f} (probabilities clipped to [{res.eps:g}, "
                  f"{1 - res.eps:g}])", markup=False)
        within = res.within_bin_variance - res.within_bin_covariance
        auc = ("— (every question resolved the same way)" if math.isnan(res.auc)
               else f"{res.auc:.2f} (0.5 = no discrimination)")
        con.print(f"Brier = reliability {res.reliability:.4f} (lower is better) − resolution "
                  f"{res.resolution:.4f} (higher is better) + uncertainty "
                  f"{res.uncertainty:.4f} + within-bin {within:.4f} · AUC {auc}", markup=False)
        t = Table(title="Calibration", title_justify="left", show_edge=False)
        for col in ("forecast bin", "n", "mean forecast", "observed frequency"):
            t.add_column(col, justify="right")
        for row in res.calibration:
            lo, hi = row["bin"]
            t.add_row(f"{lo:.1f}–{hi:.1f}", str(row["n"]), f"{row['mean_forecast']:.2f}",
                      f"{row['observed_frequency']:.2f}")
        con.print(t)
        if cal is not None:
            note = (f"; {inside} of these questions are from negotiations it was fitted on "
                    "(in-sample)" if inside else "; none from negotiations it was fitted on")
            con.print(f"Calibrated answers ({the_map.source if the_map else ''}{note}): Brier "
                      f"score {cal.brier:.4f} · log score {cal.log_score:.4f} · reliability "
                      f"{cal.reliability:.4f}", markup=False)

    data = res.to_dict()
    if cal is not None:
        data["calibrated"] = {"brier": cal.brier, "log_score": cal.log_score,
                              **cal.decomposition(), "in_sample": inside}
    _emit(data, json_path, render, "Scores")
