"""analyze(): the one pipeline — determinism, slices, the record it returns."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from detente import __version__, analyze, load_scenario, sample
from detente.analysis import fingerprint
from detente.forecast import registry

from .conftest import SCENARIOS

FLAGSHIP = SCENARIOS / "ukraine-2025-02.yaml"


@pytest.fixture(scope="module")
def flagship():
    return load_scenario(FLAGSHIP)


def test_same_seed_same_numbers(flagship):
    a = analyze(flagship, draws=300, seed=0)
    b = analyze(flagship, draws=300, seed=0)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    c = analyze(flagship, draws=300, seed=1)
    assert json.dumps(a.to_dict()) != json.dumps(c.to_dict())


def test_seed_is_recorded_even_when_not_given(flagship):
    a = analyze(flagship, draws=50)
    assert isinstance(a.seed, int)
    b = analyze(flagship, draws=50, seed=a.seed)
    for m in a.models:
        np.testing.assert_array_equal(a.forecasts[m].outcome, b.forecasts[m].outcome)


@pytest.mark.parametrize("name", registry.names())
def test_one_draw_equals_a_slice_of_a_thousand(flagship, name):
    """Each model on draw k alone gives exactly row k of the 1,000-draw batch."""
    d = sample(flagship, 1000, seed=42)
    fn = registry.get(name).fn
    batch = fn(d.capability, d.position, d.salience).outcome
    for k in (0, 1, 499, 999):
        one = d[k:k + 1]
        np.testing.assert_array_equal(fn(one.capability, one.position, one.salience).outcome,
                                      batch[k:k + 1])


def test_point_estimate_is_the_file(flagship):
    a = analyze(flagship)
    assert a.draws == 1 and a.seed is None
    c = {s.id: s for s in flagship.actors}
    share = [rec["capability_share"] for rec in a.to_dict()["actors"]]
    total = sum(x.capability for x in c.values())
    assert share == pytest.approx([x.capability / total for x in flagship.actors])


def test_record_says_how_it_was_made(flagship):
    a = analyze(flagship, draws=20, seed=5)
    d = a.to_dict()
    assert d["detente_version"] == __version__
    assert d["fingerprint"] == fingerprint(flagship)
    assert d["seed"] == 5 and d["draws"] == 20
    assert set(d["models"]) == set(registry.names())
    pickle.loads(pickle.dumps(a.forecasts["compromise"]))
    with pytest.raises(Exception):
        a.draws = 3  # frozen


def test_fingerprint_ignores_formatting(tmp_path, flagship):
    text = FLAGSHIP.read_text()
    p = tmp_path / "reformatted.yaml"
    p.write_text("# a new comment\n\n" + text + "\n# trailing comment\n")
    assert fingerprint(load_scenario(p)) == fingerprint(flagship)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_bad_draws_are_refused(flagship, bad):
    with pytest.raises((ValueError, TypeError)):
        analyze(flagship, draws=bad)


def test_results_are_typed_records(flagship):
    """Issue 15, item 1: every field of the record has a concrete type, and a table's summary
    is a typed record whose to_dict() is the table's entry in the JSON."""
    from detente.analysis import ConflictStability, DrawResults
    from detente.answers import QuestionResult
    from detente.bargain.summary import TableSummary, table_summary
    from detente.process import ProcessResult
    from detente.sensitivity import SensitivityResult
    from detente.stability import StabilityResult
    from detente.timeline import TableTimeline

    a = analyze(flagship, draws=200, seed=2, models=("compromise",))
    assert isinstance(a.per_draw, DrawResults) and a.per_draw.n == 200
    assert isinstance(a.first_draw, DrawResults) and a.first_draw.n == 1
    assert a.questions and all(isinstance(q, QuestionResult) for q in a.questions)
    assert isinstance(a.sensitivity, SensitivityResult)
    assert all(isinstance(t, TableTimeline) for t in a.timelines.values())
    assert isinstance(a.process, ProcessResult)
    assert isinstance(a.stability, ConflictStability)
    assert isinstance(a.stability.result, StabilityResult)
    assert a.stability.options and "seconds" not in a.stability.to_dict()
    tid, r = next(iter(a.tables.items()))
    ts = table_summary(flagship, a.inputs, r)
    assert isinstance(ts, TableSummary) and ts.table == tid
    assert 0.0 <= ts.holding_deal.exists <= 1.0
    assert sum(ts.holding_deal.avoided_vetoes.values()) == pytest.approx(ts.holding_deal.exists)
    assert json.dumps(ts.to_dict()) == json.dumps(a.to_dict()["tables"][tid])


def test_a_run_pickles_whole():
    """A notebook can save a run (pickle, joblib) and read it back: every record in it,
    the conflict's coalition analysis included, is picklable."""
    import pickle

    from detente import analyze, load_scenario

    from .conftest import SCENARIOS

    a = analyze(load_scenario(SCENARIOS / "ukraine-2025-02.yaml"), draws=40, seed=2,
                sensitivity=False)
    b = pickle.loads(pickle.dumps(a))
    assert b.to_dict() == a.to_dict()
    assert b.stability is not None and b.stability.run.coalitions is not None
