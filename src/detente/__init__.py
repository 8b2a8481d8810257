"""detente — model multi-party negotiations and answer analysts' questions with numbers.

The one pipeline::

    from detente import load_scenario, analyze
    result = analyze(load_scenario("scenarios/ukraine-2025-02.yaml"))
"""

from typing import TYPE_CHECKING

from ._version import __version__
from .errors import DetenteError, Problem, ScenarioError

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and editors
    from .analysis import Analysis, analyze
    from .scenario.build import build_scenario
    from .scenario.draws import Draws, point_draws, sample
    from .scenario.load import load_scenario, loads_scenario
    from .scenario.schema import Scenario

__all__ = [
    "Analysis",
    "DetenteError",
    "Draws",
    "Problem",
    "Scenario",
    "ScenarioError",
    "__version__",
    "analyze",
    "build_scenario",
    "load_scenario",
    "loads_scenario",
    "point_draws",
    "sample",
]

_LAZY = {"analyze": "analysis", "Analysis": "analysis", "Draws": "scenario",
         "Scenario": "scenario", "load_scenario": "scenario", "loads_scenario": "scenario",
         "point_draws": "scenario", "sample": "scenario", "build_scenario": "scenario.build"}


def __getattr__(name: str) -> object:  # lazy (PEP 562): `import detente` and the CLI stay light
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'detente' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
