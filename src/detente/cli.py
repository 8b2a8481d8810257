"""The ``detente`` command line: thin; every command calls one library function.

Exit codes: 0 success · 1 other user error · 2 usage error · 65 invalid scenario
(EX_DATAERR) · 66 input file missing (EX_NOINPUT) · 70 internal error
(EX_SOFTWARE; rerun with --traceback) · 73 cannot write output (EX_CANTCREAT) ·
130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ._version import __version__
from .atomic import write_text_atomic
from .errors import DetenteError, ScenarioError
from .importer import IMPORT_HELP, import_file
from .store.cli import RunRecorder, runs_app

__all__ = ["EXIT", "app", "main", "run"]

EXIT = {
    "ok": 0,
    "error": 1,
    "usage": 2,
    "invalid": 65,
    "no_input": 66,
    "internal": 70,
    "cannot_write": 73,
    "interrupted": 130,
}


MAX_SEED = 2**128 - 1
"""Seeds are at most 128 bits, like the OS entropy recorded when no seed is given."""


class OutputError(DetenteError):
    exit_code = EXIT["cannot_write"]


app = typer.Typer(
    name="detente",
    help="Model multi-party negotiations: forecasts, deals, exclusion, linkage, uncertainty.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(runs_app, name="runs")  # `detente runs …`: the run history (detente.store)



def _out() -> Console:
    """Standard output console, made per call so COLUMNS and redirection are honoured."""
    return Console(highlight=False, soft_wrap=False)


def _eprint(text: str) -> None:
    """Errors go to stderr unwrapped, so file:line:col locations stay on one line."""
    sys.stderr.write(text.rstrip("\n") + "\n")


def _version(value: bool) -> None:
    if value:
        _out().print(f"detente {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
    traceback_: Annotated[
        bool, typer.Option("--traceback", help="Show the full traceback of internal errors.")
    ] = False,
) -> None:
    """detente: numbers and reasons for negotiations."""


def write_atomic(path: Path, text: str) -> None:
    """Write a file so a reader never sees it half-written and a failure loses nothing
    (:func:`detente.atomic.write_text_atomic`), creating its folder if needed."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the folder {directory}: {e.strerror}") from None
    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}") from None


def _backend(value: str) -> str:
    if value not in ("serial", "processes", "dask"):
        raise typer.BadParameter(f"{value!r} is not one of serial, processes, dask")
    return value


@contextlib.contextmanager
def _progress_bar(draws: int, *, quiet: bool = False):
    """A progress bar on stderr for runs of many draws, when stderr is a terminal."""
    con = Console(stderr=True)
    if quiet or draws < 2 or not con.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.progress import TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn("draws"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("eta"), TimeRemainingColumn(), console=con, transient=True)
    task = bar.add_task("draws", total=draws)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def write_json(doc: dict, output: Path | None, said: str) -> None:
    """A JSON document to stdout (no output, or '-'), or atomically to a file, then
    ``said.format(path=output)`` on the terminal."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        _out().print(said.format(path=output), markup=False)


def _emit(data: dict, json_path: str | None, render, what: str = "Results") -> None:
    """JSON to stdout ('-'), or the terminal rendering plus an optional JSON file."""
    payload = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if json_path == "-":
        sys.stdout.write(payload)
        return
    con = _out()
    render(con)
    if json_path:
        write_atomic(Path(json_path), payload)
        con.print(f"{what} written to {json_path}", markup=False)


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files and report every problem with file:line:column."""
    from .scenario.load import load_scenario

    bad = 0
    for f in files:
        try:
            s = load_scenario(f)
        except ScenarioError as e:
            bad += 1
            _eprint(str(e))
            continue
        print(
            f"{f}: valid — {_n(len(s.actors), 'actor')}, {_n(len(s.issues), 'issue')}, "
            f"{_n(len(s.tables), 'table')}, {_n(len(s.uncertainty), 'uncertain parameter')}, "
            f"{_n(len(s.questions), 'question')}"
        )
        from .backtest.archive import hindsight

        for w in hindsight(s):
            _eprint(f"{f}: warning: {w}")
    if bad:
        raise typer.Exit(EXIT["invalid"])


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
) -> None:
    """Analyse a scenario: a summary in the terminal, the full results as JSON."""
    from .analysis import analyze as run_analysis
    from .scenario.load import load_scenario

    scenario = load_scenario(file)
    if report_path is not None:  # a missing extra fails now, not after the analysis
        from .report.html import check_report_extra

        check_report_extra()
    recorder = None if no_store else RunRecorder(db, file)
    with _progress_bar(draws, quiet=json_path == "-") as progress:
        result = run_analysis(scenario, draws=draws, seed=seed, backend=backend,
                              workers=workers, chunk_size=chunk_size, scheduler=scheduler,
                              progress=progress, stream=stream)

    data = result.to_dict()

    def render(con: Console) -> None:
        from .report.terminal import render_summary

        render_summary(result, con, data)

    _emit(data, json_path, render)
    if report_path is not None:
        from .report.html import render_html

        write_atomic(report_path, render_html(result))
        if json_path == "-":  # stdout carries the JSON
            _eprint(f"Report written to {report_path}")
        else:
            _out().print(f"Report written to {report_path}", markup=False, soft_wrap=True)
    if recorder is not None:
        recorder.save(result, data, options={"draws": draws, "seed": seed, "backend": backend,
                                             "workers": workers, "chunk_size": chunk_size,
                                             "stream": stream},
                      quiet_stdout=json_path == "-")


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
    from .forecast.accuracy import read_deu, score_models

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
        from .forecast.stacking import cross_validate, fit_apply

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
def stability(
    file: Annotated[Path, typer.Argument(help="A scenario with a `conflict` section, or a GMCR+ "
                                              ".gmcr file.")],
    json_path: Annotated[
        Optional[str],
        typer.Option("--json", metavar="PATH", help="Write the results as JSON ('-': stdout)."),
    ] = None,
    sanction_rule: Annotated[
        str, typer.Option("--sanction-rule",
                          help="'textbook' (opponents move in any legal sequence) or "
                               "'gmcrplus' (each opponent moves at most once).")
    ] = "textbook",
) -> None:
    """Stability of every state (Nash, GMR, SMR, SEQ) and the equilibria of the conflict."""
    from .scenario.conflict import conflict_stability, stability_to_dict

    if sanction_rule not in ("textbook", "gmcrplus"):
        raise typer.BadParameter("use 'textbook' or 'gmcrplus'", param_hint="--sanction-rule")
    run_ = conflict_stability(file, sanction_rule=sanction_rule)

    def render(con: Console) -> None:
        from .report.stability import render_stability

        render_stability(run_, con)

    _emit(stability_to_dict(run_), json_path, render)


@app.command()
def score(
    files: Annotated[list[Path], typer.Argument(help="Scenario files whose questions carry a "
                                                     "`resolution`.")],
    draws: Annotated[int, typer.Option("--draws", "-n", min=1, help="Monte Carlo draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Random seed.")] = 0,
    json_path: Annotated[
        Optional[str], typer.Option("--json", metavar="PATH", help="Write the scores as JSON.")
    ] = None,
) -> None:
    """Score the questions' probabilities against their resolutions: Brier, log, calibration."""
    from rich.table import Table

    from .analysis import analyze as run_analysis
    from .scenario.load import load_scenario
    from .scoring import score_forecasts

    items = []
    for f in files:
        s = load_scenario(f)
        if not any(q.resolution is not None for q in s.questions):
            continue
        a = run_analysis(s, draws=draws, seed=seed)
        for q in a.questions:
            if q.resolution is not None:
                items.append({"file": str(f), "id": q.id, "probability": q.probability,
                              "outcome": q.resolution})
    if not items:
        raise DetenteError("no question in these files has a `resolution`; add "
                           "`resolution: {outcome: true|false}` to resolved questions")
    res = score_forecasts([i["probability"] for i in items], [int(i["outcome"]) for i in items],
                          items=tuple(items))
    def render(con: Console) -> None:
        con.print(f"{res.n} resolved question(s) from {len(files)} file(s); {draws:,} draws, "
                  f"seed {seed}", markup=False)
        con.print(f"Brier score {res.brier:.4f} (0 perfect; 0.25 = always 50%) · log score "
                  f"{res.log_score:.4f} (probabilities clipped to [{res.eps:g}, "
                  f"{1 - res.eps:g}])", markup=False)
        t = Table(title="Calibration", title_justify="left", show_edge=False)
        for col in ("forecast bin", "n", "mean forecast", "observed frequency"):
            t.add_column(col, justify="right")
        for row in res.calibration:
            lo, hi = row["bin"]
            t.add_row(f"{lo:.1f}–{hi:.1f}", str(row["n"]), f"{row['mean_forecast']:.2f}",
                      f"{row['observed_frequency']:.2f}")
        con.print(t)

    _emit(res.to_dict(), json_path, render, "Scores")


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
) -> None:
    """Score every model variant on an archive of resolved historical negotiations."""
    from .backtest import backtest as run_backtest
    from .backtest import load_archive

    wanted = tuple(c.strip() for c in cases.split(",") if c.strip()) if cases else None
    archive = load_archive(folder, wanted)
    if not archive.cases:
        raise DetenteError(f"{folder}: no case to score (add case folders; see "
                           "docs/how-to/add-a-backtest-case.md)")
    if html_path is not None:
        from .report.html import check_report_extra

        check_report_extra()
    quiet = json_path == "-"

    def progress(k: int, n: int, case: str) -> None:
        if case and not quiet:
            _eprint(f"[{k + 1}/{n}] {case}")

    res = run_backtest(archive, draws=draws, seed=seed, progress=progress)

    def render(con: Console) -> None:
        from .report.backtest import render_backtest

        render_backtest(res, con)

    _emit(res.to_dict(), json_path, render, "Scores")
    if html_path is not None:
        from .report.backtest import backtest_html

        write_atomic(html_path, backtest_html(res))
        (_eprint if quiet else lambda t: _out().print(t, markup=False))(
            f"Backtest page written to {html_path}")


@app.command()
def schema(
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Write the scenario format's JSON Schema (for editor validation and completion)."""
    from .scenario.schema import scenario_json_schema

    write_json(scenario_json_schema(), output, "JSON Schema written to {path}")


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Name of the new scenario (file NAME.yaml).")],
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Where to write (default NAME.yaml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter scenario to edit."""
    from .scenario.starter import starter_text

    stem = name[:-5] if name.endswith(".yaml") else name
    path = output or Path(f"{stem}.yaml")
    text = starter_text(stem, str(path))
    if path.exists() and not force:
        raise DetenteError(f"{path} already exists; nothing was changed "
                           "(use --force to overwrite, or choose another name)")
    write_atomic(path, text)
    _out().print(f"Wrote {path}. Next: edit it, then `detente validate {path}`.", markup=False)


@app.command("import", help=IMPORT_HELP)
def import_(file: Path, output: Annotated[Optional[Path], typer.Option("--output", "-o")] = None,
            issues: Optional[str] = None, layout: str = "auto", sheet: Optional[str] = None,
            salience_scale: str = "auto", id: Optional[str] = None, title: Optional[str] = None,
            as_of: Optional[str] = None, force: bool = False) -> None:
    res, path = import_file(file, output, force=force, issues=issues, layout=layout, sheet=sheet,
                            salience_scale=salience_scale, scenario_id=id, title=title, as_of=as_of)
    for w in res.warnings:
        _eprint(f"{file}: warning: {w}")
    if path is None:
        sys.stdout.write(res.text)
    else:
        write_atomic(path, res.text)
        _out().print(f"Wrote {path} ({res.summary()}). Next: check it, then `detente validate "
                     f"{path}`.", markup=False, soft_wrap=True)


_WEB_EXTRA = {"fastapi", "starlette", "uvicorn", "jinja2", "plotly", "markupsafe", "pydantic_core"}


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Any other than "
                                      "127.0.0.1/localhost needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
    db: Annotated[Optional[str], typer.Option("--db", metavar="URL", help="The run history "
                                              "(default: see `detente runs`).")] = None,
    workspace: Annotated[Optional[Path], typer.Option(
        "--workspace", metavar="DIR", help="The folder of scenarios the app edits (default: "
                                           "workspace/ in the user's data folder).")] = None,
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="DETENTE_TOKEN", show_envvar=True,
        help="Access token every request must carry (needed to listen beyond 127.0.0.1).")] = None,
) -> None:
    """Start the web app: edit and validate scenarios, run them, read and compare the runs."""
    try:
        from .web.server import serve as run_server
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in _WEB_EXTRA:
            raise
        raise DetenteError(f"the web app needs the optional extra ({e.name} is missing): "
                           "pip install 'detente[web]'") from None
    run_server(host=host, port=port, db=db, workspace=workspace, token=token)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: sys.argv[1:]); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_tb = "--traceback" in args
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="detente", standalone_mode=False)
        if rv == EXIT["interrupted"]:  # Ctrl-C, as the command line library reports it
            _eprint("Interrupted.")
        return int(rv) if isinstance(rv, int) else EXIT["ok"]
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        _eprint("Interrupted.")
        return EXIT["interrupted"]
    except typer.TyperException as e:  # usage errors and bad parameters
        show = getattr(e, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:  # pragma: no cover
            _eprint(f"error: {e}")
        return int(getattr(e, "exit_code", EXIT["usage"]))
    except ScenarioError as e:
        _eprint(str(e))
        missing = len(e.problems) == 1 and e.problems[0].message == "no such file"
        return EXIT["no_input"] if missing else e.exit_code
    except DetenteError as e:
        _eprint(f"error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        _eprint("Interrupted.")
        return EXIT["interrupted"]
    except Exception as e:  # an internal error: a bug in detente, not the user's input
        if show_tb:
            _eprint(traceback.format_exc())
        else:
            _eprint(
                f"internal error: {type(e).__name__}: {e}\n"
                "This is a bug in detente. Rerun with --traceback and report it."
            )
        return EXIT["internal"]


def run() -> None:  # pragma: no cover - console-script entry point
    sys.exit(main())
