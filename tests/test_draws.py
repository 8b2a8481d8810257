"""Scenario → draws: point values, sampling, the randomness policy (STYLE.md §3, §5)."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from scipy import stats

from detente import analyze, load_scenario, loads_scenario, point_draws, sample
from detente.forecast import registry
from detente.scenario.draws import BLOCK

from .conftest import SCENARIOS

TEXT = textwrap.dedent("""\
    detente: 1
    id: draws
    title: Sampling test
    as_of: 2025-01-01
    actors:
      - {id: a, name: A, capability: 2}
      - {id: b, name: B, capability: 1}
      - {id: c, name: C, capability: 1}
    issues:
      - {id: wide, name: Wide, scale: [-1000, 1000], status_quo: 0}
      - {id: pct, name: Percent, scale: [0, 100], status_quo: 50}
      - {id: other, name: Other, scale: [0, 10], status_quo: 5}
    stances:
      a:
        wide: {position: 10, salience: 0.5}
        pct: {position: 95, salience: 0.9}
        other: {position: 1, salience: 0.4}
      b:
        wide: {position: 30, salience: 0.5}
        pct: {position: 50, salience: 0.5}
        other: {position: 9, salience: 0.2}
      c:
        wide: {position: -20, salience: 0.3}
        pct: {position: 5, salience: 0.95}
    no_deal:
      a: {cost: 0.1, drift: 0.01}
      b: {expects: {pct: 60}}
    uncertainty:
      stances.a.wide.position: normal(10, 2)
      stances.b.wide.position: uniform(20, 60)
      stances.c.wide.position: triangular(-40, -30, 40)
      stances.a.other.salience: beta(2, 5)
      issues.wide.status_quo: beta(2, 3, 10, 30)
      stances.a.pct.position: normal(95, 10)          # truncated at 100
      stances.c.pct.position: uniform(0, 20)
      stances.a.pct.salience: normal(0.9, 0.3)        # truncated at 1
      stances.c.pct.salience: truncnormal(0.9, 0.2, 0.5, 1)
      actors.a.capability: lognormal(0, 0.5)
      no_deal.a.cost: choice([0, 0.1, 0.3], [0.2, 0.3, 0.5])
      no_deal.a.drift: normal(0.01, 0)
      no_deal.b.expects.pct: uniform(40, 80)
    """)

ARRAYS = ("capability", "position", "salience", "status_quo", "expects", "cost", "drift", "value")


@pytest.fixture(scope="module")
def scenario():
    return loads_scenario(TEXT, file="draws.yaml")


@pytest.fixture(scope="module")
def big(scenario):
    return sample(scenario, 20_000, seed=2024)


def _user(d, name: str, actor: str | None, issue: str) -> np.ndarray:
    """One sampled parameter, back on its issue's own scale."""
    j = d.issues.index(issue)
    lo, hi = d.scale_lo[j], d.scale_hi[j]
    if name == "status_quo":
        x = d.status_quo[:, j]
    else:
        x = getattr(d, name)[:, d.actors.index(actor), j]
    return lo + x * (hi - lo) if name in ("position", "status_quo", "expects") else x


# --------------------------------------------------------------------------- point draws
def test_point_draws_shapes_and_values(scenario):
    d = point_draws(scenario)
    A, I = 3, 3
    assert d.n == 1
    assert d.capability.shape == (1, A)
    for name in ("position", "salience", "expects"):
        assert getattr(d, name).shape == (1, A, I)
    assert d.status_quo.shape == (1, I)
    for name in ("cost", "drift", "value"):
        assert getattr(d, name).shape == (1, A)
    assert d.has_stance.shape == (A, I)
    assert d.has_stance.tolist() == [[True] * 3, [True] * 3, [True, True, False]]
    # positions normalised to [0, 1]; a missing stance sits at the status quo with salience 0
    assert d.position[0, 0, 1] == pytest.approx(0.95)
    assert d.position[0, 0, 0] == pytest.approx(1010 / 2000)
    assert d.position[0, 2, 2] == pytest.approx(0.5) and d.salience[0, 2, 2] == 0.0
    assert d.expects[0, 1, 1] == pytest.approx(0.6) and d.expects[0, 0, 1] == pytest.approx(0.5)
    assert np.isnan(d.value).all()
    np.testing.assert_allclose(d.cost, [[0.1, 0.0, 0.0]])


def test_point_draws_repeated(scenario):
    one, many = point_draws(scenario), point_draws(scenario, n=5)
    assert many.n == 5
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(many, name), np.repeat(getattr(one, name), 5, 0))


def test_point_draws_slice_keeps_the_draw_axis(scenario):
    d = sample(scenario, 10, seed=1)
    s = d[3:4]
    assert s.n == 1
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(s, name), getattr(d, name)[3:4])
    with pytest.raises(TypeError, match="index Draws with a slice"):
        d[3]


def test_to_user_round_trip(scenario):
    d = point_draws(scenario)
    np.testing.assert_allclose(d.to_user(d.status_quo), [[0.0, 50.0, 5.0]])


# --------------------------------------------------------------------------- randomness policy
def test_same_seed_identical_arrays(scenario):
    a, b = sample(scenario, 500, seed=42), sample(scenario, 500, seed=42)
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.seed_entropy == b.seed_entropy == 42


def test_seed_zero_is_a_seed(scenario):
    z1, z2, one = (sample(scenario, 200, seed=s) for s in (0, 0, 1))
    np.testing.assert_array_equal(z1.position, z2.position)
    assert z1.seed_entropy == 0
    assert not np.array_equal(z1.position, one.position)


def test_seed_sequence_and_generator_accepted(scenario):
    ss = np.random.SeedSequence(7)
    np.testing.assert_array_equal(sample(scenario, 50, seed=ss).position,
                                  sample(scenario, 50, seed=7).position)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(sample(scenario, 50, seed=g1).position,
                                  sample(scenario, 50, seed=g2).position)


def test_global_random_state_untouched(scenario):
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    sample(scenario, 100, seed=5)
    np.testing.assert_array_equal(np.random.random(3), expected)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_seeds_rejected(scenario, bad):
    with pytest.raises((TypeError, ValueError)):
        sample(scenario, 10, seed=bad)


def test_n_must_be_positive(scenario):
    with pytest.raises(ValueError, match="n must be at least 1"):
        sample(scenario, 0, seed=1)


def test_draw_k_is_the_same_whatever_n(scenario):
    """Block streams: draw k comes from block k // BLOCK, so n does not change it."""
    small, mid, large = (sample(scenario, n, seed=9) for n in (10, BLOCK + 7, 3000))
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(small, name), getattr(large, name)[:10])
        np.testing.assert_array_equal(getattr(mid, name), getattr(large, name)[:BLOCK + 7])


def test_draws_vary(scenario):
    d = sample(scenario, 100, seed=1)
    assert np.unique(d.position[:, 0, 0]).size == 100
    assert np.all(d.drift[:, 0] == pytest.approx(0.01))  # sd 0: a constant


# --------------------------------------------------------------------------- ranges
def test_samples_stay_within_the_parameters_range(big):
    """Regression: bounds were ignored (model_dump tuples) and salience reached 2.2."""
    assert np.all((big.salience >= 0) & (big.salience <= 1))
    assert np.all((big.position >= 0) & (big.position <= 1))
    assert np.all((big.expects >= 0) & (big.expects <= 1))
    assert np.all((big.status_quo >= 0) & (big.status_quo <= 1))
    assert np.all(big.capability > 0)
    pct = _user(big, "position", "a", "pct")
    assert pct.max() <= 100 and (pct == 100).sum() == 0  # truncated, not clipped to a point mass
    sal = big.salience[:, 0, 1]
    assert sal.max() <= 1 and sal.min() >= 0
    tn = big.salience[:, 2, 1]
    assert tn.min() >= 0.5 and tn.max() <= 1.0


def test_truncated_normal_has_the_truncated_mean(big):
    x = _user(big, "position", "a", "pct")  # normal(95, 10) truncated to [0, 100]
    ref = stats.truncnorm((0 - 95) / 10, (100 - 95) / 10, loc=95, scale=10)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(x.size)


# --------------------------------------------------------------------------- moments
MOMENTS = [
    ("normal(10, 2)", ("position", "a", "wide"), stats.norm(10, 2)),
    ("uniform(20, 60)", ("position", "b", "wide"), stats.uniform(20, 40)),
    ("triangular(-40, -30, 40)", ("position", "c", "wide"),
     stats.triang(10 / 80, loc=-40, scale=80)),
    ("beta(2, 5)", ("salience", "a", "other"), stats.beta(2, 5)),
    ("beta(2, 3, 10, 30)", ("status_quo", None, "wide"), stats.beta(2, 3, loc=10, scale=20)),
    ("uniform(40, 80) on expects", ("expects", "b", "pct"), stats.uniform(40, 40)),
]


@pytest.mark.parametrize("label,where,ref", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_moments(big, label, where, ref):
    x = _user(big, *where)
    n = x.size
    mean, var, _, kurt = (float(v) for v in ref.stats(moments="mvsk"))
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n), label
    # sd of the sample variance ≈ σ² √((κ_excess + 2) / n)
    assert abs(x.var(ddof=1) - var) < 5 * var * math.sqrt((kurt + 2) / n), label
    assert x.min() >= ref.support()[0] - 1e-9 and x.max() <= ref.support()[1] + 1e-9


def test_lognormal_capability(big):
    x = big.capability[:, 0]
    ref = stats.lognorm(0.5, scale=1.0)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(x.size)


def test_choice_frequencies(big):
    x = big.cost[:, 0]
    n = x.size
    assert set(np.unique(x)) == {0.0, 0.1, 0.3}
    for v, p in [(0.0, 0.2), (0.1, 0.3), (0.3, 0.5)]:
        assert abs((x == v).mean() - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_parameters_without_uncertainty_stay_fixed(big):
    assert np.all(big.capability[:, 1] == 1.0)
    assert np.all(big.salience[:, 1, 1] == 0.5)
    np.testing.assert_allclose(big.position[:, 1, 1], 0.5)


# --------------------------------------------------------------------------- the pipeline
def test_analyze_batch_shapes_and_determinism(scenario):
    a = analyze(scenario, draws=1000, seed=3)
    b = analyze(scenario, draws=1000, seed=3)
    A, I = 3, 3
    assert a.draws == 1000 and a.seed == 3 and a.inputs.n == 1000
    assert set(a.models) == set(registry.names())
    for m in a.models:
        assert a.forecasts[m].outcome.shape == (1000, I)
        assert a.forecast_user(m).shape == (1000, I)
        np.testing.assert_array_equal(a.forecasts[m].outcome, b.forecasts[m].outcome)
    assert a.no_deal.shape == (1000, A) and a.status_quo_utility.shape == (1000, A)
    np.testing.assert_array_equal(a.no_deal, b.no_deal)
    np.testing.assert_array_equal(a.status_quo_utility, b.status_quo_utility)
    assert a.fingerprint == b.fingerprint


def test_analyze_batch_uses_the_sampled_draws(scenario):
    a = analyze(scenario, draws=1000, seed=3)
    d = sample(scenario, 1000, seed=3)
    for m in a.models:
        expected = registry.get(m).fn(d.capability, d.position, d.salience).outcome
        np.testing.assert_array_equal(a.forecasts[m].outcome, expected)
    # row k of the batch is what the model gives for draw k alone
    k = 637
    for m in a.models:
        alone = registry.get(m).fn(d.capability[k:k + 1], d.position[k:k + 1],
                                   d.salience[k:k + 1]).outcome
        np.testing.assert_array_equal(a.forecasts[m].outcome[k], alone[0])


def test_analyze_point_estimate():
    s = load_scenario(SCENARIOS / "ec-emissions-1994.yaml")
    a = analyze(s)
    assert a.draws == 1 and a.seed is None
    assert a.forecasts["compromise"].outcome.shape == (1, 1)


@pytest.mark.parametrize("start, n", [(0, 10), (5, 20), (1020, 10), (1024, 1), (2000, 3000)])
def test_a_chunk_equals_its_slice_of_a_longer_run(start, n):
    s = load_scenario(SCENARIOS / "ukraine-2025-02.yaml")
    full = sample(s, 5100, seed=9)
    part = sample(s, n, seed=9, start=start)
    np.testing.assert_array_equal(part.position, full.position[start:start + n])
    np.testing.assert_array_equal(part.salience, full.salience[start:start + n])
    np.testing.assert_array_equal(part.uncertain_values, full.uncertain_values[start:start + n])
