"""Forecast questions: the scenario's declarative conditions evaluated per draw.

Each question's condition (``deal``, ``holds``, ``accepts``, ``outcome``,
``equilibrium``, combined with ``all``/``any``/``not``) is evaluated for every
Monte Carlo draw; its probability is the share of draws where it is true, with
a 95% Wilson score interval for the Monte Carlo error (Wilson 1927; Brown, Cai
& DasGupta 2001). Meanings:

* ``deal: {table, by_month}`` — a zone of agreement exists at the table in some
  month t ≤ by_month (integer months from ``as_of``; no-deal values drift);
* ``holds: {table, by_month}`` — in some month t ≤ by_month the table's deal
  (Nash, equal weights) is accepted by every veto player whose issues it moves;
* ``accepts: {actor, table, by_month}`` — in some month t ≤ by_month the actor's
  utility of the table's deal is at least its no-deal value;
* ``outcome: {issue, source, at_least, at_most}`` — the issue's value from a
  forecast model (``source`` = model name) or from a table's deal now
  (``source`` = table id; false where the table has no zone) lies within bounds;
* ``equilibrium: {state, concept}`` — the state of the scenario's ``conflict``
  is an equilibrium under the concept (the same in every draw).

Nothing is evaluated as code: the conditions are data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scenario.draws import Draws
from .scenario.schema import Scenario

__all__ = ["QuestionResult", "evaluate_questions", "wilson_interval"]

Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials.

    >>> tuple(round(v, 4) for v in wilson_interval(50, 100))
    (0.4038, 0.5962)
    """
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


@dataclass(frozen=True, eq=False)
class QuestionResult:
    """A question's probability over draws, its interval, and how it resolved (if known)."""

    id: str
    text: str
    probability: float
    interval: tuple[float, float]
    draws: int
    resolution: bool | None
    truth: np.ndarray = field(repr=False)  # (N,) bool per draw

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "probability": self.probability,
                "interval_95": list(self.interval), "draws": self.draws,
                "resolution": self.resolution}


def _months_needed(pred: Any, out: dict[str, float]) -> None:
    kind = next(iter(type(pred).model_fields))
    args = getattr(pred, "not_" if kind == "not_" else kind)
    if kind in ("all", "any"):
        for sub in args:
            _months_needed(sub, out)
    elif kind == "not_":
        _months_needed(args, out)
    elif kind in ("deal", "holds", "accepts"):
        out[args.table] = max(out.get(args.table, 0.0), float(args.by_month))


def evaluate_questions(scenario: Scenario, draws: Draws, forecasts: dict[str, Any],
                       tables: dict[str, Any], timelines_out: dict[str, Any] | None = None
                       ) -> tuple[QuestionResult, ...]:
    """Evaluate every question of the scenario on the draws (see the module docstring).

    The month-by-month table timelines the questions needed are added to ``timelines_out``.
    """
    if not scenario.questions:
        return ()
    from .timeline import table_timeline

    horizon: dict[str, float] = {}
    for q in scenario.questions:
        _months_needed(q.when, horizon)
    timelines = {tid: table_timeline(scenario, draws, tid, int(math.ceil(m)),
                                     known=tables.get(tid))
                 for tid, m in horizon.items()}
    if timelines_out is not None:
        timelines_out.update(timelines)
    cache: dict[str, Any] = {}

    def equilibria(concept: str) -> set[str]:
        if "stability" not in cache:
            from .scenario.conflict import to_engine
            from .stability import stability_solve

            cache["stability"] = stability_solve(to_engine(scenario.conflict, scenario.id))
            cache["options"] = list(scenario.conflict.option_ids())
        return set(cache["stability"].equilibria(concept))

    def ev(pred: Any) -> np.ndarray:
        kind = next(iter(type(pred).model_fields))
        if kind == "all":
            return np.logical_and.reduce([ev(p) for p in pred.all])
        if kind == "any":
            return np.logical_or.reduce([ev(p) for p in pred.any])
        if kind == "not_":
            return ~ev(pred.not_)
        args = getattr(pred, kind)
        if kind in ("deal", "holds", "accepts"):
            tl = timelines[args.table]
            within = tl.months <= args.by_month + 1e-9
            if kind == "deal":
                m = tl.zone
            elif kind == "holds":
                m = tl.holds
            else:
                m = tl.accepts[args.actor]
            return (m & within[None, :]).any(axis=1)
        if kind == "outcome":
            j = draws.issues.index(args.issue)
            if args.source in forecasts:
                vals = draws.to_user(forecasts[args.source].outcome)[:, j]
            else:
                vals = draws.to_user(tables[args.source].deal.x)[:, j]
            ok = np.isfinite(vals)
            if args.at_least is not None:
                ok &= np.nan_to_num(vals, nan=-np.inf) >= args.at_least
            if args.at_most is not None:
                ok &= np.nan_to_num(vals, nan=np.inf) <= args.at_most
            return ok
        if kind == "equilibrium":
            state = args.state
            if isinstance(state, dict):
                opts = list(scenario.conflict.option_ids())
                state = "".join("Y" if state[o] else "N" for o in opts)
            return np.full(draws.n, state in equilibria(args.concept))
        raise ValueError(f"unknown condition {kind!r}")  # pragma: no cover - schema prevents

    out = []
    for q in scenario.questions:
        truth = np.asarray(ev(q.when), dtype=bool)
        k = int(truth.sum())
        out.append(QuestionResult(
            id=q.id, text=q.text, probability=k / truth.size,
            interval=wilson_interval(k, truth.size), draws=int(truth.size),
            resolution=None if q.resolution is None else q.resolution.outcome, truth=truth))
    return tuple(out)
