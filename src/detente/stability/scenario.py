"""A scenario's ``conflict`` section through the stability engine.

The scenario package holds the section as data and validates it; this module turns it into the
engine's :class:`~detente.stability.model.Conflict` (:func:`to_engine`) and runs every analysis
of it — the four concepts, the status quo's explanations and evolution, coalitions, each bounded
unless ``full`` (:mod:`.analysis`). :func:`detente.analyze` calls :func:`analyse_scenario` once
per run and keeps the record as ``Analysis.stability``; ``detente stability FILE`` calls
:func:`conflict_stability`, which also reads GMCR+ ``.gmcr`` files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DetenteError
from .analysis import ConflictAnalysis, conflict_analysis
from .concepts import CONCEPTS, stability_solve
from .conditions import All, AnyOf, Condition, Lit, Not
from .model import Conflict as Engine
from .model import Option, Preference, parse_state
from .run import SanctionRule, StabilityRun, stability_to_dict

if TYPE_CHECKING:  # pragma: no cover  (a .gmcr file needs no scenario schema: a lighter start)
    from ..scenario.conflict import Conflict
    from ..scenario.schema import Scenario

__all__ = ["NoConflictError", "StabilityRun", "analyse_scenario", "conflict_stability",
           "export_run_graph", "stability_to_dict", "to_engine"]


def _to_condition(node: tuple[Any, ...], index: Mapping[str, int]) -> Condition:
    if node[0] == "opt":
        return Lit(index[node[1]], True)
    if node[0] == "not":
        return Not(_to_condition(node[1], index))
    parts = tuple(_to_condition(c, index) for c in node[1:])
    return All(parts) if node[0] == "and" else AnyOf(parts)


# --------------------------------------------------------------------------- conversion
def to_engine(section: Conflict, name: str = "") -> Engine:
    """The stability engine's :class:`detente.stability.Conflict` for a validated section.

    Options keep the section's order (option ``i`` is character ``i`` of a state's vector) and
    are named by their ids; decision makers are named by their actor ids. Statements follow the
    engine's option-prioritisation convention (most important first)."""
    from ..scenario.statements import parse_statement

    index = {o.id: i for i, o in enumerate(section.options)}
    n = len(section.options)
    options = tuple(Option(o.id, o.dm, o.reversibility) for o in section.options)
    prefs = []
    for d in section.decision_makers:
        if d.preferences is not None:
            prefs.append(Preference(statements=tuple(
                _to_condition(parse_statement(s), index) for s in d.preferences)))
        else:
            groups = d.ranking or ()
            prefs.append(Preference(payoffs=tuple(
                (parse_state(s, n), float(len(groups) - g))
                for g, grp in enumerate(groups) for s in grp)))
    infeasible = tuple(_to_condition(parse_statement(r), index) for r in section.infeasible)
    return Engine(tuple(d.actor for d in section.decision_makers), options, tuple(prefs),
                  infeasible, name)


class NoConflictError(DetenteError):
    """A valid scenario without a ``conflict`` section given to stability analysis: not a
    problem in the file, so said in one line rather than as a list of problems."""

    exit_code = 65  # EX_DATAERR: the input cannot be used for this

    def __init__(self, file: str):
        super().__init__(
            f"{file}: the scenario has no `conflict` section, so there is nothing for "
            "`detente stability` to analyse; see `conflict` in "
            "docs/reference/scenario-format.md and docs/explanation/stability.md")


def conflict_stability(path: str | PathLike[str], *, sanction_rule: SanctionRule = "textbook",
                       full: bool = False, concepts: Sequence[str] = CONCEPTS
                       ) -> StabilityRun:
    """Load a scenario with a ``conflict`` section (or a GMCR+ ``.gmcr`` file) and compute the
    stability of every state, as a :class:`~detente.stability.run.StabilityRun`: the
    :class:`~detente.stability.StabilityResult` (``result``), the options (ids, in vector
    order), the status quo (a vector, or None for ``.gmcr`` files), title and source, and the
    status-quo and coalition analyses with ``limits`` (what was bounded, one sentence each;
    :mod:`detente.stability.analysis`; ``full=True`` bounds nothing). ``concepts``: any of
    :data:`~detente.stability.concepts.ALL_CONCEPTS` (SIM and SEQ+SIM on request). Raises
    :class:`~detente.errors.ScenarioError` for invalid input."""
    import importlib.util

    from ..errors import Problem, ScenarioError
    from ..scenario.load import load_scenario

    file = str(path)
    if Path(file).suffix.lower() == ".gmcr":
        if importlib.util.find_spec("detente.stability.gmcrplus") is None:
            raise DetenteError("`.gmcr` import is not available")
        from .gmcrplus import load_gmcr

        if not Path(file).exists():
            raise ScenarioError([Problem(None, None, "", "no such file",
                                         "check the path", file=file)], file)
        engine = load_gmcr(file)
        options = [o.name for o in engine.options]
        status_quo, title = None, engine.name or Path(file).stem
    else:
        scenario = load_scenario(file)
        if scenario.conflict is None:
            raise NoConflictError(file)
        return analyse_scenario(scenario, sanction_rule=sanction_rule, full=full, source=file,
                                concepts=concepts)
    return _run(engine, options, status_quo, title, file, sanction_rule, full, concepts)


def analyse_scenario(scenario: Scenario, *, sanction_rule: SanctionRule = "textbook",
                     full: bool = False, source: str | None = None,
                     concepts: Sequence[str] = CONCEPTS) -> StabilityRun:
    """The stability analysis of a validated scenario's ``conflict`` section (what
    :func:`detente.analyze` keeps as ``Analysis.stability``); the same record as
    :func:`conflict_stability`."""
    if scenario.conflict is None:
        raise NoConflictError(source or scenario.id)
    engine = to_engine(scenario.conflict, scenario.id)
    return _run(engine, list(scenario.conflict.option_ids()),
                scenario.conflict.status_quo_vector(), scenario.title, source or scenario.id,
                sanction_rule, full, concepts)


def _run(engine: Engine, options: Sequence[str], status_quo: str | None, title: str,
         source: str, sanction_rule: SanctionRule, full: bool,
         concepts: Sequence[str] = CONCEPTS) -> StabilityRun:
    result = stability_solve(engine, sanction_rule=sanction_rule, concepts=concepts)
    # why the status quo is (un)stable for each DM, where unilateral improvements lead from it,
    # and coalition stability, bounded unless ``full``
    parts = conflict_analysis(engine, status_quo, sanction_rule, full=full, result=result)
    return StabilityRun(
        result=result, options=tuple(options), status_quo=status_quo, title=title,
        source=source, owners=tuple(o.owner for o in engine.options), engine=engine,
        sanction_rule=sanction_rule,
        **{f.name: getattr(parts, f.name) for f in fields(ConflictAnalysis)})


def export_run_graph(run: StabilityRun, path: str | PathLike[str]) -> Path:
    """Write the state graph of :func:`conflict_stability`'s result to ``path`` (``.graphml`` or
    ``.json``, :mod:`detente.stability.export`), with the status quo's evolution under every
    computed concept (bounded as the command's own search unless the run was ``full``)."""
    from .analysis import MAX_STATUS_QUO_STATES
    from .export import state_graph, write_graph
    from .status_quo import status_quo_solve

    engine, result, sq = run.engine, run.result, run.status_quo
    sqa = dict(run.status_quo_analysis)
    if sq is not None:
        for c in result.concepts:
            if c not in sqa:
                sqa[c] = status_quo_solve(
                    engine, sq, c, sanction_rule=run.sanction_rule, result=result,
                    max_states=None if run.full else MAX_STATUS_QUO_STATES)
    graph = state_graph(engine, result, status_quo=sq, status_quo_analysis=sqa or None,
                        option_names=list(run.options))
    return write_graph(graph, Path(path))
