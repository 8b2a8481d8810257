"""Graph Model for Conflict Resolution (GMCR): conflicts as options owned by decision makers,
unilateral moves as sparse graphs, and stability under Nash, GMR, SMR and SEQ.

>>> from detente.stability import Conflict, stability_solve
>>> chicken = Conflict.from_dict({
...     "options": [{"name": "Swerve", "owner": "A"}, {"name": "Swerve", "owner": "B"}],
...     "decision_makers": [
...         {"name": "A", "ranking": [["NY"], ["YY"], ["YN"], ["NN"]]},
...         {"name": "B", "ranking": [["YN"], ["YY"], ["NY"], ["NN"]]}]})
>>> stability_solve(chicken).equilibria("nash")
('YN', 'NY')
"""

from .concepts import (
    ALL_CONCEPTS,
    CONCEPTS,
    SANCTION_RULES,
    StabilityResult,
    reachable_min,
    stability_solve,
)
from .conditions import All, AnyOf, Condition, Lit, Not, parse_condition
from .graph import MoveGraph, unilateral_improvements, unilateral_moves
from .model import Conflict, Option, Preference, parse_state

__all__ = [
    "ALL_CONCEPTS",
    "CONCEPTS",
    "SANCTION_RULES",
    "All",
    "AnyOf",
    "Condition",
    "Conflict",
    "Lit",
    "MoveGraph",
    "Not",
    "Option",
    "Preference",
    "StabilityResult",
    "parse_condition",
    "parse_state",
    "reachable_min",
    "stability_solve",
    "unilateral_improvements",
    "unilateral_moves",
]
