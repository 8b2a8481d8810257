"""detente — model multi-party negotiations and answer analysts' questions with numbers.

The one pipeline::

    from detente import load_scenario, analyze
    result = analyze(load_scenario("scenarios/ukraine-2025-02.yaml"))
"""

from ._version import __version__
from .errors import DetenteError, Problem, ScenarioError
from .scenario import Draws, Scenario, load_scenario, loads_scenario, point_draws, sample
from .scenario.build import build_scenario

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


def __getattr__(name: str):  # lazy: keep `import detente` light
    if name in ("analyze", "Analysis"):
        from . import analysis

        return getattr(analysis, name)
    raise AttributeError(name)
