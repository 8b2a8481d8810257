"""``detente stability``: the GMCR stability analysis of a conflict."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..report.output import emit as _emit
from .app import app


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
    full: Annotated[bool, typer.Option(
        "--full", help="Run every analysis in full (coalitions, the status quo's evolution, "
                       "every response); the output says what was bounded without it.")] = False,
) -> None:
    """Stability of every state (Nash, GMR, SMR, SEQ) and the equilibria of the conflict."""
    from ..stability.scenario import conflict_stability, stability_to_dict

    if sanction_rule not in ("textbook", "gmcrplus"):
        raise typer.BadParameter("use 'textbook' or 'gmcrplus'", param_hint="--sanction-rule")
    run_ = conflict_stability(file, sanction_rule=sanction_rule, full=full)

    def render(con: Console) -> None:
        from ..report.stability import render_stability

        render_stability(run_, con)

    _emit(lambda: stability_to_dict(run_), json_path, render)
