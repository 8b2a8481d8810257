"""Collective-decision forecast models, registered by name (see :mod:`.registry`)."""

from . import registry
from . import central, eum, exchange, smp  # noqa: F401  (the built-in models register here)
from .central import compromise_forecast, weighted_median_forecast
from .registry import ForecastModel, ForecastResult

__all__ = [
    "ForecastModel",
    "ForecastResult",
    "compromise_forecast",
    "registry",
    "weighted_median_forecast",
]
