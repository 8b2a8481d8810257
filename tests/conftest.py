from __future__ import annotations

from pathlib import Path

import pytest

# the `browser` fixture of the real-browser tests
pytest_plugins = ("tests._browser",)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
# The published reference cases, shipped with the tests (published cases, copied in with their sources; see
# tests/data/README.md), so that a clone needs nothing outside the project.
REFERENCE_CASES = ROOT / "tests" / "data" / "cases"


@pytest.fixture(autouse=True)
def _run_history_in_tmp(tmp_path_factory, monkeypatch) -> None:
    """Runs recorded by tests go to a temporary folder, never the user's data folder."""
    monkeypatch.delenv("DETENTE_DB", raising=False)
    monkeypatch.setenv("DETENTE_DATA_DIR", str(tmp_path_factory.mktemp("detente-data")))


@pytest.fixture
def reference_cases() -> Path:
    return REFERENCE_CASES


# Hypothesis: random examples on developers' machines (to find new bugs), a fixed sequence in
# CI (CI=true) so that a green build stays green for the same code.
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# The EC case with uncertain inputs and its 2,100-draw run, shared by the Monte Carlo tests
# (tests/test_montecarlo.py, tests/test_streaming.py): computed once per session.
@pytest.fixture(scope="session")
def ec_uncertain():
    from detente import loads_scenario

    from ._montecarlo import EC_UNCERTAIN

    return loads_scenario(EC_UNCERTAIN)


@pytest.fixture(scope="session")
def ec_uncertain_run(ec_uncertain):
    from detente.analysis import analyze

    return analyze(ec_uncertain, draws=2100, seed=11)


# A scenario with two parties, one issue and nothing else (no tables, no questions).
BARE = """
detente: 1
id: bare
title: Two parties, one issue
as_of: 2024-01-01
actors:
  - {id: a, name: A, capability: 1}
  - {id: b, name: B, capability: 2}
issues:
  - {id: x, name: The issue, status_quo: 50}
stances:
  a: {x: {position: 10, salience: 0.5}}
  b: {x: {position: 90, salience: 0.8}}
"""
