"""``analyze()`` — the one pipeline — and the frozen :class:`Analysis` record.

The CLI, the web app and notebooks all call :func:`analyze`; none of them
computes anything itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import __version__
from .bargain import TableResult, bargain_tables
from .bargain.summary import stat, table_to_dict
from .forecast import registry
from .forecast.registry import ForecastResult
from .labels import describe
from .montecarlo import Progress, merge, plan_chunks, run_chunks
from .questions import evaluate_questions, wilson_interval
from .random import SeedLike, as_seed_sequence
from .scenario.draws import BLOCK, Draws, point_draws, sample
from .scenario.schema import Scenario
from .utility import no_deal_values, utility, utility_weights

__all__ = ["Analysis", "analyze", "fingerprint"]


def fingerprint(scenario: Scenario) -> str:
    """sha256 of the validated scenario's canonical JSON (formatting and comments do not count)."""
    canon = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything one run produced, and how: inputs' fingerprint, seed, draws, version."""

    scenario: Scenario = field(repr=False)
    fingerprint: str
    seed: int | None
    draws: int
    version: str
    models: tuple[str, ...]
    forecasts: dict[str, ForecastResult] = field(repr=False)
    status_quo_utility: np.ndarray = field(repr=False)
    no_deal: np.ndarray = field(repr=False)
    inputs: Draws = field(repr=False)
    tables: dict[str, TableResult] = field(default_factory=dict, repr=False)
    questions: tuple[Any, ...] = field(default=(), repr=False)
    sensitivity: Any = field(default=None, repr=False)
    timelines: dict[str, Any] = field(default_factory=dict, repr=False)
    seconds: float = field(default=0.0, compare=False)

    def forecast_user(self, model: str) -> np.ndarray:
        """A model's outcome (N, I) on the issues' own scales."""
        return self.inputs.to_user(self.forecasts[model].outcome)

    def ensemble_user(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The ensemble forecast (N, I): the mean of the models' outcomes, and the spread
        between models (max − min) per draw; None with fewer than two models."""
        if len(self.models) < 2:
            return None
        stack = np.stack([self.forecast_user(m) for m in self.models])
        with np.errstate(invalid="ignore"):
            return np.nanmean(stack, axis=0), np.nanmax(stack, axis=0) - np.nanmin(stack, axis=0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: every number in the issues' own units, with its meaning."""
        s = self.scenario
        d = self.inputs
        out: dict[str, Any] = {
            "detente_version": self.version,
            "scenario": {"id": s.id, "title": s.title, "as_of": s.as_of.isoformat()},
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "draws": self.draws,
            "models": list(self.models),
        }
        out["actors"] = [
            {
                "id": a.id,
                "name": a.name,
                "capability": a.capability,
                "capability_share": float(np.mean(
                    d.capability[:, k] / d.capability.sum(axis=1))),
                "status_quo_utility": stat(self.status_quo_utility[:, k]),
                "no_deal_value": stat(self.no_deal[:, k]),
                "sources": list(a.sources),
            }
            for k, a in enumerate(s.actors)
        ]
        issues = []
        ens = self.ensemble_user()
        user = {m: self.forecast_user(m) for m in self.models}
        paths = {m: (None if self.forecasts[m].path is None else d.to_user(self.forecasts[m].path))
                 for m in self.models}
        for j, iss in enumerate(s.issues):
            fc = {}
            for m in self.models:
                vals = user[m][:, j]
                st = stat(vals)
                st["meaning"] = describe(iss, st["mean"]) if st["mean"] is not None else None
                if paths[m] is not None:
                    pu = paths[m][:, :, j]  # (N, R)
                    st["path_median"] = [float(v) for v in np.nanmedian(pu, axis=0)]
                fc[m] = st
            if ens is not None:
                st = stat(ens[0][:, j])
                st["meaning"] = describe(iss, st["mean"]) if st["mean"] is not None else None
                st["spread_between_models"] = stat(ens[1][:, j])
                fc["ensemble"] = st
            issues.append({
                "id": iss.id,
                "name": iss.name,
                "scale": list(iss.scale),
                "unit": iss.unit,
                "status_quo": iss.status_quo,
                "status_quo_meaning": describe(iss, iss.status_quo),
                "positions": {
                    a: {"position": st.position, "salience": st.salience}
                    for a, by_issue in s.stances.items()
                    for i2, st in by_issue.items() if i2 == iss.id
                },
                "forecast": fc,
            })
        out["issues"] = issues
        out["trails"] = {m: list(self.forecasts[m].trail) for m in self.models
                         if self.forecasts[m].trail}
        out["tables"] = {tid: table_to_dict(s, d, r) for tid, r in self.tables.items()}
        out["questions"] = [q.to_dict() for q in self.questions]
        out["sensitivity"] = None if self.sensitivity is None else self.sensitivity.to_dict()
        out["timelines"] = {
            tid: {"months": [float(m) for m in tl.months],
                  "zone_share": [float(v) for v in tl.zone.mean(axis=0)],
                  "holds_share": [float(v) for v in tl.holds.mean(axis=0)],
                  "first_zone_month": stat(tl.first_zone),
                  "first_hold_month": stat(tl.first_hold)}
            for tid, tl in self.timelines.items()}
        return out


@dataclass(frozen=True, eq=False)
class _Part:
    """One chunk's per-draw results (merged across chunks by :func:`montecarlo.merge`)."""

    inputs: Draws
    forecasts: dict[str, ForecastResult]
    status_quo_utility: np.ndarray
    no_deal: np.ndarray
    tables: dict[str, Any]
    timelines: dict[str, Any]
    questions: tuple[Any, ...]


def _chunk(scenario: Scenario, ss: np.random.SeedSequence | None, start: int, n: int,
           models: tuple[str, ...], bargain: bool) -> _Part:
    """Draws start … start + n − 1 of a run (the point estimate when ``ss`` is None)."""
    d = point_draws(scenario) if ss is None else sample(scenario, n, ss, start=start)
    forecasts = {}
    for name in models:
        forecasts[name] = registry.get(name).fn(d.capability, d.position, d.salience)
    uq = utility(d.status_quo, d.position, utility_weights(d.salience))
    nd = no_deal_values(d, 0.0)
    tables = bargain_tables(scenario, d) if bargain else {}
    timelines: dict[str, Any] = {}
    qs = evaluate_questions(scenario, d, forecasts, tables, timelines) if bargain else ()
    return _Part(d, forecasts, uq, nd, tables, timelines, tuple(qs))


def _requestion(q: Any) -> Any:
    """A question's probability and interval recomputed from its merged per-draw truth."""
    k, n = int(q.truth.sum()), int(q.truth.size)
    return dataclasses.replace(q, probability=k / n, interval=wilson_interval(k, n), draws=n)


def analyze(
    scenario: Scenario,
    *,
    draws: int = 1,
    seed: SeedLike = None,
    models: tuple[str, ...] | None = None,
    bargain: bool = True,
    sensitivity: bool = True,
    backend: str = "serial",
    workers: int | None = None,
    chunk_size: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Run every analysis on a scenario.

    ``draws=1`` (default) analyses the point estimate; ``draws > 1`` samples
    that many variants from the scenario's ``uncertainty`` section. The seed is
    recorded (fresh OS entropy when ``seed`` is None and draws > 1).
    ``bargain=False`` skips the per-table bargaining analysis and the questions (which need
    it). Questions are answered as probabilities over the draws (:mod:`detente.questions`).
    With at least 200 draws, ``sensitivity=True`` (default) ranks the uncertain inputs that
    drive each question and each issue's ensemble forecast (PAWN, :mod:`detente.sensitivity`).

    ``backend`` (``serial``, ``processes``, ``dask``), ``workers``, ``chunk_size`` and
    ``scheduler`` choose where the draws are computed (:mod:`detente.montecarlo`); the
    numbers are identical whatever they are. ``progress(done, total)`` is called as chunks
    of draws finish.
    """
    t0 = time.perf_counter()
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be a whole number ≥ 1; got {draws!r}")
    draws = int(draws)
    chosen = tuple(models) if models is not None else registry.names()
    if draws == 1 and seed is None:
        ss, seed_rec = None, None
    else:
        ss = as_seed_sequence(seed)
        seed_rec = int(ss.entropy) if isinstance(ss.entropy, int) else None
        if draws == 1:
            ss = None  # one draw is the point estimate
    if backend == "serial" and chunk_size is None and (progress is None or draws <= 2 * BLOCK):
        chunks = [(0, draws)]  # one vectorised pass: the fastest in one process
    else:
        chunks = plan_chunks(draws, chunk_size, workers=workers or os.cpu_count() or 1)
    results: list[Any] = [None] * len(chunks)

    def keep(i: int, part: _Part) -> None:
        results[i] = part

    run_chunks(_chunk, chunks, lambda s0, n: (scenario, ss, s0, n, chosen, bargain),
               backend=backend, workers=workers, scheduler=scheduler, progress=progress,
               fold=keep)
    part: _Part = merge(results)
    d, forecasts, tables = part.inputs, part.forecasts, part.tables
    qs = tuple(_requestion(q) for q in part.questions) if len(chunks) > 1 else part.questions
    sens = None
    if sensitivity and d.n > 1 and d.uncertain_paths and (qs or forecasts):
        from .sensitivity import MIN_DRAWS, pawn_solve

        if d.n >= MIN_DRAWS:
            outs = {f"question:{q.id}": q.truth.astype(float) for q in qs}
            if len(chosen) > 1:
                ens = np.nanmean(np.stack([forecasts[m].outcome for m in chosen]), axis=0)
                for j, iss in enumerate(scenario.issues):
                    outs[f"ensemble:{iss.id}"] = ens[:, j]
            sens = pawn_solve(d.uncertain_values, d.uncertain_paths, outs)
    return Analysis(
        scenario=scenario, fingerprint=fingerprint(scenario), seed=seed_rec, draws=d.n,
        version=__version__, models=chosen, forecasts=forecasts,
        status_quo_utility=part.status_quo_utility, no_deal=part.no_deal, inputs=d,
        tables=tables, questions=qs, sensitivity=sens, timelines=part.timelines,
        seconds=time.perf_counter() - t0,
    )
