"""``detente runs …``: the run history on the command line, and recording ``detente analyze``.

Importing this module is cheap: the store (SQLAlchemy) loads when a command runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ..report.numbers import num as _num
from ..report.numbers import pct as _pct

if TYPE_CHECKING:
    from .diff import RunDiff
    from .records import RunRecord, RunSummary
    from .store import RunStore

__all__ = ["RunRecorder", "runs_app"]

DB_HELP = ("The run history: a database URL (sqlite:///PATH, postgresql://USER@HOST/DB) or an "
           "SQLite file. Default: $DETENTE_DB, else runs.sqlite3 in the user's data folder.")

runs_app = typer.Typer(
    name="runs",
    help="The history of analysis runs: list, show, compare and export them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DbOption = Annotated[str | None, typer.Option("--db", metavar="URL", help=DB_HELP)]
JsonOption = Annotated[str | None, typer.Option(
    "--json", metavar="PATH", help="Write the data as JSON ('-': stdout).")]


def _open(db: str | None, *, create: bool = False) -> RunStore:
    """The run history; for reading (``create=False``) a missing SQLite file is an error, not
    a new empty file (a mistyped --db should not litter)."""
    from .store import RunStore

    return RunStore(db, create=create)


def _when(s: RunSummary) -> str:
    return s.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")


# ------------------------------------------------------------------------------ list
@runs_app.command("list")
def list_(
    db: DbOption = None,
    scenario: Annotated[str | None, typer.Option(
        "--scenario", metavar="ID", help="Only runs of this scenario id (or fingerprint).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1,
                                       help="Show at most this many (newest first).")] = 20,
    json_path: JsonOption = None,
) -> None:
    """List the stored runs, newest first."""
    from rich.table import Table

    from ..report.output import emit as _emit
    from .database import NoHistory, display_url, resolve_url

    try:
        with _open(db) as store:
            runs = store.list(limit=limit, scenario=scenario)
            where = store.url
    except NoHistory:
        runs, where = [], display_url(resolve_url(db))

    def render(con: Console) -> None:
        if not runs:
            con.print(f"No runs in {where}"
                      + (f" for scenario {scenario}" if scenario else "")
                      + ". `detente analyze FILE` records one.", markup=False)
            return
        t = Table(show_edge=False, pad_edge=False)
        t.add_column("id", no_wrap=True)
        t.add_column("created (UTC)", no_wrap=True)
        t.add_column("scenario", overflow="fold", ratio=1)
        for col in ("draws", "seed", "seconds"):
            t.add_column(col, justify="right", no_wrap=True)
        for r in runs:
            t.add_row(r.id, r.created_at.strftime("%Y-%m-%d %H:%M"), r.scenario_id,
                      f"{r.draws:,}", "—" if r.seed is None else str(r.seed), f"{r.seconds:.1f}")
        con.print(t)
        con.print(f"[dim]{len(runs)} run(s) from {where}.[/dim]")

    _emit({"database": where, "runs": [r.to_dict() for r in runs]}, json_path, render, "Runs")


# ------------------------------------------------------------------------------ show
def render_run(rec: RunRecord, con: Console) -> None:
    """A stored run in the terminal: what was run, then its answers."""
    from rich.table import Table

    res = rec.results
    con.print(f"Run {rec.id} — {rec.scenario_id}: {rec.scenario_title}", markup=False)
    seed = "—" if rec.seed is None else str(rec.seed)
    con.print(f"  {_when(rec)} · {rec.status} · {rec.draws:,} draw(s) · seed {seed} · "
              f"detente {rec.version} · {rec.seconds:.2f} s", markup=False)
    con.print(f"  inputs {rec.fingerprint}", markup=False)
    if rec.options:
        opts = ", ".join(f"{k}={v}" for k, v in rec.options.items())
        con.print(f"  options: {opts}", markup=False)
    qs = res.get("questions") or []
    if qs:
        t = Table(title="Questions (share of draws; 95% interval)", title_justify="left",
                  show_edge=False)
        t.add_column("question")
        t.add_column("P", justify="right", no_wrap=True)
        t.add_column("95% interval", justify="right", no_wrap=True)
        cal = any(q.get("calibrated") for q in qs)
        if cal:
            t.add_column("calibrated", justify="right", no_wrap=True)
        for q in qs:
            lo, hi = (q.get("interval_95") or [None, None])[:2]
            row = [q.get("text") or q.get("id", ""), _pct(q.get("probability")),
                   f"{_pct(lo)}–{_pct(hi)}"]
            if cal:
                c = q.get("calibrated") or {}
                clo, chi = (c.get("interval_95") or [None, None])[:2]
                row.append(f"{_pct(c.get('probability'))} ({_pct(clo)}–{_pct(chi)})"
                           if c else "—")
            t.add_row(*row)
        con.print(t)
    issues = res.get("issues") or []
    if issues:
        t = Table(title="Forecast per issue (ensemble; mean over draws)", title_justify="left",
                  show_edge=False)
        t.add_column("issue", no_wrap=True)
        t.add_column("status quo", justify="right")
        t.add_column("forecast", justify="right")
        t.add_column("5%–95%", justify="right", no_wrap=True)
        for iss in issues:
            fc = iss.get("forecast") or {}
            st = fc.get("ensemble") or (next(iter(fc.values())) if fc else {})
            rng = ("—" if st.get("p05") is None
                   else f"{st['p05']:.1f}–{st['p95']:.1f}")
            sq = iss.get("status_quo")
            t.add_row(iss.get("id", ""), "—" if sq is None else f"{sq:g}", _num(st.get("mean")),
                      rng)
        con.print(t)
    tables = res.get("tables") or {}
    if tables:
        t = Table(title="Tables (share of draws)", title_justify="left", show_edge=False)
        for col in ("table", "zone of agreement", "the deal holds", "some deal holds"):
            t.add_column(col, justify="left" if col == "table" else "right", no_wrap=True)
        for tid, tab in tables.items():
            t.add_row(tid, _pct((tab.get("zone") or {}).get("exists")), _pct(tab.get("holds")),
                      _pct((tab.get("holding_deal") or {}).get("exists")))
        con.print(t)
    con.print(f"[dim]Everything: detente runs export {rec.id}[/dim]")


@runs_app.command()
def show(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="The run id (or a unique prefix).")],
    db: DbOption = None,
    json_path: JsonOption = None,
) -> None:
    """Show one stored run: how it was run and its answers."""
    from ..report.output import emit as _emit

    with _open(db) as store:
        rec = store.get(run_id)
    _emit(rec.to_dict(), json_path, lambda con: render_run(rec, con), "Run")


# ------------------------------------------------------------------------------ diff
#: How each status reads (and looks) in the terminal.
STATUS_TEXT = {"change": ("change", "bold"), "within noise": ("within noise", "dim"),
               "same": ("same", "dim"), "no interval": ("interval n/a", "dim"),
               "missing": ("in one run only", "dim")}


def render_diff(d: RunDiff, con: Console) -> None:
    """Two runs compared in the terminal: the older (a) first, every difference b − a with its
    Monte Carlo interval; only differences beyond the noise are highlighted."""
    from rich.table import Table
    from rich.text import Text

    from .diff import difference_text

    con.print(f"a = {d.a.id} ({d.a.scenario_id}, {_when(d.a)}): the older run", markup=False)
    con.print(f"b = {d.b.id} ({d.b.scenario_id}, {_when(d.b)}): the newer run", markup=False)
    con.print("Differences are b − a (newer − older)"
              + ("; the runs were given newest first." if d.swapped else "."), markup=False)
    if not d.inputs:
        con.print("Same scenario (fingerprint), seed, draws, options and version.")
    for k, (va, vb) in d.inputs.items():
        if k == "fingerprint":
            va, vb = f"{va[:19]}…", f"{vb[:19]}…"
        con.print(f"  {k}: {va} → {vb}", markup=False)
    if d.scenario_diff:
        con.print("Scenario text (unified diff):")
        for line in d.scenario_diff.splitlines():
            style = ("green" if line.startswith("+") else "red" if line.startswith("-")
                     else "cyan" if line.startswith("@@") else None)
            con.print(Text(line, style=style or ""))
    elif "fingerprint" not in d.inputs:
        con.print("Scenario text: identical.")
    shown = False
    for title, rows, pct in (
            ("Questions (probability; b − a in percentage points)", d.questions, True),
            ("Forecast per issue (ensemble mean; b − a in the issue's units)", d.forecasts,
             False),
            ("The deal holds (share of draws; b − a in percentage points)", d.tables, True)):
        if not rows:
            continue
        shown = True
        t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
        t.add_column("", overflow="fold", ratio=1)
        for col in ("a", "b"):
            t.add_column(col, justify="right", no_wrap=True)
        t.add_column(Text("b − a [interval]"), justify="right", no_wrap=True)
        t.add_column("", no_wrap=True)
        for c in rows:
            fmt = _pct if pct else _num
            text, style = STATUS_TEXT.get(c.status, (c.status, ""))
            diff_style = "bold" if c.changed else ""
            t.add_row(c.key, fmt(c.a), fmt(c.b), Text(difference_text(c), style=diff_style),
                      Text(text, style=style))
        con.print(t)
    if shown:
        con.print(d.noise_note, markup=False)
        con.print(d.summary_line, markup=False)


@runs_app.command()
def diff(
    run_a: Annotated[str, typer.Argument(metavar="ID_A", help="One run (the older, usually).")],
    run_b: Annotated[str, typer.Argument(metavar="ID_B", help="The other run.")],
    db: DbOption = None,
    json_path: JsonOption = None,
) -> None:
    """Compare two runs: the scenario text, settings, and every answer, the older run as a and
    the newer as b (b − a: newer − older), each difference with its Monte Carlo interval."""
    from ..report.output import emit as _emit

    with _open(db) as store:
        d = store.diff(run_a, run_b)
    _emit(d.to_dict(), json_path, lambda con: render_diff(d, con), "Comparison")


# ------------------------------------------------------------------------------ export
@runs_app.command()
def export(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="The run id (or a unique prefix).")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (default: stdout).")] = None,
    db: DbOption = None,
) -> None:
    """Export everything stored about a run as JSON: scenario text, settings, results."""
    from ..report.output import write_json

    with _open(db) as store:
        doc = store.export(run_id)
    write_json(doc, output, f"Run {doc['id']} exported to {{path}}")


@runs_app.command()
def delete(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="The run's full id.")],
    db: DbOption = None,
) -> None:
    """Delete one run (give its full id)."""
    from ..report.output import console as _out

    with _open(db) as store:
        store.delete(run_id)
    _out().print(f"Run {run_id} deleted.", markup=False)


# ------------------------------------------------------------------------------ analyze
class RunRecorder:
    """Records one ``detente analyze`` run: opened (and the scenario text read) before the
    analysis, so a bad ``--db`` fails at once; :meth:`save` after it succeeds.

    Without ``--db`` or ``$DETENTE_DB`` a run history that cannot be opened is a warning, not
    an error: the analysis still runs.
    """

    def __init__(self, db: str | None, file: Path) -> None:
        from .database import ENV_DB, StoreError

        self._t0 = time.perf_counter()
        self.store: RunStore | None = None
        try:
            self.store = _open(db, create=True)
        except StoreError as e:
            if db or os.environ.get(ENV_DB, "").strip():
                raise
            sys.stderr.write(f"warning: this run will not be saved: {e}\n")
        data = Path(file).read_bytes()
        try:
            self.text = data.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - the loader accepted it as UTF-8
            self.text = data.decode("utf-8", "replace")

    def save(self, result: Any, data: dict[str, Any] | None = None, *,
             options: dict[str, Any] | None = None, quiet_stdout: bool = False) -> None:
        """Store the run and say so (on stderr when stdout carries JSON)."""
        if self.store is None:
            return
        timings = {"analysis": float(result.seconds),
                   "total": time.perf_counter() - self._t0}
        timings.update(getattr(result, "timings", None) or {})
        try:
            s = self.store.record(self.text, result, timings=timings, options=options,
                                  results=data)
        finally:
            self.store.close()
        msg = f"Run {s.id} saved (detente runs show {s.id})\n"
        (sys.stderr if quiet_stdout else sys.stdout).write(msg)
