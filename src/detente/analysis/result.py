"""The frozen records of one run: :class:`Analysis`, its :class:`DrawResults` and its
:class:`ConflictStability`.

A field of :class:`Analysis` has one meaning whatever the run: run-level results (questions,
sensitivity, stability, the summary) are over every draw; per-draw results are every draw's
(``per_draw``) or, named as such, draw 0's (``first_draw``). A streamed run keeps no per-draw
results, and reading one raises :class:`StreamedRunError` instead of handing out draw 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..answers import QuestionResult
from ..calibration import Calibration
from ..bargain.tables import TableResult
from ..errors import DetenteError
from ..forecast.registry import ForecastResult
from ..montecarlo.providers import Digests, Exact
from ..process import ProcessResult
from ..scenario.draws import Draws
from ..scenario.schema import Scenario
from ..sensitivity import SensitivityResult
from ..stability import StabilityResult
from ..stability.run import StabilityRun, stability_to_dict
from ..timeline import TableTimeline
from .summary import ensemble, summarise

__all__ = ["Analysis", "ConflictStability", "DrawResults", "StreamedRunError"]


class StreamedRunError(DetenteError):
    """A per-draw result was read from a streamed run, which keeps digests of its draws only."""

    def __init__(self, name: str, draws: int) -> None:
        super().__init__(
            f"Analysis.{name} holds every draw, but this run streamed its {draws:,} draws "
            "(summarised chunk by chunk) and kept none of them. Read the results over every "
            "draw from to_dict(), questions and sensitivity; draw 0's results from first_draw; "
            "or rerun with analyze(..., stream=False) (up to 200,000 draws) for per-draw arrays")
        self.name = name


@dataclass(frozen=True, eq=False)
class DrawResults:
    """Per-draw results: every array has a leading draw axis (N draws, 1 for one draw).

    ``inputs``: the sampled inputs; ``forecasts``: each model's result; ``status_quo_utility``
    and ``no_deal`` (N, A): each actor's utility of the status quo and its no-deal value;
    ``tables``: each table's bargaining result; ``timelines``: each table's prospects month by
    month; ``process``: the negotiation process model's course (None without tables, or with
    ``bargain=False``).
    """

    inputs: Draws
    forecasts: dict[str, ForecastResult]
    status_quo_utility: np.ndarray
    no_deal: np.ndarray
    tables: dict[str, TableResult] = field(default_factory=dict)
    timelines: dict[str, TableTimeline] = field(default_factory=dict)
    process: ProcessResult | None = None

    @property
    def n(self) -> int:
        """The number of draws held."""
        return self.inputs.n


@dataclass(frozen=True, eq=False)
class ConflictStability:
    """The conflict section's stability analysis, solved once per run
    (:func:`detente.stability.scenario.analyse_scenario`: every concept, the status quo,
    coalitions).

    ``run``: the stability module's own record of the analysis
    (:class:`~detente.stability.run.StabilityRun`), which the report's stability sections read;
    ``result`` (the :class:`~detente.stability.StabilityResult`: equilibria per concept),
    ``options`` (the option ids in state-vector order), ``status_quo`` (its vector), ``title``,
    ``source`` and ``sanction_rule`` read it.
    """

    run: StabilityRun

    @classmethod
    def of(cls, run: StabilityRun) -> ConflictStability:
        """The record of :func:`~detente.stability.scenario.analyse_scenario`."""
        return cls(run)

    @property
    def result(self) -> StabilityResult:
        """The stability of every state (equilibria per concept)."""
        return self.run.result

    @property
    def options(self) -> tuple[str, ...]:
        """The option ids, in state-vector order."""
        return self.run.options

    @property
    def status_quo(self) -> str | None:
        """The status quo's vector."""
        return self.run.status_quo

    @property
    def title(self) -> str:
        """The scenario's title."""
        return self.run.title

    @property
    def source(self) -> str:
        """Where the conflict came from (the scenario's id)."""
        return self.run.source

    @property
    def sanction_rule(self) -> str:
        """How opponents may sanction (``textbook`` or ``gmcrplus``)."""
        return self.run.sanction_rule

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (:func:`~detente.stability.run.stability_to_dict`) without its
        timing: the same scenario and seed give the same JSON."""
        return {k: v for k, v in stability_to_dict(self.run).items() if k != "seconds"}


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything one run produced, and how: inputs' fingerprint, seed, draws, version.

    Each field has one meaning, whatever the run:

    * over every draw of the run: ``questions`` (probability and 95% interval per question),
      ``sensitivity`` (which inputs drive them), ``stability`` (the conflict section, the same
      in every draw) and :meth:`to_dict` (the summary);
    * every draw's results: ``per_draw`` (:class:`DrawResults`), also read as ``inputs``,
      ``forecasts``, ``status_quo_utility``, ``no_deal``, ``tables``, ``timelines`` and
      ``process``;
    * draw 0's results: ``first_draw`` (the explanation trails and the report's round charts
      come from it).

    A streamed run (``analyze(stream=True)``, or more than
    :data:`~detente.analysis.STREAM_ABOVE` draws) keeps only mergeable digests of its draws
    (``digests``, from which :meth:`to_dict` answers): ``per_draw`` is None and the per-draw
    properties raise :class:`StreamedRunError` rather than hand out draw 0; its questions carry
    exact counts but no per-draw ``truth`` (None). ``first_draw`` is there in both kinds.
    """

    scenario: Scenario = field(repr=False)
    fingerprint: str
    seed: int | None
    draws: int
    version: str
    models: tuple[str, ...]
    first_draw: DrawResults = field(repr=False)
    per_draw: DrawResults | None = field(default=None, repr=False)
    questions: tuple[QuestionResult, ...] = field(default=(), repr=False)
    sensitivity: SensitivityResult | None = field(default=None, repr=False)
    stability: ConflictStability | None = field(default=None, repr=False)
    """The conflict section's stability analysis, once per run; None without a ``conflict``
    section."""
    seconds: float = field(default=0.0, compare=False)
    digests: Digests | None = field(default=None, repr=False)
    """A streamed run's merged digests of every draw (None for a run that kept its draws)."""
    calibration: Calibration | None = field(default=None, repr=False)
    """The map that gave the questions' calibrated answers (:mod:`detente.calibration`);
    None without one (and for a one-draw point estimate)."""

    @property
    def streamed(self) -> bool:
        """True when the draws were summarised chunk by chunk (``analyze(stream=True)``)."""
        return self.digests is not None

    def _every(self, name: str) -> DrawResults:
        if self.per_draw is None:
            raise StreamedRunError(name, self.draws)
        return self.per_draw

    @property
    def inputs(self) -> Draws:
        """The sampled inputs of every draw (:class:`~detente.scenario.draws.Draws`)."""
        return self._every("inputs").inputs

    @property
    def forecasts(self) -> dict[str, ForecastResult]:
        """Each model's forecast for every draw."""
        return self._every("forecasts").forecasts

    @property
    def status_quo_utility(self) -> np.ndarray:
        """(N, A) each actor's utility of the status quo, per draw."""
        return self._every("status_quo_utility").status_quo_utility

    @property
    def no_deal(self) -> np.ndarray:
        """(N, A) each actor's no-deal value now, per draw."""
        return self._every("no_deal").no_deal

    @property
    def tables(self) -> dict[str, TableResult]:
        """Each table's bargaining result for every draw."""
        return self._every("tables").tables

    @property
    def timelines(self) -> dict[str, TableTimeline]:
        """Each table's prospects month by month, for every draw."""
        return self._every("timelines").timelines

    @property
    def process(self) -> ProcessResult | None:
        """The process model's course for every draw (None without tables)."""
        return self._every("process").process

    def forecast_user(self, model: str) -> np.ndarray:
        """A model's outcome (N, I) on the issues' own scales."""
        return self.inputs.to_user(self.forecasts[model].outcome)

    def ensemble_user(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The ensemble forecast (N, I): the mean of the models' outcomes, and the spread
        between models (max − min) per draw; None with fewer than two models."""
        if len(self.models) < 2:
            return None
        return ensemble([self.forecast_user(m) for m in self.models])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: every number in the issues' own units, with its meaning."""
        return summarise(self, Exact() if self.digests is None else self.digests)

    def to_frame(self, what: str = "forecasts") -> Any:
        """A tidy pandas DataFrame (:func:`detente.frames.to_frame`: ``forecasts``, ``paths``,
        ``inputs``, ``deals``, ``process``, ``questions``); needs ``detente[frames]``."""
        from ..frames import to_frame

        return to_frame(self, what)

    def to_xarray(self) -> Any:
        """The run as an ``xarray.Dataset`` with named dimensions (:func:`detente.frames.
        to_xarray`); needs ``detente[frames]``."""
        from ..frames import to_xarray

        return to_xarray(self)
