"""The ``detente`` application: its options, exit codes and the helpers its commands share.

Exit codes: 0 success · 1 other user error · 2 usage error · 65 invalid scenario
(EX_DATAERR) · 66 input file missing (EX_NOINPUT) · 70 internal error
(EX_SOFTWARE; rerun with --traceback) · 73 cannot write output (EX_CANTCREAT) ·
130 interrupted.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Optional

import typer
from rich.console import Console

from .._version import __version__
from ..report.output import CANNOT_WRITE
from ..report.output import console as _out
from ..store.cli import runs_app

__all__ = ["EXIT", "MAX_SEED", "app"]

EXIT = {
    "ok": 0,
    "error": 1,
    "usage": 2,
    "invalid": 65,
    "no_input": 66,
    "internal": 70,
    "cannot_write": CANNOT_WRITE,
    "interrupted": 130,
}


MAX_SEED = 2**128 - 1
"""Seeds are at most 128 bits, like the OS entropy recorded when no seed is given."""


app = typer.Typer(
    name="detente",
    help="Model multi-party negotiations: forecasts, deals, exclusion, linkage, uncertainty.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(runs_app, name="runs")  # `detente runs …`: the run history (detente.store)


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


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"
