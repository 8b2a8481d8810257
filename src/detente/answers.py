"""Answers to the forecast questions: the scenario's declarative conditions evaluated per draw.

Each question's condition is evaluated for every Monte Carlo draw; its probability is the
share of draws where it is true, with a 95% Wilson score interval for the Monte Carlo error
(Wilson 1927; Brown, Cai & DasGupta 2001). A draw is one variant of the inputs *and* one
simulated course of the talks (:mod:`detente.process`). Meanings:

* ``zone: {table, by_month}`` — a zone of agreement exists at the table in some
  month t ≤ by_month (integer months from ``as_of``), every member judging its no-deal
  value by its own (converging) belief; the static answer: a deal *could* exist;
* ``concluded: {table, by_month, partial?, terms?}`` — the process concluded the table's
  comprehensive deal (or the named partial agreement) in some month t ≤ by_month, and the
  first package concluded meets ``terms`` ({issue: {at_least, at_most}});
* ``in_force: {table, at_month, partial?}`` — at that month a concluded deal has not lapsed
  and every veto player whose issues it moves accepts it;
* ``lapsed: {table, by_month, partial?}`` — a concluded deal lapsed by the month;
* ``talks: {table, by_month}`` — the talks met by the month;
* ``credible: {table, by_month}`` — by the month the table's deal exists and no member
  would gain by reneging on it within the commitment window;
* ``unilateral: {actor, issue, at_least, at_most, by_month}`` — by the month the actor's
  unilateral move has taken the issue's no-deal value within the bounds;
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
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DetenteError
from .scenario.draws import Draws
from .scenario.questions import ENSEMBLE
from .scenario.schema import Scenario

if TYPE_CHECKING:
    from .bargain.tables import TableResult
    from .forecast.registry import ForecastResult
    from .process import ProcessResult
    from .stability import StabilityResult

__all__ = ["READINGS", "QuestionResult", "evaluate_condition", "evaluate_questions",
           "months_asked", "wilson_interval"]

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
    """A question's probability over draws, its 95% Wilson interval, and how it resolved (if
    known). ``truth``: (N,) bool, the answer in each draw; None in a streamed run, which keeps
    the count of draws where it is true, not the draws."""

    id: str
    text: str
    probability: float
    interval: tuple[float, float]
    draws: int
    resolution: bool | None
    truth: np.ndarray | None = field(default=None, repr=False)
    calibrated: tuple[float, float, float] | None = None
    """The answer through the run's calibration (:mod:`detente.calibration`): (probability,
    95% interval's lower and upper ends); None without one."""

    def to_dict(self) -> dict[str, Any]:
        cal = self.calibrated
        return {"id": self.id, "text": self.text, "probability": self.probability,
                "interval_95": list(self.interval), "draws": self.draws,
                "calibrated": None if cal is None else {"probability": cal[0],
                                                        "interval_95": [cal[1], cal[2]]},
                "resolution": self.resolution}


def _months_needed(pred: Any, out: dict[str, float]) -> None:
    kind = next(iter(type(pred).model_fields))
    args = getattr(pred, "not_" if kind == "not_" else kind)
    if kind in ("all", "any"):
        for sub in args:
            _months_needed(sub, out)
    elif kind == "not_":
        _months_needed(args, out)
    elif hasattr(args, "by_month") or hasattr(args, "at_month"):
        key = getattr(args, "table", None) or "*"
        month = float(getattr(args, "by_month", None) or getattr(args, "at_month", 0.0) or 0.0)
        out[key] = max(out.get(key, 0.0), month)


def months_asked(scenario: Scenario) -> float:
    """The latest month any question asks about (0 without questions)."""
    need: dict[str, float] = {}
    for q in scenario.questions:
        _months_needed(q.when, need)
    return max(need.values(), default=0.0)


READINGS = ("process", "zone", "frozen")
"""How a condition is read. ``process``: as documented above. ``zone``: detente 0.1's reading,
a zone of agreement taken for a deal (``concluded`` is ``zone`` plus the terms on the table's
deal now; ``in_force`` is ``holds``; ``talks`` and ``credible`` are ``zone``; nothing lapses;
no unilateral move). ``frozen``: nothing changes from ``as_of`` (no talks, no deal, no move;
``zone``, ``holds``, ``accepts`` and ``credible`` keep their month-0 answers; an ``outcome`` is
the issue's status quo). The last two are the backtest's comparisons (:mod:`detente.backtest`).
"""


def evaluate_condition(pred: Any, scenario: Scenario, draws: Draws,
                       forecasts: dict[str, ForecastResult], tables: dict[str, TableResult],
                       process: ProcessResult | None, *, reading: str = "process",
                       model: str | None = None, cache: dict[str, Any] | None = None
                       ) -> np.ndarray:
    """One condition's truth per draw (N,) under a ``reading`` (:data:`READINGS`).

    ``model``: read every ``outcome`` condition that names a forecast model with this model
    instead. ``cache``: shared between calls on the same scenario (the stability analysis).
    """
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {READINGS}; got {reading!r}")
    cache = {} if cache is None else cache
    timelines = process.timelines if process is not None else {}
    months = process.months if process is not None else np.zeros(1)
    zone_now = reading == "frozen"

    def proc() -> ProcessResult:
        if process is None:
            raise DetenteError("this condition reads the negotiation process (talks, deals, "
                               "moves), which was not simulated: analyse with bargain=True")
        return process

    def equilibria(concept: str) -> set[str]:
        if "stability" not in cache:
            from .stability import stability_solve
            from .stability.scenario import to_engine

            if scenario.conflict is None:
                raise DetenteError("an `equilibrium` condition needs a `conflict` section")
            cache["stability"] = stability_solve(to_engine(scenario.conflict, scenario.id))
        return set(cache["stability"].equilibria(concept))

    def upto(m: np.ndarray, month: float) -> np.ndarray:
        within = months <= (0.0 if zone_now else month) + 1e-9
        return np.asarray((m & within[None, :]).any(axis=1), dtype=bool)

    def at(m: np.ndarray, month: float) -> np.ndarray:
        k = int(np.searchsorted(months, month + 1e-9, side="right")) - 1
        return m[:, max(k, 0)]

    def path(args: Any) -> Any:
        tp = proc().tables[args.table]
        return tp if getattr(args, "partial", None) is None else tp.partials[args.partial]

    def within(vals: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        ok = np.isfinite(vals)
        if lo is not None:
            ok &= np.nan_to_num(vals, nan=-np.inf) >= lo - 1e-9
        if hi is not None:
            ok &= np.nan_to_num(vals, nan=np.inf) <= hi + 1e-9
        return np.asarray(ok, dtype=bool)

    none = np.zeros(draws.n, bool)

    def with_error(x: np.ndarray, key: str, j: int) -> np.ndarray:
        """Issue j of packages x (N, I) in the issue's units, read with the model error of
        terms (:mod:`detente.process.terms`); NaN where there is no package."""
        from .process.terms import read_term

        if process is None or process.point:  # the point estimate: the error's centre, 0
            return read_term(scenario, draws, None, 0, key, x, j)
        return read_term(scenario, draws, process.seed, process.start, key, x, j)

    def packages(src: str) -> np.ndarray:
        """The packages (N, I) an outcome's source names: a model's forecast, the ensemble
        (the models' mean, as in the summary) or a table's deal."""
        if src in forecasts:
            return forecasts[src].outcome
        if src == ENSEMBLE:
            with warnings.catch_warnings():  # an issue no model forecasts stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                stacked = np.stack([f.outcome for f in forecasts.values()])
                return np.asarray(np.nanmean(stacked, axis=0))
        return tables[src].deal.x

    def ev(pred: Any) -> np.ndarray:
        kind = next(iter(type(pred).model_fields))
        if kind == "all":
            return np.asarray(np.logical_and.reduce([ev(p) for p in pred.all]), dtype=bool)
        if kind == "any":
            return np.asarray(np.logical_or.reduce([ev(p) for p in pred.any]), dtype=bool)
        if kind == "not_":
            return ~ev(pred.not_)
        args = getattr(pred, kind)
        if reading != "process" and kind in ("concluded", "in_force", "lapsed", "talks",
                                             "credible"):
            if reading == "frozen":
                return none if kind != "credible" else upto(
                    proc().tables[args.table].credible, 0.0)
            tl = timelines[args.table]
            if kind == "lapsed":
                return none
            if kind == "in_force":
                return upto(tl.holds, args.at_month)
            ok = upto(tl.zone, args.by_month)
            if kind == "concluded":
                if args.partial is not None:
                    return none  # 0.1 knew no partial agreements
                vals = draws.to_user(tables[args.table].deal.x)
                for iid, term in args.terms.items():
                    ok &= within(vals[:, draws.issues.index(iid)], term.at_least, term.at_most)
            return ok
        if kind in ("zone", "holds", "accepts"):
            tl = timelines[args.table]
            m = {"zone": tl.zone, "holds": tl.holds}.get(kind)
            return upto(tl.accepts[args.actor] if m is None else m, args.by_month)
        if kind == "talks":
            return upto(proc().tables[args.table].talks, args.by_month)
        if kind == "credible":
            return upto(proc().tables[args.table].credible, args.by_month)
        if kind == "concluded":
            pth = path(args)
            ok = upto(pth.concluded, args.by_month)
            if args.terms:
                from .process.terms import terms_point

                key = args.table if args.partial is None else f"{args.table}:{args.partial}"
                settles = None if args.partial is None else next(
                    pa.issues for pa in scenario.process.partials
                    if pa.table == args.table and pa.id == args.partial)
                point = terms_point(scenario, draws, args.table, pth.package, settles)
                for iid, term in args.terms.items():
                    vals = with_error(point, key, draws.issues.index(iid))
                    ok &= within(vals, term.at_least, term.at_most)
            return ok
        if kind == "in_force":
            return at(path(args).in_force, args.at_month)
        if kind == "lapsed":
            return upto(path(args).lapsed, args.by_month)
        if kind == "unilateral":
            j = draws.issues.index(args.issue)
            span = draws.scale_hi[j] - draws.scale_lo[j]
            if reading != "process":  # no move: the status quo stays
                vals = (draws.scale_lo[j] + draws.status_quo[:, j] * span)[:, None]
                return within(vals, args.at_least, args.at_most)[:, 0]
            mv = next(u for u in proc().unilateral
                      if u.actor == args.actor and u.issue == args.issue)
            # (N, T) the issue's no-deal value by month
            vals = draws.scale_lo[j] + (draws.status_quo[:, j, None] + mv.shift) * span
            return upto(within(vals, args.at_least, args.at_most), args.by_month)
        if kind == "outcome":
            j = draws.issues.index(args.issue)
            src = args.source
            if model is not None and (src in forecasts or src == ENSEMBLE):
                src = model
            if reading == "frozen":
                vals = draws.to_user(draws.status_quo)[:, j]
            elif reading == "zone":  # 0.1's reading: the model's point
                x = packages(src)
                vals = draws.to_user(x)[:, j]
            else:
                x = packages(src)
                vals = with_error(x, src, j)
            ok = np.isfinite(vals)
            if args.at_least is not None:
                ok &= np.nan_to_num(vals, nan=-np.inf) >= args.at_least
            if args.at_most is not None:
                ok &= np.nan_to_num(vals, nan=np.inf) <= args.at_most
            return np.asarray(ok, dtype=bool)
        if kind == "equilibrium":
            state = args.state
            if isinstance(state, dict):
                opts = list(scenario.conflict.option_ids()) if scenario.conflict else []
                state = "".join("Y" if state[o] else "N" for o in opts)
            return np.full(draws.n, state in equilibria(args.concept))
        raise ValueError(f"unknown condition {kind!r}")  # pragma: no cover - schema prevents

    return np.asarray(ev(pred), dtype=bool)


def evaluate_questions(scenario: Scenario, draws: Draws,
                       forecasts: dict[str, ForecastResult], tables: dict[str, TableResult],
                       process: ProcessResult | None, *,
                       stability: StabilityResult | None = None) -> tuple[QuestionResult, ...]:
    """Evaluate every question of the scenario on the draws (see the module docstring).

    ``process``: the :class:`~detente.process.ProcessResult` of the same draws; its months
    cover every month the questions ask about, and its table timelines answer ``zone``,
    ``holds`` and ``accepts``. ``stability``: the conflict's solved
    :class:`~detente.stability.StabilityResult`, if already at hand (else solved here).
    """
    if not scenario.questions:
        return ()
    cache: dict[str, Any] = {} if stability is None else {"stability": stability}

    def ev(pred: Any) -> np.ndarray:
        return evaluate_condition(pred, scenario, draws, forecasts, tables, process,
                                  cache=cache)

    out = []
    for q in scenario.questions:
        truth = np.asarray(ev(q.when), dtype=bool)
        k = int(truth.sum())
        out.append(QuestionResult(
            id=q.id, text=q.text, probability=k / truth.size,
            interval=wilson_interval(k, truth.size), draws=int(truth.size),
            resolution=None if q.resolution is None else q.resolution.outcome, truth=truth))
    return tuple(out)
