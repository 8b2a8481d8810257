"""Scenario files: schema, loading with positions, and numeric draws.

The names below load on first use (PEP 562), so that a module needing only, say,
:mod:`.located` does not pay for the schema and the samplers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and editors
    from .draws import Draws, point_draws, sample
    from .load import load_scenario, loads_scenario
    from .schema import Scenario

__all__ = ["Draws", "Scenario", "load_scenario", "loads_scenario", "point_draws", "sample"]

_LAZY = {"Draws": "draws", "point_draws": "draws", "sample": "draws", "load_scenario": "load",
         "loads_scenario": "load", "Scenario": "schema"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'detente.scenario' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
