"""build_scenario(): the Python front end gives the same scenario and the same checks as YAML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from detente import ScenarioError, build_scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml")) + [ROOT / "docs/examples/border-talks.yaml"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_shipped_scenario_builds_equal_to_its_file(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert build_scenario(**data) == load_scenario(path)


def test_records_and_dates_are_accepted_as_they_are():
    s = load_scenario(ROOT / "docs/examples/border-talks.yaml")
    again = build_scenario(id=s.id, title=s.title, as_of=dt.date.fromisoformat(str(s.as_of)),
                           actors=list(s.actors), issues=list(s.issues),
                           stances={a: dict(by) for a, by in s.stances.items()})
    assert again.actors == s.actors and again.issues == s.issues


def test_problems_are_all_reported_with_their_field_paths():
    with pytest.raises(ScenarioError) as info:
        build_scenario(id="toy", title="t", as_of="2025-01-01",
                       actors=[{"id": "a", "name": "A", "capability": 2}],
                       issues=[{"id": "x", "name": "X", "scale": [0, 100], "status_quo": 150}],
                       stances={"a": {"y": {"position": 80, "salience": 1.0}}})
    text = str(info.value)
    assert "<build_scenario>: 4 problems found" in text
    assert "issues[0].status_quo: the status quo must be within the issue's scale" in text
    assert "stances.a.y: 'y' is not a defined issue" in text and "hint: defined issues: x" in text
