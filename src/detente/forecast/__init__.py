"""Collective-decision forecast models, registered by name (see :mod:`.registry`); each result
carries its model's typed parameter record (see :mod:`.params`)."""

from . import central, eum, exchange, params, registry, smp  # noqa: F401  (models register here)
from .central import compromise_forecast, weighted_median_forecast
from .registry import ForecastMethod, ForecastModel, ForecastResult

__all__ = [
    "ForecastMethod",
    "ForecastModel",
    "ForecastResult",
    "compromise_forecast",
    "params",
    "registry",
    "weighted_median_forecast",
]
