"""The negotiation process model: will they agree, when, on what, and will it last.

:func:`process_solve` runs, for every table and draw, the month-by-month process of
:mod:`.simulate` after the unilateral moves of :mod:`.unilateral` have set the no-deal path.
Its result, :class:`ProcessResult`, holds every table's dated paths; :mod:`.explain` turns
them into the most likely paths and the reasons. Model and references:
docs/explanation/process.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.draws import Draws
from ..scenario.schema import Scenario
from ..utility import beliefs, no_deal_values, utility_weights
from .simulate import PartialPath, TablePath, simulate_table
from .unilateral import UnilateralPath, freeze, unilateral_paths

if TYPE_CHECKING:
    from ..bargain.tables import TableResult
    from ..timeline import TableTimeline

__all__ = ["PartialPath", "ProcessResult", "TablePath", "UnilateralPath", "horizon",
           "process_solve"]


def horizon(scenario: Scenario, asked: float = 0.0) -> int:
    """Months simulated: the scenario's ``process.horizon``, else the latest month asked
    about (at least 12)."""
    if scenario.process.horizon is not None:
        return int(scenario.process.horizon)
    return int(max(12, math.ceil(asked)))


@dataclass(frozen=True, eq=False)
class ProcessResult:
    """Every table's simulated paths, the unilateral moves, and the timelines they used."""

    months: np.ndarray  # (T,)
    tables: dict[str, TablePath] = field(default_factory=dict)
    unilateral: tuple[UnilateralPath, ...] = ()
    timelines: dict[str, TableTimeline] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    seed: np.random.SeedSequence = field(default_factory=lambda: np.random.SeedSequence(0))
    start: int = 0  # the index of the first draw (a chunk of a longer run)
    point: bool = False  # the point estimate: every random input at its central value


def assumptions(scenario: Scenario, point: bool = False) -> tuple[str, ...]:
    """The defaults the process model used because the scenario is silent, in words."""
    from ..scenario.process import DEFAULT_PACE

    pr = scenario.process
    out = []
    if pr.base_rate is None and "process.base_rate.pace" not in scenario.uncertainty:
        out.append(f"no base rate declared: a round of talks reaches a decision with the "
                   f"default pace {DEFAULT_PACE:g} a month (an uninformed assumption)")
    if (pr.beliefs.half_life is None and "process.beliefs.half_life" not in scenario.uncertainty
            and any(nd.expects for nd in scenario.no_deal.values())):
        out.append("no belief half-life declared: the actors' expectations never converge")
    if pr.choice_noise is None and pr.unilateral and not point:
        from ..scenario.process import DEFAULT_CHOICE_NOISE

        out.append(f"no choice noise declared: each unilateral move is chosen by a logit "
                   f"quantal response with λ = {DEFAULT_CHOICE_NOISE:g} (utility units), "
                   f"fitted on the backtest archive's dev half (0: the best response)")
    certain = (pr.base_rate is not None and pr.base_rate.pace in (0.0, 1.0)
               and "process.base_rate.pace" not in scenario.uncertainty)
    if pr.pace_dispersion is None and scenario.tables and not point and not certain:
        from ..scenario.process import DEFAULT_PACE_DISPERSION

        out.append(f"no pace dispersion declared: each table's monthly hazard of a decisive "
                   f"round is the pace's times a factor of mean 1 and variance "
                   f"{DEFAULT_PACE_DISPERSION:g} per draw (negotiations differ from their "
                   f"reference class; a gamma frailty), fitted on the backtest archive's dev "
                   f"half")
    if (pr.terms_error is None and not point
            and any(_asks_terms(q.when) for q in scenario.questions)):
        from .terms import DEFAULT_TERMS_ERROR

        deal = any(_asks_terms(q.when, concluded=True) for q in scenario.questions)
        around = ("" if not deal else " around the members' compromise"
                  if pr.terms_point == "compromise" else " around the concluded package")
        what = "a deal's terms are" if deal else "outcomes are"
        out.append(f"no terms error declared: {what} read{around} with "
                   f"the model error of bargaining forecasts, {DEFAULT_TERMS_ERROR:.3f} of the "
                   f"spread of the positions (DEU III; docs/explanation/process.md)")
    return tuple(out)


def _asks_terms(pred: Any, concluded: bool = False) -> bool:
    """Whether a condition reads a deal's terms (``concluded`` with terms, or ``outcome``
    unless ``concluded``: only the former)."""
    kind = next(iter(type(pred).model_fields))
    args = getattr(pred, kind)
    if kind in ("all", "any"):
        return any(_asks_terms(p, concluded) for p in args)
    if kind == "not_":
        return _asks_terms(args, concluded)
    return (kind == "outcome" and not concluded) or (kind == "concluded" and bool(args.terms))


def process_solve(scenario: Scenario, draws: Draws, ss: np.random.SeedSequence | None,
                  start: int = 0, months: int = 12, *, known: dict[str, TableResult] | None = None
                  ) -> ProcessResult:
    """Simulate every table of the scenario for months 0 … ``months`` (see the package doc).

    ``ss``: the run's seed sequence (None: the point estimate, seed 0); ``start``: the index of
    the first draw (so a chunk draws exactly its slice of the run's random numbers);
    ``known``: the tables' month-0 bargaining results, reused by the timelines.
    """
    from ..timeline import table_timeline

    point = ss is None
    ss = np.random.SeedSequence(0) if ss is None else ss
    window = int(math.ceil(scenario.process.commitment.window))
    t = np.arange(months + 1, dtype=float)
    ext = np.arange(months + 1 + window, dtype=float)
    moves = unilateral_paths(scenario, draws, ext, known=known, ss=None if point else ss,
                             start=start)
    shift = None
    if moves:
        shift = np.zeros((draws.n, len(draws.issues), ext.size))
        for mv in moves:
            shift[:, draws.issues.index(mv.issue), :] += mv.shift
    dall = no_deal_values(draws, ext, shift)
    belief = beliefs(draws, ext, shift)
    timelines, tables = {}, {}
    for tb in scenario.tables:
        tl = table_timeline(scenario, draws, tb.id, t, known=(known or {}).get(tb.id),
                            shift=None if shift is None else shift[..., :t.size])
        timelines[tb.id] = tl
        tables[tb.id] = simulate_table(scenario, draws, tb.id, t, dall, belief, ss, start,
                                       tl.zone, tl.deal, window, point)
    return ProcessResult(months=t, tables=tables, unilateral=tuple(
        _frozen(scenario, draws, mv, tables, t.size) for mv in moves), timelines=timelines,
        assumptions=assumptions(scenario, point), seed=ss, start=start, point=point)


def _frozen(scenario: Scenario, draws: Draws, mv: UnilateralPath, tables: dict[str, TablePath],
            nt: int) -> UnilateralPath:
    """The move as reported: held still in the months when an agreement that settles its
    issue is in force (:func:`.unilateral.freeze`). The talks' no-deal values assume the move
    goes ahead (the agreement's own months are in force, so they do not use them)."""
    j = draws.issues.index(mv.issue)
    wall = utility_weights(draws.salience)
    covered = np.zeros((draws.n, nt), bool)
    for tb in scenario.tables:
        idx = [draws.actors.index(a) for a in tb.members]
        on_agenda = (wall[:, idx, j] > 0).any(axis=1)
        covered |= on_agenda[:, None] & tables[tb.id].in_force
    for pa in scenario.process.partials:
        if mv.issue in pa.issues:
            covered |= tables[pa.table].partials[pa.id].in_force
    k = next(k for k, u in enumerate(scenario.process.unilateral)
             if u.actor == mv.actor and u.issue == mv.issue)
    span = float(draws.scale_hi[j] - draws.scale_lo[j])
    gap = mv.target - draws.status_quo[:, j]
    step = draws.process["step"][:, k] / span
    return UnilateralPath(mv.actor, mv.issue, mv.target, freeze(gap, step, covered), mv.option)
