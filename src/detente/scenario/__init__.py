"""Scenario files: schema, loading with positions, and numeric draws."""

from .draws import Draws, point_draws, sample
from .load import load_scenario, loads_scenario
from .schema import Scenario

__all__ = ["Draws", "Scenario", "load_scenario", "loads_scenario", "point_draws", "sample"]
