"""The one summary code path: an :class:`~detente.analysis.Analysis` as JSON-ready data.

Every reduction over draws goes through a provider ``S`` by key
(:mod:`detente.montecarlo.providers`), and what is reported depends only on S's answers: the
same code summarises a run in memory (``Exact``), records a streamed chunk's digests
(``Collect``) and answers from the merged digests (``Digests``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..bargain.summary import table_to_dict
from ..labels import describe
from ..montecarlo.providers import Provider, column
from ..montecarlo.sketch import ALPHA
from ..process.explain import process_to_dict
from ..scenario.draws import Draws
from ..scenario.schema import Actor, Scenario
from ..timeline import TableTimeline

if TYPE_CHECKING:  # pragma: no cover
    from .result import Analysis, DrawResults

__all__ = ["DrawSummary", "draw_summary", "ensemble", "summarise"]


def ensemble(outcomes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The models' outcomes (each (N, I)) → their mean and their spread (max − min) per draw."""
    stack = np.stack(outcomes)
    with np.errstate(invalid="ignore"):
        return np.nanmean(stack, axis=0), np.nanmax(stack, axis=0) - np.nanmin(stack, axis=0)


@dataclass(frozen=True, eq=False)
class DrawSummary:
    """The parts of the summary that reduce per-draw results (each as in the JSON)."""

    actors: list[dict[str, Any]]
    issues: list[dict[str, Any]]
    trails: dict[str, list[Any]]
    tables: dict[str, dict[str, Any]]
    timelines: dict[str, dict[str, Any]]
    process: dict[str, Any] | None


def summarise(a: Analysis, S: Provider) -> dict[str, Any]:
    """``a.to_dict()`` with the reductions answered by ``S``: every draw's results reduced at
    once, or (a streamed run) the digests, with draw 0 giving the summary's structure."""
    r = a.first_draw if S.streamed else a.per_draw
    if r is None:
        raise ValueError("a streamed run keeps no per-draw results: summarise it from its "
                         "digests (Analysis.to_dict())")
    s = a.scenario
    body = draw_summary(s, a.models, r, S)
    return {
        "detente_version": a.version,
        "scenario": {"id": s.id, "title": s.title, "as_of": s.as_of.isoformat()},
        "fingerprint": a.fingerprint,
        "seed": a.seed,
        "draws": a.draws,
        "models": list(a.models),
        "aggregation": f"streamed (quantiles ±{ALPHA:.1%})" if S.streamed else "exact",
        "actors": body.actors,
        "issues": body.issues,
        "trails": body.trails,
        "tables": body.tables,
        "questions": [q.to_dict() for q in a.questions],
        "calibration": None if a.calibration is None else a.calibration.describe(),
        "sensitivity": None if a.sensitivity is None else a.sensitivity.to_dict(),
        "timelines": body.timelines,
        "process": body.process,
        # same scenario and seed, same JSON: no timings in it
        "stability": None if a.stability is None else a.stability.to_dict(),
    }


def draw_summary(s: Scenario, models: tuple[str, ...], r: DrawResults,
                 S: Provider) -> DrawSummary:
    """Every reduction of the per-draw results ``r`` (the run's draws, or a chunk's), by key."""
    d = r.inputs
    actors = [_actor(k, ac, r, S) for k, ac in enumerate(s.actors)]
    issues = _issues(s, models, r, S)
    fc = r.forecasts
    trails = {m: list(fc[m].trail) for m in models if fc[m].trail}
    tables = {tid: table_to_dict(s, d, t, S) for tid, t in r.tables.items()}
    timelines = {tid: _timeline(tid, tl, S) for tid, tl in r.timelines.items()}
    return DrawSummary(
        actors=actors, issues=issues, trails=trails, tables=tables, timelines=timelines,
        process=None if r.process is None else process_to_dict(s, d, r.process, S),
    )


def _actor(k: int, ac: Actor, r: DrawResults, S: Provider) -> dict[str, Any]:
    d = r.inputs
    key = f"actors.{ac.id}"
    return {
        "id": ac.id,
        "name": ac.name,
        "capability": ac.capability,
        "capability_share": S.mean(f"{key}.capability_share",
                                   lambda: d.capability[:, k] / d.capability.sum(axis=1)),
        "status_quo_utility": S.stat(f"{key}.status_quo_utility",
                                     column(r.status_quo_utility, k)),
        "no_deal_value": S.stat(f"{key}.no_deal_value", column(r.no_deal, k)),
        "sources": list(ac.sources),
    }


def _timeline(tid: str, tl: TableTimeline, S: Provider) -> dict[str, Any]:
    key = f"timelines.{tid}"
    return {"months": [float(m) for m in tl.months],
            "zone_share": S.shares(f"{key}.zone_share", lambda: tl.zone),
            "holds_share": S.shares(f"{key}.holds_share", lambda: tl.holds),
            "first_zone_month": S.stat(f"{key}.first_zone_month", lambda: tl.first_zone),
            "first_hold_month": S.stat(f"{key}.first_hold_month", lambda: tl.first_hold)}


def _user(d: Draws, x: np.ndarray) -> Callable[[], np.ndarray]:
    """``x`` in the issues' own units, computed on first use only (a summary asks many times)."""
    return functools.cache(lambda: d.to_user(x))


def _issues(s: Scenario, models: tuple[str, ...], r: DrawResults,
            S: Provider) -> list[dict[str, Any]]:
    d = r.inputs
    user = {m: _user(d, r.forecasts[m].outcome) for m in models}
    ens: tuple[Callable[[], np.ndarray], Callable[[], np.ndarray]] | None = None
    if len(models) > 1:  # the mean and the spread between models (N, I), computed once
        both = functools.cache(lambda: ensemble([user[m]() for m in models]))
        ens = (lambda: both()[0]), (lambda: both()[1])
    paths = {m: None if (p := r.forecasts[m].path) is None else _user(d, p) for m in models}
    issues = []
    for j, iss in enumerate(s.issues):
        fc: dict[str, dict[str, Any]] = {}
        key = f"issues.{iss.id}.forecast"
        for m in models:
            st: dict[str, Any] = dict(S.stat(f"{key}.{m}", column(user[m], j)))
            st["meaning"] = describe(iss, st["mean"]) if st["mean"] is not None else None
            path = paths[m]
            if path is not None:
                st["path_median"] = S.medians(f"{key}.{m}.path_median",
                                              column(path, slice(None), j))
            fc[m] = st
        if ens is not None:
            st = dict(S.stat(f"{key}.ensemble", column(ens[0], j)))
            st["meaning"] = describe(iss, st["mean"]) if st["mean"] is not None else None
            st["spread_between_models"] = S.stat(f"{key}.ensemble.spread_between_models",
                                                 column(ens[1], j))
            fc["ensemble"] = st
        issues.append({
            "id": iss.id,
            "name": iss.name,
            "scale": list(iss.scale),
            "unit": iss.unit,
            "status_quo": iss.status_quo,
            "status_quo_meaning": describe(iss, iss.status_quo),
            "positions": {
                ac: {"position": st_.position, "salience": st_.salience}
                for ac, by_issue in s.stances.items()
                for i2, st_ in by_issue.items() if i2 == iss.id
            },
            "forecast": fc,
        })
    return issues
