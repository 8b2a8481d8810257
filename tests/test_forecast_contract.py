"""The shared contract every registered forecast model passes (STYLE.md §6).

Determinism, one draw equals its row of a batch, pickle round trip, shapes, outcomes
within the range of the positions, registry metadata, and a typed parameter record from which
the numbers are reproduced.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pickle

import numpy as np
import pytest

from detente.forecast import registry
from detente.forecast.params import (
    EUMOptions,
    EUMParams,
    ExchangeParams,
    MedianParams,
    ModelParams,
    SMPOptions,
)

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


@pytest.mark.parametrize("name", NAMES)
def test_the_params_record_reproduces_the_numbers(name):
    """``params`` is a frozen, typed record holding every setting; the function the result
    names, called with it, gives the same bits; the JSON keeps ``params`` and adds ``method``."""
    fn = registry.get(name).fn
    cap, pos, sal = _inputs(6, seed=4)
    r = fn(cap, pos, sal)
    assert isinstance(r.params, ModelParams) and dataclasses.is_dataclass(r.params)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.params.rounds = 1  # type: ignore[misc]
    method = r.method
    assert method.model == name and method.params is r.params
    module, _, func = method.function.rpartition(".")
    assert getattr(importlib.import_module(module), func) is fn
    again = fn(cap, pos, sal, **r.params.to_dict())
    assert again.outcome.tobytes() == r.outcome.tobytes() and again.params == r.params
    d = json.loads(json.dumps(r.to_dict()))
    assert d["params"] == r.params.to_dict() and list(d["params"]) == list(r.params)
    assert d["method"]["function"] == method.function
    assert d["method"]["params_record"].endswith(type(r.params).__name__)


def test_params_records_check_and_normalise_their_values():
    assert EUMOptions(Q=1, T=0, rounds=np.int64(3)).to_dict()["Q"] == 1.0
    assert type(EUMOptions(rounds=np.int64(3)).rounds) is int
    with pytest.raises(ValueError, match="Q must be within"):
        EUMOptions(Q=1.5)
    with pytest.raises(ValueError, match="readout must be 'median' or 'mean'"):
        EUMParams(readout="mode")  # type: ignore[arg-type]
    assert SMPOptions(voting_rule="Prop").voting_rule == "Proportional"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="big_r_range must be one of Min, Mid, Max"):
        SMPOptions(big_r_range="Huge")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rounds must be >= 0"):
        ExchangeParams(rounds=-1)
    assert ExchangeParams(move_budget=None).move_budget is None
    with pytest.raises(ValueError, match="tie must be"):
        MedianParams("upper")  # type: ignore[arg-type]


def test_params_records_read_as_mappings_for_older_code():
    p = EUMParams(Q=0.5)
    assert p["Q"] == p.Q == 0.5 and p.get("rounds") == 8 and p.get("nbs_cap") is None
    assert dict(p) == p.to_dict() and "readout" in p and len(p) == len(p.to_dict())
    with pytest.raises(KeyError):
        p["nothing"]
    assert p.options == EUMOptions(Q=0.5) and p.options != p
