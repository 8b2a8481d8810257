"""``detente stability``: the GMCR stability analysis of a conflict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..report.output import emit as _emit
from .app import app


@app.command()
def stability(
    file: Annotated[Path, typer.Argument(help="A scenario with a `conflict` section, or a GMCR+ "
                                              ".gmcr file.")],
    json_path: Annotated[
        str | None,
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
    concepts: Annotated[str | None, typer.Option(
        "--concepts", metavar="LIST",
        help="Comma-separated stability concepts: nash, gmr, smr, seq (the default), sim "
             "(simultaneous), seqsim (SEQ+SIM), or 'all'.")] = None,
    export_graph: Annotated[Path | None, typer.Option(
        "--export-graph", metavar="PATH",
        help="Also write the state graph and the status quo's evolution as GraphML (.graphml, "
             "for Gephi) or node-link JSON (.json, for D3).")] = None,
    inverse: Annotated[str | None, typer.Option(
        "--inverse", metavar="STATE",
        help="Inverse GMCR: the fewest preference reversals per DM that would make STATE (an "
             "option vector such as NNYN) an equilibrium, under each concept.")] = None,
) -> None:
    """Stability of every state (Nash, GMR, SMR, SEQ; SIM and SEQ+SIM on request) and the
    equilibria of the conflict."""
    from ..stability.concepts import ALL_CONCEPTS, CONCEPTS
    from ..stability.export import EXPORT_FORMATS
    from ..stability.run import SanctionRule
    from ..stability.scenario import conflict_stability, export_run_graph, stability_to_dict

    if sanction_rule not in ("textbook", "gmcrplus"):
        raise typer.BadParameter("use 'textbook' or 'gmcrplus'", param_hint="--sanction-rule")
    rule: SanctionRule = "gmcrplus" if sanction_rule == "gmcrplus" else "textbook"
    chosen = CONCEPTS
    if concepts is not None:
        chosen = ALL_CONCEPTS if concepts.strip().lower() == "all" else tuple(
            dict.fromkeys(c.strip().lower().replace("+", "") for c in concepts.split(",")
                          if c.strip()))
        bad = [c for c in chosen if c not in ALL_CONCEPTS]
        if bad or not chosen:
            raise typer.BadParameter(f"unknown {', '.join(bad) or 'empty list'}; use any of "
                                     f"{', '.join(ALL_CONCEPTS)} or 'all'",
                                     param_hint="--concepts")
    if export_graph is not None and export_graph.suffix.lower() not in EXPORT_FORMATS:
        raise typer.BadParameter(f"the file must end in {' or '.join(EXPORT_FORMATS)}",
                                 param_hint="--export-graph")
    run_ = conflict_stability(file, sanction_rule=rule, full=full, concepts=chosen)
    if inverse is not None:
        from ..stability.inverse import inverse_solve

        try:
            run_ = replace(run_, inverse={
                c: inverse_solve(run_.engine, inverse.strip(), c, sanction_rule=rule)
                for c in run_.result.concepts})
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--inverse") from None
    if export_graph is not None:
        run_ = replace(run_, exported=str(export_run_graph(run_, export_graph)))

    def render(con: Console) -> None:
        from ..report.stability import render_stability

        render_stability(run_, con)

    _emit(lambda: stability_to_dict(run_), json_path, render)
