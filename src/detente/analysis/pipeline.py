"""``analyze()``: the one pipeline, from a validated scenario to an :class:`Analysis`.

The CLI, the web app and notebooks all call :func:`analyze`; none of them computes anything
itself. The draws are computed in chunks (:mod:`.chunks`) on a backend
(:mod:`detente.montecarlo`) and either kept (every draw's results) or, in a streamed run,
reduced to digests as they arrive.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from .. import __version__
from ..answers import QuestionResult, wilson_interval
from ..calibration import Calibration, calibrated_answer, shipped_calibration
from ..forecast import registry
from ..montecarlo import Progress, first_draws, merge, plan_chunks, run_chunks
from ..montecarlo.digest import Merger
from ..montecarlo.providers import Digests
from ..random import SeedLike, as_seed_sequence
from ..scenario.draws import BLOCK
from ..scenario.schema import Scenario
from ..sensitivity import MIN_DRAWS, SensitivityResult, pawn_solve
from ..stability.scenario import analyse_scenario
from .chunks import Chunk, Digested, answers, sensitivity_outputs, solve_chunk, stream_chunk
from .result import Analysis, ConflictStability

__all__ = ["SENSITIVITY_SAMPLE", "STREAM_ABOVE", "analyze", "fingerprint"]

STREAM_ABOVE = 200_000
"""``analyze(stream=None)`` streams runs of more draws than this."""
STREAM_CHUNK_BLOCKS = 4
"""A streamed run's default chunks: at most 4 blocks (4,096 draws; the flagship needs about
0.6 GB per worker for them, against 2 GB for 16 blocks)."""
SENSITIVITY_SAMPLE = 20_000
"""A streamed run ranks the drivers (sensitivity) on its first this-many draws."""


def fingerprint(scenario: Scenario) -> str:
    """sha256 of the validated scenario's canonical JSON (formatting and comments do not count)."""
    canon = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


def _requestion(q: QuestionResult) -> QuestionResult:
    """A question's probability and interval recomputed from its merged per-draw truth."""
    truth = answers(q)
    k, n = int(truth.sum()), int(truth.size)
    return dataclasses.replace(q, probability=k / n, interval=wilson_interval(k, n), draws=n)


def _calibrate(qs: tuple[QuestionResult, ...], cal: Calibration | None,
               draws: int) -> tuple[QuestionResult, ...]:
    """The questions with their calibrated answers (none for a one-draw point estimate: the
    map was fitted on shares of many draws)."""
    if cal is None or draws < 2:
        return qs
    return tuple(dataclasses.replace(q, calibrated=calibrated_answer(cal, q.probability,
                                                                     q.interval)) for q in qs)


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
    calibration: Calibration | Literal["shipped"] | None = "shipped",
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
    A streamed run's :class:`Analysis` keeps no per-draw results (``per_draw`` is None; see
    its docstring).

    ``calibration``: the map from the model's answers to calibrated ones
    (:mod:`detente.calibration`) — ``"shipped"`` (default) the one fitted on the backtest
    archive's dev half, a :class:`Calibration` of your own, or None for none. The model's
    answers are the same whichever; each question gains a calibrated answer beside them.
    """
    t0 = time.perf_counter()
    if isinstance(calibration, str) and calibration == "shipped":
        cal: Calibration | None = shipped_calibration()
    elif calibration is None or isinstance(calibration, Calibration):
        cal = calibration
    else:
        raise TypeError("calibration must be \"shipped\", None or a Calibration "
                        f"(detente.calibration.load_calibration(path)); got {calibration!r}")
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
    run: dict[str, Any] = {"backend": backend, "workers": workers, "scheduler": scheduler,
                           "progress": progress}
    # the conflict section: deterministic, so solved once here, not in every chunk
    stab = (ConflictStability.of(analyse_scenario(scenario))
            if scenario.conflict is not None else None)
    solved = None if stab is None else stab.result
    if stream:
        keep_n = SENSITIVITY_SAMPLE if sensitivity else 0
        streamed = _streamed(scenario, ss, seed_rec, draws, chosen, bargain, sensitivity,
                             keep_n, chunks, run, t0, stab)
        return dataclasses.replace(streamed, questions=_calibrate(streamed.questions, cal, draws),
                                   calibration=None if draws < 2 else cal)
    results: list[Any] = [None] * len(chunks)

    def keep(i: int, part: Chunk) -> None:
        results[i] = part

    run_chunks(solve_chunk, chunks, lambda s0, n: (scenario, ss, s0, n, chosen, bargain, solved),
               **run, fold=keep)
    part: Chunk = merge(results)
    r = part.results
    d = r.inputs
    qs = tuple(_requestion(q) for q in part.questions) if len(chunks) > 1 else part.questions
    sens = None
    x = d.uncertain_values
    if sensitivity and d.n > 1 and d.uncertain_paths and x is not None and (qs or r.forecasts):
        sens = _rank_drivers(x, d.uncertain_paths,
                             lambda: sensitivity_outputs(scenario, qs, r.forecasts, chosen), run)
    return Analysis(
        scenario=scenario, fingerprint=fingerprint(scenario), seed=seed_rec, draws=d.n,
        version=__version__, models=chosen, first_draw=r if d.n == 1 else first_draws(r),
        per_draw=r, questions=_calibrate(qs, cal, d.n), sensitivity=sens, stability=stab,
        seconds=time.perf_counter() - t0, calibration=None if d.n < 2 else cal,
    )


def _rank_drivers(x: np.ndarray, names: tuple[str, ...],
                  outputs: Callable[[], dict[str, np.ndarray]],
                  run: dict[str, Any] | None = None) -> SensitivityResult | None:
    """PAWN indices of every output; on the ``processes`` backend the outputs are ranked in
    parallel (each output's indices are its own, so the result is the same)."""
    if x.shape[0] < MIN_DRAWS:
        return None
    outs = outputs()
    w = (run or {}).get("workers") or os.cpu_count() or 1
    if (run or {}).get("backend") != "processes" or w < 2 or len(outs) < 2:
        return pawn_solve(x, names, outs)
    keys = list(outs)
    groups = [keys[g::w] for g in range(min(w, len(keys)))]
    found: dict[int, SensitivityResult] = {}
    run_chunks(pawn_solve, [(g, 1) for g in range(len(groups))],
               lambda g, _n: (x, names, {k: outs[k] for k in groups[g]}),
               backend="processes", workers=w, fold=found.__setitem__)
    ranked = {k: v for r in found.values() for k, v in r.outputs.items()}
    return dataclasses.replace(found[0], outputs={k: ranked[k] for k in keys if k in ranked})


def _streamed(scenario: Scenario, ss: np.random.SeedSequence | None, seed_rec: int | None,
              draws: int, chosen: tuple[str, ...], bargain: bool, sensitivity: bool,
              keep_n: int, chunks: list[tuple[int, int]], run: dict[str, Any], t0: float,
              stab: ConflictStability | None) -> Analysis:
    """analyze(stream=True): fold each chunk's digests as it arrives; keep draw 0 (for the
    trails and the structure), the questions' counts and the sensitivity sample."""
    merger = Merger()
    counts: list[int] = []
    kept: dict[str, Chunk] = {}
    samples: dict[int, tuple[np.ndarray, dict[str, np.ndarray]]] = {}

    def fold(i: int, res: Digested) -> None:
        merger.add(res.digests)
        counts[:] = [a + b for a, b in zip(counts, res.counts)] if counts else res.counts
        if res.head is not None:
            kept["head"] = res.head
        if res.sample is not None:
            samples[res.start] = res.sample

    run_chunks(stream_chunk, chunks,
               lambda s0, n: (scenario, ss, s0, n, chosen, bargain, keep_n,
                              None if stab is None else stab.result),
               **run, fold=fold)
    first = kept["head"]
    qs = tuple(dataclasses.replace(q, probability=k / draws, interval=wilson_interval(k, draws),
                                   draws=draws, truth=None)
               for q, k in zip(first.questions, counts))
    sens = None
    d = first.results.inputs
    if (sensitivity and draws > 1 and d.uncertain_paths and (qs or first.results.forecasts)
            and samples):
        parts = [samples[s] for s in sorted(samples)]
        x = np.concatenate([p[0] for p in parts])
        sens = _rank_drivers(x, d.uncertain_paths, lambda: {
            k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]})
        if sens is not None and x.shape[0] < draws:
            why = f"ranked on the first {x.shape[0]:,} of {draws:,} draws (streamed run)"
            sens = dataclasses.replace(sens, note=f"{sens.note}; {why}" if sens.note else why)
    return Analysis(
        scenario=scenario, fingerprint=fingerprint(scenario), seed=seed_rec, draws=draws,
        version=__version__, models=chosen, first_draw=first.results, per_draw=None,
        questions=qs, sensitivity=sens, stability=stab, seconds=time.perf_counter() - t0,
        digests=Digests(merger.items),
    )
