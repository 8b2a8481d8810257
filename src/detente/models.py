"""The published models as plain functions on arrays, for direct use in a notebook.

Every function takes arrays with a leading axis of Monte Carlo draws (one draw: a leading axis
of length 1) — capability (N, A), position and salience (N, A, I), positions normalised to
[0, 1] — and returns frozen records; nothing here reads a scenario file. The pipeline
(:func:`detente.analyze`) calls the same functions. What each model computes, with its
references: docs/explanation/forecast-models.md, bargaining.md, process.md and stability.md;
a worked example: docs/reference/models.md.

Forecast models (collective decisions):
    :func:`compromise_forecast`, :func:`weighted_median_forecast` (static),
    :func:`eum_rounds` / :func:`eum_forecast` (Bueno de Mesquita's expected utility model),
    :func:`smp_run` / :func:`smp_forecast` (KTAB's spatial model of politics),
    :func:`exchange_forecast` (the exchange model of Stokman and Van Oosten).
    Each result carries its parameters as a frozen, typed record (:class:`EUMParams`,
    :class:`SMPParams`, :class:`ExchangeParams`, :class:`MedianParams`,
    :class:`CompromiseParams`; a run's :class:`EUMOptions`, :class:`SMPOptions`), and
    ``result.method`` names the function that, given them, reproduces the numbers.
Bargaining (a table's deal): :func:`zone`, :func:`nash`, :func:`kalai_smorodinsky`,
    :func:`utilities`; the process model's :func:`continuation` (Rubinstein; Baron–Ferejohn)
    and :func:`best_package` (a proposer's best acceptable offer).
Stability (GMCR): :class:`Conflict`, :class:`Option`, :class:`Preference`,
    :func:`stability_solve` (Nash, GMR, SMR, SEQ).
"""

from __future__ import annotations

from .bargain.core import kalai_smorodinsky, nash, utilities, zone
from .forecast.central import compromise_forecast, weighted_median, weighted_median_forecast
from .forecast.eum import EUMRounds, eum_forecast, eum_rounds
from .forecast.exchange import exchange_forecast
from .forecast.params import (
    CompromiseParams,
    EUMOptions,
    EUMParams,
    ExchangeParams,
    MedianParams,
    SMPOptions,
    SMPParams,
)
from .forecast.registry import ForecastMethod, ForecastResult
from .forecast.smp import SMPRun, smp_forecast, smp_run
from .process.proposals import best_package, continuation
from .stability import Conflict, Option, Preference, StabilityResult, stability_solve

__all__ = [
    "CompromiseParams",
    "Conflict",
    "EUMOptions",
    "EUMParams",
    "EUMRounds",
    "ExchangeParams",
    "ForecastMethod",
    "ForecastResult",
    "MedianParams",
    "Option",
    "Preference",
    "SMPOptions",
    "SMPParams",
    "SMPRun",
    "StabilityResult",
    "best_package",
    "compromise_forecast",
    "continuation",
    "eum_forecast",
    "eum_rounds",
    "exchange_forecast",
    "kalai_smorodinsky",
    "nash",
    "smp_forecast",
    "smp_run",
    "stability_solve",
    "utilities",
    "weighted_median",
    "weighted_median_forecast",
    "zone",
]
