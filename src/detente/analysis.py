"""``analyze()`` — the one pipeline — and the frozen :class:`Analysis` record.

The CLI, the web app and notebooks all call :func:`analyze`; none of them
computes anything itself.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import __version__
from .bargain import TableResult, bargain_tables
from .bargain.summary import table_to_dict
from .montecarlo.digest import ALPHA, Collect, Digests, Exact, Merger
from .forecast import registry
from .forecast.registry import ForecastResult
from .labels import describe
from .montecarlo import Progress, first_draws, merge, plan_chunks, run_chunks
from .process import horizon, process_solve
from .process.explain import process_to_dict
from .answers import evaluate_questions, months_asked, wilson_interval
from .random import SeedLike, as_seed_sequence
from .scenario.draws import BLOCK, Draws, point_draws, sample
from .scenario.schema import Scenario
from .stability.scenario import analyse_scenario, stability_to_dict
from .utility import no_deal_values, utility, utility_weights

__all__ = ["SENSITIVITY_SAMPLE", "STREAM_ABOVE", "Analysis", "analyze", "fingerprint"]

STREAM_ABOVE = 200_000
"""``analyze(stream=None)`` streams runs of more draws than this."""
STREAM_CHUNK_BLOCKS = 4
"""A streamed run's default chunks: at most 4 blocks (4,096 draws; the flagship needs about
0.6 GB per worker for them, against 2 GB for 16 blocks)."""
POSITIONS_KEPT = 1_024
"""The dynamic models' positions round by round (every actor, every round: large) are kept for
the run's first this-many draws only; the report plots their medians. Outcomes and their paths
are kept for every draw."""
SENSITIVITY_SAMPLE = 20_000
"""A streamed run ranks the drivers (sensitivity) on its first this-many draws."""


def fingerprint(scenario: Scenario) -> str:
    """sha256 of the validated scenario's canonical JSON (formatting and comments do not count)."""
    canon = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything one run produced, and how: inputs' fingerprint, seed, draws, version.

    In a streamed run (``analyze(stream=True)``) only digests of the draws are kept
    (``digests``): the per-draw arrays (``inputs``, ``forecasts``, ``tables``, ``timelines``,
    ``status_quo_utility``, ``no_deal``) then hold draw 0 only, questions carry their counts
    but no per-draw ``truth``, and :meth:`to_dict` answers from the digests.
    """

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
    process: Any = field(default=None, repr=False)
    stability: dict[str, Any] | None = field(default=None, repr=False)
    """The conflict section's stability analysis (:func:`detente.stability.scenario.
    analyse_scenario`: every concept, the status quo, coalitions), once per run; None without
    a ``conflict`` section."""
    seconds: float = field(default=0.0, compare=False)
    digests: dict[str, Any] | None = field(default=None, repr=False)

    def forecast_user(self, model: str) -> np.ndarray:
        """A model's outcome (N, I) on the issues' own scales."""
        return self.inputs.to_user(self.forecasts[model].outcome)

    def ensemble_user(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The ensemble forecast (N, I): the mean of the models' outcomes, and the spread
        between models (max − min) per draw; None with fewer than two models."""
        if len(self.models) < 2:
            return None
        return _ensemble([self.forecast_user(m) for m in self.models])

    @property
    def streamed(self) -> bool:
        """True when the draws were summarised chunk by chunk (``analyze(stream=True)``)."""
        return self.digests is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: every number in the issues' own units, with its meaning."""
        return _summarise(self, Exact() if self.digests is None else Digests(self.digests))

    def to_frame(self, what: str = "forecasts") -> Any:
        """A tidy pandas DataFrame (:func:`detente.frames.to_frame`: ``forecasts``, ``paths``,
        ``inputs``, ``deals``, ``process``, ``questions``); needs ``detente[frames]``."""
        from .frames import to_frame

        return to_frame(self, what)

    def to_xarray(self) -> Any:
        """The run as an ``xarray.Dataset`` with named dimensions (:func:`detente.frames.
        to_xarray`); needs ``detente[frames]``."""
        from .frames import to_xarray

        return to_xarray(self)


def _ensemble(outcomes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The models' outcomes (each (N, I)) → their mean and their spread (max − min) per draw."""
    stack = np.stack(outcomes)
    with np.errstate(invalid="ignore"):
        return np.nanmean(stack, axis=0), np.nanmax(stack, axis=0) - np.nanmin(stack, axis=0)


def _summarise(a: Analysis, S: Any) -> dict[str, Any]:
    """The one summary code path: every reduction over draws goes through ``S`` by key
    (:mod:`detente.montecarlo.digest`), and what is reported depends only on S's answers."""
    s = a.scenario
    d = a.inputs
    out: dict[str, Any] = {
        "detente_version": a.version,
        "scenario": {"id": s.id, "title": s.title, "as_of": s.as_of.isoformat()},
        "fingerprint": a.fingerprint,
        "seed": a.seed,
        "draws": a.draws,
        "models": list(a.models),
        "aggregation": f"streamed (quantiles ±{ALPHA:.1%})" if S.streamed else "exact",
    }
    out["actors"] = [
        {
            "id": ac.id,
            "name": ac.name,
            "capability": ac.capability,
            "capability_share": S.mean(f"actors.{ac.id}.capability_share", lambda k=k: (
                d.capability[:, k] / d.capability.sum(axis=1))),
            "status_quo_utility": S.stat(f"actors.{ac.id}.status_quo_utility",
                                         lambda k=k: a.status_quo_utility[:, k]),
            "no_deal_value": S.stat(f"actors.{ac.id}.no_deal_value", lambda k=k: a.no_deal[:, k]),
            "sources": list(ac.sources),
        }
        for k, ac in enumerate(s.actors)
    ]
    issues = []
    # each array is computed on its first use only (a summary asks for it many times)
    user = {m: functools.cache(lambda m=m: a.forecast_user(m)) for m in a.models}
    ens = (functools.cache(lambda: _ensemble([user[m]() for m in a.models]))
           if len(a.models) > 1 else None)
    paths = {m: (None if a.forecasts[m].path is None else
                 functools.cache(lambda m=m: d.to_user(a.forecasts[m].path)))
             for m in a.models}
    for j, iss in enumerate(s.issues):
        fc = {}
        key = f"issues.{iss.id}.forecast"
        for m in a.models:
            st = S.stat(f"{key}.{m}", lambda m=m, j=j: user[m]()[:, j])
            st["meaning"] = describe(iss, st["mean"]) if st["mean"] is not None else None
            if paths[m] is not None:
                st["path_median"] = S.medians(f"{key}.{m}.path_median",
                                              lambda m=m, j=j: paths[m]()[:, :, j])
            fc[m] = st
        if ens is not None:
            st = S.stat(f"{key}.ensemble", lambda j=j: ens()[0][:, j])
            st["meaning"] = describe(iss, st["mean"]) if st["mean"] is not None else None
            st["spread_between_models"] = S.stat(f"{key}.ensemble.spread_between_models",
                                                 lambda j=j: ens()[1][:, j])
            fc["ensemble"] = st
        issues.append({
            "id": iss.id,
            "name": iss.name,
            "scale": list(iss.scale),
            "unit": iss.unit,
            "status_quo": iss.status_quo,
            "status_quo_meaning": describe(iss, iss.status_quo),
            "positions": {
                ac: {"position": st.position, "salience": st.salience}
                for ac, by_issue in s.stances.items()
                for i2, st in by_issue.items() if i2 == iss.id
            },
            "forecast": fc,
        })
    out["issues"] = issues
    out["trails"] = {m: list(a.forecasts[m].trail) for m in a.models if a.forecasts[m].trail}
    out["tables"] = {tid: table_to_dict(s, d, r, S) for tid, r in a.tables.items()}
    out["questions"] = [q.to_dict() for q in a.questions]
    out["sensitivity"] = None if a.sensitivity is None else a.sensitivity.to_dict()
    out["timelines"] = {
        tid: {"months": [float(m) for m in tl.months],
              "zone_share": S.shares(f"timelines.{tid}.zone_share", lambda tl=tl: tl.zone),
              "holds_share": S.shares(f"timelines.{tid}.holds_share", lambda tl=tl: tl.holds),
              "first_zone_month": S.stat(f"timelines.{tid}.first_zone_month",
                                         lambda tl=tl: tl.first_zone),
              "first_hold_month": S.stat(f"timelines.{tid}.first_hold_month",
                                         lambda tl=tl: tl.first_hold)}
        for tid, tl in a.timelines.items()}
    out["process"] = (None if a.process is None else
                      process_to_dict(s, d, a.process, S))
    out["stability"] = None if a.stability is None else {
        k: v for k, v in stability_to_dict(a.stability).items()
        if k != "seconds"}  # same scenario and seed, same JSON: no timings in it
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
    process: Any = None


def _chunk(scenario: Scenario, ss: np.random.SeedSequence | None, start: int, n: int,
           models: tuple[str, ...], bargain: bool, stability: Any = None) -> _Part:
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
    return _Part(d, forecasts, uq, nd, tables, timelines, tuple(qs), proc)


@dataclass(frozen=True, eq=False)
class _Digested:
    """One chunk of a streamed run: digests of its arrays and the few things kept whole."""

    start: int
    digests: dict[str, Any]
    counts: tuple[int, ...]  # per question: the draws where it is true
    head: _Part | None = None  # draw 0 (from the chunk that holds it)
    sample: tuple[np.ndarray, dict[str, np.ndarray]] | None = None  # sensitivity sample


def _view(scenario: Scenario, part: _Part, models: tuple[str, ...], n: int) -> Analysis:
    """A chunk's results as an Analysis, to summarise them like a whole run."""
    return Analysis(scenario=scenario, fingerprint="", seed=None, draws=n, version=__version__,
                    models=models, forecasts=part.forecasts,
                    status_quo_utility=part.status_quo_utility, no_deal=part.no_deal,
                    inputs=part.inputs, tables=part.tables, questions=part.questions,
                    timelines=part.timelines, process=part.process)


def _stream_chunk(scenario: Scenario, ss: np.random.SeedSequence | None, start: int, n: int,
                  models: tuple[str, ...], bargain: bool, keep: int,
                  stability: Any = None) -> _Digested:
    """Draws start … start + n − 1, reduced to digests in the worker: only they (and draw 0,
    and the draws before ``keep`` for sensitivity) leave it."""
    part = _chunk(scenario, ss, start, n, models, bargain, stability)
    col = Collect(start)
    _summarise(_view(scenario, part, models, n), col)
    m = min(n, keep - start)
    sample = None
    if m > 0 and part.inputs.uncertain_values is not None:
        outs = _sensitivity_outputs(scenario, part.questions, part.forecasts, models)
        sample = (part.inputs.uncertain_values[:m].copy(),
                  {k: v[:m].copy() for k, v in outs.items()})
    return _Digested(start, col.digests, tuple(int(q.truth.sum()) for q in part.questions),
                     first_draws(part) if start == 0 else None, sample)


def _sensitivity_outputs(scenario: Scenario, qs: tuple[Any, ...],
                         forecasts: dict[str, ForecastResult],
                         models: tuple[str, ...]) -> dict[str, np.ndarray]:
    """What the drivers are ranked for: every question, and each issue's ensemble forecast."""
    outs = {f"question:{q.id}": q.truth.astype(float) for q in qs}
    if len(models) > 1:
        ens = np.nanmean(np.stack([forecasts[m].outcome for m in models]), axis=0)
        for j, iss in enumerate(scenario.issues):
            outs[f"ensemble:{iss.id}"] = ens[:, j]
    return outs


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
    stream: bool | None = None,
) -> Analysis:
    """Run every analysis on a scenario.

    ``draws=1`` (default) analyses the point estimate; ``draws > 1`` samples
    that many variants from the scenario's ``uncertainty`` section. The seed is
    recorded (fresh OS entropy when ``seed`` is None and draws > 1).
    ``bargain=False`` skips the per-table bargaining analysis and the questions (which need
    it). Questions are answered as probabilities over the draws (:mod:`detente.answers`).
    With at least 200 draws, ``sensitivity=True`` (default) ranks the uncertain inputs that
    drive each question and each issue's ensemble forecast (PAWN, :mod:`detente.sensitivity`).

    ``backend`` (``serial``, ``processes``, ``dask``), ``workers``, ``chunk_size`` and
    ``scheduler`` choose where the draws are computed (:mod:`detente.montecarlo`); the
    numbers are identical whatever they are. ``progress(done, total)`` is called as chunks
    of draws finish.

    ``stream=True`` summarises each chunk where it is computed and keeps only mergeable
    digests (:mod:`detente.montecarlo.digest`), so memory does not grow with the number of draws:
    shares, probabilities and intervals are exact, means and sds exact to rounding, quantiles
    within ±0.1% (relative); sensitivity is ranked on the first :data:`SENSITIVITY_SAMPLE`
    draws. ``stream=None`` (default) streams runs of more than :data:`STREAM_ABOVE` draws.
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
    if stream is None:
        stream = draws > STREAM_ABOVE
    if (not stream and backend == "serial" and chunk_size is None
            and (progress is None or draws <= 2 * BLOCK)):
        chunks = [(0, draws)]  # one vectorised pass: the fastest in one process
    else:
        # serial: about four chunks, for the progress bar and a prompt cancel; a pool: the
        # chunks that keep every worker busy to the end
        pool = 1 if backend == "serial" else (workers or os.cpu_count() or 1)
        chunks = plan_chunks(draws, chunk_size, workers=pool,
                             max_blocks=STREAM_CHUNK_BLOCKS if stream else 16)
    run = {"backend": backend, "workers": workers, "scheduler": scheduler, "progress": progress}
    # the conflict section: deterministic, so solved once here, not in every chunk
    stab = analyse_scenario(scenario) if scenario.conflict is not None else None
    if stream:
        return _streamed(scenario, ss, seed_rec, draws, chosen, bargain, sensitivity, chunks,
                         run, t0, stab)
    results: list[Any] = [None] * len(chunks)

    def keep(i: int, part: _Part) -> None:
        results[i] = part

    solved = None if stab is None else stab["result"]
    run_chunks(_chunk, chunks, lambda s0, n: (scenario, ss, s0, n, chosen, bargain, solved),
               **run, fold=keep)
    part: _Part = merge(results)
    d, forecasts, tables = part.inputs, part.forecasts, part.tables
    qs = tuple(_requestion(q) for q in part.questions) if len(chunks) > 1 else part.questions
    sens = None
    if sensitivity and d.n > 1 and d.uncertain_paths and (qs or forecasts):
        sens = _rank_drivers(d.uncertain_values, d.uncertain_paths,
                             lambda: _sensitivity_outputs(scenario, qs, forecasts, chosen), run)
    return Analysis(
        scenario=scenario, fingerprint=fingerprint(scenario), seed=seed_rec, draws=d.n,
        version=__version__, models=chosen, forecasts=forecasts,
        status_quo_utility=part.status_quo_utility, no_deal=part.no_deal, inputs=d,
        tables=tables, questions=qs, sensitivity=sens, timelines=part.timelines,
        process=part.process, stability=stab, seconds=time.perf_counter() - t0,
    )


def _rank_drivers(x: np.ndarray, names: tuple[str, ...],
                  outputs: Callable[[], dict[str, np.ndarray]],
                  run: dict[str, Any] | None = None) -> Any:
    """PAWN indices of every output; on the ``processes`` backend the outputs are ranked in
    parallel (each output's indices are its own, so the result is the same)."""
    from .sensitivity import MIN_DRAWS, pawn_solve

    if x.shape[0] < MIN_DRAWS:
        return None
    outs = outputs()
    w = (run or {}).get("workers") or os.cpu_count() or 1
    if (run or {}).get("backend") != "processes" or w < 2 or len(outs) < 2:
        return pawn_solve(x, names, outs)
    keys = list(outs)
    groups = [keys[g::w] for g in range(min(w, len(keys)))]
    found: dict[int, Any] = {}
    run_chunks(pawn_solve, [(g, 1) for g in range(len(groups))],
               lambda g, _n: (x, names, {k: outs[k] for k in groups[g]}),
               backend="processes", workers=w, fold=found.__setitem__)
    ranked = {k: v for r in found.values() for k, v in r.outputs.items()}
    return dataclasses.replace(found[0], outputs={k: ranked[k] for k in keys if k in ranked})


def _streamed(scenario: Scenario, ss: np.random.SeedSequence | None, seed_rec: int | None,
              draws: int, chosen: tuple[str, ...], bargain: bool, sensitivity: bool,
              chunks: list[tuple[int, int]], run: dict[str, Any], t0: float,
              stab: dict[str, Any] | None = None) -> Analysis:
    """analyze(stream=True): fold each chunk's digests as it arrives; keep draw 0 (for the
    trails and the structure), the questions' counts and the sensitivity sample."""
    merger = Merger()
    counts: list[int] = []
    kept: dict[str, Any] = {}
    samples: dict[int, Any] = {}
    keep_n = SENSITIVITY_SAMPLE if sensitivity else 0

    def fold(i: int, res: _Digested) -> None:
        merger.add(res.digests)
        counts[:] = [a + b for a, b in zip(counts, res.counts)] if counts else res.counts
        if res.head is not None:
            kept["head"] = res.head
        if res.sample is not None:
            samples[res.start] = res.sample

    run_chunks(_stream_chunk, chunks,
               lambda s0, n: (scenario, ss, s0, n, chosen, bargain, keep_n,
                              None if stab is None else stab["result"]), **run, fold=fold)
    head: _Part = kept["head"]
    qs = tuple(dataclasses.replace(q, probability=k / draws, interval=wilson_interval(k, draws),
                                   draws=draws, truth=np.zeros(0, bool))
               for q, k in zip(head.questions, counts))
    sens = None
    d = head.inputs
    if sensitivity and draws > 1 and d.uncertain_paths and (qs or head.forecasts) and samples:
        parts = [samples[s] for s in sorted(samples)]
        x = np.concatenate([p[0] for p in parts])
        sens = _rank_drivers(x, d.uncertain_paths, lambda: {
            k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]})
        if sens is not None and x.shape[0] < draws:
            why = f"ranked on the first {x.shape[0]:,} of {draws:,} draws (streamed run)"
            sens = dataclasses.replace(sens, note=f"{sens.note}; {why}" if sens.note else why)
    return Analysis(
        scenario=scenario, fingerprint=fingerprint(scenario), seed=seed_rec, draws=draws,
        version=__version__, models=chosen, forecasts=head.forecasts,
        status_quo_utility=head.status_quo_utility, no_deal=head.no_deal, inputs=d,
        tables=head.tables, questions=qs, sensitivity=sens, timelines=head.timelines,
        process=head.process, stability=stab, seconds=time.perf_counter() - t0,
        digests=merger.items,
    )
