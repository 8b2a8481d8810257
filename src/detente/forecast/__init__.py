"""Collective-decision forecast models, registered by name (see :mod:`.registry`)."""

from . import registry
from .central import compromise_forecast, weighted_median_forecast
from .registry import ForecastModel, ForecastResult

__all__ = [
    "ForecastModel",
    "ForecastResult",
    "compromise_forecast",
    "registry",
    "weighted_median_forecast",
]
