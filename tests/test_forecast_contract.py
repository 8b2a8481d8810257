"""The shared contract every registered forecast model passes (STYLE.md §6).

Determinism, one draw equals its row of a batch, pickle round trip, shapes, outcomes
within the range of the positions, and registry metadata.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from detente.forecast import registry

NAMES = registry.names()


def _inputs(n: int, a: int = 6, i: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    cap = rng.uniform(0.5, 3.0, (n, a))
    pos = rng.random((n, a, i))
    sal = rng.uniform(0.1, 1.0, (n, a, i))
    return cap, pos, sal


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    m = registry.get(name)
    assert m.name == name and m.title and m.summary and m.references
    assert callable(m.fn)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_shapes_and_range(name):
    fn = registry.get(name).fn
    cap, pos, sal = _inputs(20)
    r1, r2 = fn(cap, pos, sal), fn(cap, pos, sal)
    assert r1.model == name
    assert r1.outcome.shape == (20, 3)
    np.testing.assert_array_equal(r1.outcome, r2.outcome)
    if r1.path is not None:
        assert r1.path.shape[0] == 20 and r1.path.shape[2] == 3
        np.testing.assert_array_equal(r1.path, r2.path)
    assert r1.trail == r2.trail
    lo, hi = pos.min(axis=1), pos.max(axis=1)
    assert np.all(r1.outcome >= lo - 1e-9) and np.all(r1.outcome <= hi + 1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_one_draw_equals_its_row_of_a_batch(name):
    fn = registry.get(name).fn
    cap, pos, sal = _inputs(100, seed=1)
    batch = fn(cap, pos, sal)
    for k in (0, 37, 99):
        one = fn(cap[k:k + 1], pos[k:k + 1], sal[k:k + 1])
        np.testing.assert_allclose(one.outcome, batch.outcome[k:k + 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip(name):
    fn = registry.get(name).fn
    r = fn(*_inputs(5, seed=2))
    back = pickle.loads(pickle.dumps(r))
    np.testing.assert_array_equal(back.outcome, r.outcome)
    assert back.model == r.model and back.params == r.params


def test_duplicate_registration_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        registry.register("compromise", title="x", summary="y")(lambda *a: None)


@pytest.mark.parametrize("name", NAMES)
def test_an_absent_actor_changes_nothing(name):
    """An actor with no salient stance (absent from the issues, as in DEU records) is inert."""
    fn = registry.get(name).fn
    cap, pos, sal = _inputs(8, a=5, i=2, seed=3)
    base = fn(cap, pos, sal).outcome
    cap2 = np.concatenate([cap, np.full((8, 1), 4.0)], axis=1)
    pos2 = np.concatenate([pos, np.zeros((8, 1, 2))], axis=1)
    sal2 = np.concatenate([sal, np.zeros((8, 1, 2))], axis=1)
    np.testing.assert_allclose(fn(cap2, pos2, sal2).outcome, base, rtol=0, atol=1e-9)
