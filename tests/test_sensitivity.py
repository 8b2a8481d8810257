"""Global sensitivity (PAWN via SALib) on the Monte Carlo sample."""

from __future__ import annotations

import numpy as np
import pytest

from detente import analyze, load_scenario
from detente.sensitivity import MIN_DRAWS, pawn_solve

from .conftest import SCENARIOS

pytest.importorskip("SALib")


def test_the_input_that_matters_ranks_first_and_the_others_are_near_zero():
    rng = np.random.default_rng(0)
    x = rng.random((4000, 4))
    y_num = np.sin(np.pi * x[:, 0]) + 0.3 * x[:, 1]
    y_bin = (x[:, 0] > 0.6).astype(float)
    r = pawn_solve(x, ("a", "b", "c", "d"), {"num": y_num, "bin": y_bin})
    assert r.top("num", 2)[0][0] == "a" and r.top("num", 2)[1][0] == "b"
    assert r.top("bin", 1)[0][0] == "a"
    for out in ("num", "bin"):
        med = r.outputs[out]["median"]
        assert med[0] > 0.3 and med[2] < 0.05 and med[3] < 0.05


def test_constant_outputs_and_small_samples():
    rng = np.random.default_rng(1)
    x = rng.random((500, 2))
    r = pawn_solve(x, ("a", "b"), {"flat": np.ones(500)})
    assert r.outputs["flat"]["median"].tolist() == [0.0, 0.0]
    small = pawn_solve(x[: MIN_DRAWS - 1], ("a", "b"), {"y": x[: MIN_DRAWS - 1, 0]})
    assert small.outputs == {} and "at least" in small.note


def test_deterministic():
    rng = np.random.default_rng(2)
    x = rng.random((600, 3))
    y = x[:, 1] ** 2
    a = pawn_solve(x, ("a", "b", "c"), {"y": y}).to_dict()
    b = pawn_solve(x, ("a", "b", "c"), {"y": y}).to_dict()
    assert a == b


def test_flagship_analysis_ranks_drivers_of_its_questions():
    s = load_scenario(SCENARIOS / "ukraine-2025-02.yaml")
    a = analyze(s, draws=300, seed=4)
    sens = a.sensitivity
    assert sens is not None and set(sens.inputs) == set(s.uncertainty)
    assert any(k.startswith("question:") for k in sens.outputs)
    d = a.to_dict()["sensitivity"]
    assert d["method"] == "pawn" and d["inputs"] == list(sens.inputs)
    assert analyze(s, draws=300, seed=4, sensitivity=False).sensitivity is None


@pytest.mark.parametrize("n, binary, seed", [(500, True, 1), (3000, False, 2), (10000, True, 3),
                                             (2000, False, 4), (400, True, 5)])
def test_pawn_indices_equal_salibs(n, binary, seed):
    """Our PAWN is SALib's (same slices, same KS statistic, empty slices left out), to
    rounding, on binary and on continuous outputs, with an input of few distinct values."""
    import warnings

    from SALib.analyze import pawn

    from detente.sensitivity import _pawn_indices

    rng = np.random.default_rng(seed)
    p = 5
    x = rng.random((n, p))
    x[:, 0] = np.round(x[:, 0] * 3)  # few distinct values: empty slices
    y = ((x[:, 1] + 0.3 * rng.random(n) > 0.7).astype(float) if binary
         else np.round(x[:, 2] * 10 + rng.normal(size=n), 1))
    lo, hi = x.min(0), x.max(0)
    prob = {"num_vars": p, "names": [f"x{i}" for i in range(p)],
            "bounds": np.c_[lo, np.where(hi > lo, hi, lo + 1)].tolist()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pawn.analyze(prob, x, y, S=10, print_to_console=False, seed=0)
    med, mx = _pawn_indices(x, y, 10)
    np.testing.assert_allclose(med, np.nan_to_num(np.asarray(ref["median"], float)),
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(mx, np.nan_to_num(np.asarray(ref["maximum"], float)),
                               rtol=0, atol=1e-15)
    driver = 1 if binary else 2
    assert med[driver] > 0.1 and med[3] < med[driver]  # the driver is found
