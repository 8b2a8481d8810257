"""Commands that score models on history: ``accuracy`` and ``backtest``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..errors import DetenteError
from ..report.output import console as _out
from ..report.output import emit as _emit
from ..report.output import eprint as _eprint
from ..report.output import write_atomic
from .app import MAX_SEED, app


@app.command()
def accuracy(
    file: Annotated[Path, typer.Argument(help="Decisions with known outcomes (DEU layout, .tsv); "
                                              "with --apply-to, the file to fit on.")],
    json_path: Annotated[
        Optional[str],
        typer.Option("--json", metavar="PATH", help="Write the scores as JSON ('-': stdout)."),
    ] = None,
    capability: Annotated[
        str, typer.Option("--capability", help="'equal' (default) or 'row' (the file's row).")
    ] = "equal",
    missing_salience: Annotated[
        float, typer.Option("--missing-salience", min=0, max=100,
                            help="Salience for a positioned actor without one (0–100).")
    ] = 50.0,
    apply_to: Annotated[Optional[Path], typer.Option(
        "--apply-to", metavar="TEST", help="Fit the stacked ensemble on FILE, score it on TEST.")
    ] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds (one "
                                                                "file).")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED,
                                      help="Seed of the cross-validation folds.")] = 0,
    folds_by: Annotated[str, typer.Option(
        "--folds-by", help="'issue' (default) or 'id': issues with the same id (first column, "
                           "in DEU files the proposal) share a fold.")] = "issue",
    stack: Annotated[bool, typer.Option("--stack/--no-stack", help="Fit and score the stacked "
                                                                   "ensemble (slower).")] = True,
) -> None:
    """Score every forecast model, their ensemble and a stacked ensemble against actual
    outcomes: mean absolute error (MAE), 0–100. The stacked ensemble is cross-validated over
    FILE's issues, or fitted on FILE and scored on TEST (--apply-to)."""
    from ..forecast.accuracy import read_deu, score_models

    if capability not in ("equal", "row"):
        raise typer.BadParameter("use 'equal' or 'row'", param_hint="--capability")
    if folds_by not in ("issue", "id"):
        raise typer.BadParameter("use 'issue' or 'id'", param_hint="--folds-by")
    if apply_to is not None and not stack:
        raise typer.BadParameter("--apply-to fits the stacked ensemble", param_hint="--no-stack")
    data = read_deu(file, capability=capability, missing_salience=missing_salience)
    scored = data if apply_to is None else read_deu(apply_to, capability=capability,
                                                    missing_salience=missing_salience)
    result = score_models(scored, file=str(apply_to or file))
    doc = result.to_dict()
    res = None
    if stack:
        from ..forecast.stacking import cross_validate, fit_apply

        if apply_to is None:
            res = cross_validate(data, folds=folds, seed=seed, file=str(file),
                                 by_id=folds_by == "id")
        else:
            res = fit_apply(data, scored, fit_file=str(file), test_file=str(apply_to))
        doc["stacking"] = res.to_dict()

    def render(con: Console) -> None:
        con.print(f"Accuracy on {apply_to or file} ({result.issues} issues with an outcome)",
                  markup=False)
        if res is None:
            rows = sorted(result.mae.items(), key=lambda kv: kv[1])
            _accuracy_table(con, rows)
        else:
            _render_stacking(con, res, result.mae.get("ensemble"))
        con.print(f"[dim]Capabilities: {capability}; missing salience = {missing_salience:g}; "
                  "an actor takes part where it has a position.[/dim]")

    _emit(doc, json_path, render, "Scores")


def _accuracy_table(con: Console, rows: list[tuple[str, float]],
                    base: float | None = None) -> None:
    """Rows of (forecast, MAE); numbers never wrap or shrink (80 columns suffice)."""
    from rich.table import Table

    t = Table(show_edge=False)
    t.add_column("forecast", overflow="fold")
    t.add_column("MAE (0–100)", justify="right", no_wrap=True, min_width=11)
    if base is not None:
        t.add_column("vs compromise", justify="right", no_wrap=True, min_width=13)
    for name, v in rows:
        cells = [name, f"{v:.2f}"] + ([] if base is None else [f"{v - base:+.2f}"])
        t.add_row(*cells)
    con.print(t)


def _render_stacking(con: Console, res, ensemble: float | None) -> None:
    from rich.table import Table

    cv = res.mode == "cross-validation"
    if cv:
        k = res.options["folds"]
        over = "the issues" + ("" if res.options["folds_by"] == "issue" else
                               " grouped by id (first column)")
        con.print(f"Stacked ensemble, {k}-fold cross-validation over {over}, seed "
                  f"{res.options['seed']}: settings and weights are fitted on {k - 1} folds and "
                  f"scored on the held-out fold, so every error below is out-of-fold.",
                  markup=False)
    else:
        con.print(f"Stacked ensemble fitted on {res.fit_file} ({res.fit.issues} issues) and "
                  f"scored on {res.scored_file} ({res.issues} issues): settings and weights "
                  f"come from {res.fit_file} only.", markup=False)
    chosen = "per fold" if cv else "on the fit file"
    rows = [("stacked ensemble", res.mae["stacked"])]
    rows += [(name.replace(" (tuned)", f", setting chosen {chosen}"), v)
             for name, v in res.mae.items() if name != "stacked"]
    if ensemble is not None:
        rows.append(("ensemble (mean of the models, defaults)", ensemble))
    _accuracy_table(con, rows, res.mae["compromise"])
    con.print("[dim]vs compromise: MAE minus the compromise's (negative: more accurate).[/dim]")
    con.print(f"Settings and weights fitted on {'all the issues' if cv else res.fit_file} "
              "(what --apply-to applies to new data):", markup=False)
    t = Table(show_edge=False)
    t.add_column("model", no_wrap=True)
    t.add_column("weight", justify="right", no_wrap=True, min_width=6)
    t.add_column("setting (non-default values)", overflow="fold")
    fit = res.fit
    for v, w in zip(fit.members, fit.weights):
        t.add_row(v.model, f"{w:.3f}", v.label.partition(" ")[2] or "defaults")
    for model, twin in fit.merged.items():
        t.add_row(model, "—", f"same forecasts as {twin} on these issues")
    con.print(t)


@app.command()
def backtest(
    folder: Annotated[Path, typer.Argument(help="The archive folder (with archive.yaml).")],
    cases: Annotated[
        Optional[str], typer.Option("--cases", metavar="ID,ID",
                                    help="Only these cases (comma-separated).")
    ] = None,
    draws: Annotated[int, typer.Option("--draws", "-n", min=1, help="Monte Carlo draws per "
                                                                     "case.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Random seed.")] = 0,
    json_path: Annotated[
        Optional[str], typer.Option("--json", metavar="PATH", help="Write every forecast and "
                                                                    "score as JSON ('-': stdout).")
    ] = None,
    html_path: Annotated[
        Optional[Path], typer.Option("--html", metavar="PATH",
                                     help="Write an HTML page with the reliability diagrams "
                                          "(needs the extra detente[report]).")
    ] = None,
    write_calibration: Annotated[
        Optional[Path], typer.Option("--write-calibration", metavar="PATH",
                                     help="Write the calibration fitted on the dev half, for "
                                          "`detente analyze --calibration PATH`.")
    ] = None,
) -> None:
    """Score every model variant on an archive of resolved historical negotiations."""
    from ..backtest import backtest as run_backtest
    from ..backtest import load_archive

    wanted = tuple(c.strip() for c in cases.split(",") if c.strip()) if cases else None
    archive = load_archive(folder, wanted)
    if not archive.cases:
        raise DetenteError(f"{folder}: no case to score (add case folders; see "
                           "docs/how-to/add-a-backtest-case.md)")
    if html_path is not None:
        from ..report.html import check_report_extra

        check_report_extra()
    quiet = json_path == "-"

    def progress(k: int, n: int, case: str) -> None:
        if case and not quiet:
            _eprint(f"[{k + 1}/{n}] {case}")

    res = run_backtest(archive, draws=draws, seed=seed, progress=progress)

    def render(con: Console) -> None:
        from ..report.backtest import render_backtest

        render_backtest(res, con)

    _emit(res.to_dict(), json_path, render, "Scores")
    if write_calibration is not None:
        if res.calibration is None:
            raise DetenteError(f"{folder}: no resolved question in the dev half to fit a "
                               "calibration on (the calibration is fitted on dev only)")
        text = json.dumps(res.calibration.to_dict(), indent=1, sort_keys=True) + "\n"
        write_atomic(write_calibration, text)
        (_eprint if quiet else lambda t: _out().print(t, markup=False))(
            f"Calibration written to {write_calibration}")
    if html_path is not None:
        from ..report.backtest import backtest_html

        write_atomic(html_path, backtest_html(res))
        (_eprint if quiet else lambda t: _out().print(t, markup=False))(
            f"Backtest page written to {html_path}")
