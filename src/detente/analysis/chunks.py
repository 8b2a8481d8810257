"""One chunk of a run's draws: every analysis on draws ``start … start + n − 1``.

:func:`solve_chunk` keeps the chunk's per-draw results (merged in draw order by
:func:`detente.montecarlo.merge`); :func:`stream_chunk` reduces them to digests in the worker
(a streamed run), so only the digests, draw 0 and the sensitivity sample leave it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..answers import QuestionResult, evaluate_questions, months_asked
from ..bargain import bargain_tables
from ..forecast import registry
from ..forecast.registry import ForecastResult
from ..montecarlo import first_draws
from ..montecarlo.digest import Digest
from ..montecarlo.providers import Collect
from ..process import horizon, process_solve
from ..scenario.draws import point_draws, sample
from ..scenario.schema import Scenario
from ..stability import StabilityResult
from ..utility import no_deal_values, utility, utility_weights
from .result import DrawResults
from .summary import draw_summary

__all__ = ["POSITIONS_KEPT", "Chunk", "Digested", "answers", "sensitivity_outputs",
           "solve_chunk", "stream_chunk"]

POSITIONS_KEPT = 1_024
"""The dynamic models' positions round by round (every actor, every round: large) are kept for
the run's first this-many draws only; the report plots their medians. Outcomes and their paths
are kept for every draw."""


def answers(q: QuestionResult) -> np.ndarray:
    """A question's answer in each draw (a chunk's questions always have them)."""
    if q.truth is None:
        raise ValueError(f"question {q.id!r} keeps no per-draw answers (a streamed run)")
    return q.truth


@dataclass(frozen=True, eq=False)
class Chunk:
    """One chunk's per-draw results and its questions' answers per draw."""

    results: DrawResults
    questions: tuple[QuestionResult, ...]


def solve_chunk(scenario: Scenario, ss: np.random.SeedSequence | None, start: int, n: int,
                models: tuple[str, ...], bargain: bool,
                stability: StabilityResult | None = None) -> Chunk:
    """Draws start … start + n − 1 of a run (the point estimate when ``ss`` is None);
    ``stability``: the conflict's :class:`~detente.stability.StabilityResult`, solved once
    per run, for the ``equilibrium`` questions."""
    d = point_draws(scenario) if ss is None else sample(scenario, n, ss, start=start)
    forecasts = {}
    keep = max(0, min(n, POSITIONS_KEPT - start))
    for name in models:
        r = registry.get(name).fn(d.capability, d.position, d.salience)
        if r.positions is not None and r.positions.shape[0] > keep:
            r = dataclasses.replace(r, positions=r.positions[:keep])
        forecasts[name] = r
    uq = utility(d.status_quo, d.position, utility_weights(d.salience))
    nd = no_deal_values(d, 0.0)
    tables = bargain_tables(scenario, d) if bargain else {}
    proc = None
    if bargain and scenario.tables:
        proc = process_solve(scenario, d, ss, start,
                             horizon(scenario, months_asked(scenario)), known=tables)
    qs = (evaluate_questions(scenario, d, forecasts, tables, proc, stability=stability)
          if bargain else ())
    timelines = {} if proc is None else proc.timelines
    return Chunk(DrawResults(d, forecasts, uq, nd, tables, timelines, proc), tuple(qs))


@dataclass(frozen=True, eq=False)
class Digested:
    """One chunk of a streamed run: digests of its arrays and the few things kept whole."""

    start: int
    digests: dict[str, Digest]
    counts: tuple[int, ...]  # per question: the draws where it is true
    head: Chunk | None = None  # draw 0 (from the chunk that holds it)
    sample: tuple[np.ndarray, dict[str, np.ndarray]] | None = None  # sensitivity sample


def stream_chunk(scenario: Scenario, ss: np.random.SeedSequence | None, start: int, n: int,
                 models: tuple[str, ...], bargain: bool, keep: int,
                 stability: StabilityResult | None = None) -> Digested:
    """Draws start … start + n − 1, reduced to digests in the worker: only they (and draw 0,
    and the draws before ``keep`` for sensitivity) leave it."""
    part = solve_chunk(scenario, ss, start, n, models, bargain, stability)
    col = Collect(start)
    draw_summary(scenario, models, part.results, col)
    m = min(n, keep - start)
    sample = None
    inputs = part.results.inputs
    if m > 0 and inputs.uncertain_values is not None:
        outs = sensitivity_outputs(scenario, part.questions, part.results.forecasts, models)
        sample = (inputs.uncertain_values[:m].copy(),
                  {k: v[:m].copy() for k, v in outs.items()})
    counts = tuple(int(np.count_nonzero(answers(q))) for q in part.questions)
    return Digested(start, col.digests, counts, first_draws(part) if start == 0 else None,
                    sample)


def sensitivity_outputs(scenario: Scenario, qs: tuple[QuestionResult, ...],
                        forecasts: dict[str, ForecastResult],
                        models: tuple[str, ...]) -> dict[str, np.ndarray]:
    """What the drivers are ranked for: every question, and each issue's ensemble forecast."""
    outs = {f"question:{q.id}": answers(q).astype(float) for q in qs}
    if len(models) > 1:
        ens = np.nanmean(np.stack([forecasts[m].outcome for m in models]), axis=0)
        for j, iss in enumerate(scenario.issues):
            outs[f"ensemble:{iss.id}"] = ens[:, j]
    return outs
