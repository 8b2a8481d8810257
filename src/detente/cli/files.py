"""Commands on scenario files: ``validate``, ``schema``, ``new`` and ``import``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import DetenteError, ScenarioError
from ..importer import IMPORT_HELP, import_file
from ..report.output import console as _out
from ..report.output import eprint as _eprint
from ..report.output import write_atomic, write_json
from .app import EXIT, _n, app


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files and report every problem with file:line:column."""
    from ..scenario.load import load_scenario

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
        from ..backtest.archive import hindsight

        for w in hindsight(s):
            _eprint(f"{f}: warning: {w}")
    if bad:
        raise typer.Exit(EXIT["invalid"])


@app.command()
def schema(
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Write the scenario format's JSON Schema (for editor validation and completion)."""
    from ..scenario.schema import scenario_json_schema

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
    from ..scenario.starter import starter_text

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
