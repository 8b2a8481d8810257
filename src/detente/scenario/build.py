"""Build a scenario in Python: the same fields, checks and readable errors as a YAML file.

    >>> from detente.scenario.build import build_scenario
    >>> s = build_scenario(
    ...     id="toy", title="Two sides, one issue", as_of="2025-01-01",
    ...     actors=[{"id": "a", "name": "A", "capability": 2},
    ...             {"id": "b", "name": "B", "capability": 1}],
    ...     issues=[{"id": "x", "name": "X", "scale": [0, 100], "status_quo": 50}],
    ...     stances={"a": {"x": {"position": 80, "salience": 1.0}},
    ...              "b": {"x": {"position": 20, "salience": 0.5}}})
    >>> s.id, [a.id for a in s.actors]
    ('toy', ['a', 'b'])

Every keyword is a top-level section of the scenario format (docs/reference/scenario-format.md),
given as plain data (dicts, lists, numbers, strings, dates) or as the schema's own records;
:func:`build_scenario` validates them exactly as :func:`~detente.scenario.load.loads_scenario`
validates a file and raises :class:`~detente.errors.ScenarioError` listing every problem with
its field path and a hint. YAML is one front end; this is another.
"""

from __future__ import annotations

import datetime as _dt

from pydantic import BaseModel

from .load import scenario_from_data
from .schema import Scenario

__all__ = ["build_scenario"]


def _plain(v: object) -> object:
    """Records and dates as the plain data a YAML file would hold."""
    if isinstance(v, BaseModel):
        return _plain(v.model_dump(by_alias=True, exclude_unset=True))
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return v


def build_scenario(*, models: tuple[str, ...] | None = None, **sections: object) -> Scenario:
    """A validated :class:`Scenario` from its sections as keyword arguments (``id``, ``title``,
    ``as_of``, ``actors``, ``issues``, ``stances``, and any other section of the format).
    ``models``: as for :func:`~detente.scenario.load.loads_scenario`."""
    data = {name: _plain(value) for name, value in sections.items()}
    return scenario_from_data(data, file="<build_scenario>", models=models)
