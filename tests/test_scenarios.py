"""Every scenario shipped in scenarios/ loads, validates and analyses."""

from __future__ import annotations

import numpy as np
import pytest

from detente import analyze, load_scenario

from .conftest import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))


def test_expected_scenarios_present():
    names = {f.name for f in FILES}
    assert {"ec-emissions-1994.yaml", "ukraine-2025-02.yaml"} <= names
    assert len(names) >= 3


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_loads_and_analyses(path):
    s = load_scenario(path)
    a = analyze(s)
    for m in a.models:
        v = a.forecast_user(m)
        assert v.shape == (1, len(s.issues))
        lo = np.array([i.scale[0] for i in s.issues])
        hi = np.array([i.scale[1] for i in s.issues])
        assert np.all((v >= lo) & (v <= hi))
    if s.uncertainty:
        b = analyze(s, draws=500, seed=11)
        assert b.inputs.n == 500
        c = analyze(s, draws=500, seed=11)
        for m in b.models:
            np.testing.assert_array_equal(b.forecasts[m].outcome, c.forecasts[m].outcome)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_number_is_sourced(path):
    """Every actor, issue and stance cites at least one source (the brief: traceable numbers)."""
    s = load_scenario(path)
    missing = [f"actors.{a.id}" for a in s.actors if not a.sources]
    missing += [f"issues.{i.id}" for i in s.issues if not i.sources]
    missing += [f"stances.{a}.{i}" for a, by in s.stances.items() for i, st in by.items()
                if not st.sources]
    missing += [f"no_deal.{a}" for a, nd in s.no_deal.items() if not nd.sources]
    missing += [f"uncertainty.{p}" for p, u in s.uncertainty.items()
                if not u.sources and path.stem.startswith("ukraine")]
    assert not missing, f"{path.name}: uncited parameters: {missing}"
