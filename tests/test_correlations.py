"""Rank correlation between uncertain inputs (Gaussian copula)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from detente import loads_scenario, sample
from detente.errors import ScenarioError
from detente.scenario.copula import correlate, pearson_of_rank

EC = (Path(__file__).resolve().parents[1] / "scenarios" / "ec-emissions-1994.yaml").read_text(
    encoding="utf-8")
UNC = """
uncertainty:
  stances.UK.emission_standard_date.position: triangular(6, 9, 10)
  stances.DK.emission_standard_date.position: uniform(4, 6)
  actors.DE.capability: lognormal(2.3, 0.2)
  actors.FR.capability: choice([5, 10, 20])
"""
UK, DK, DE = ("stances.UK.emission_standard_date.position",
              "stances.DK.emission_standard_date.position", "actors.DE.capability")


def _scenario(corr: str):
    return loads_scenario(EC + UNC + "correlations:\n" + corr)


def _col(d, path):
    return d.uncertain_values[:, d.uncertain_paths.index(path)]


def test_requested_rank_correlations_are_met_and_marginals_kept():
    s = _scenario(f"""  - {{between: [{UK}, {DE}], rank: 0.6}}
  - {{between: [{DK}, {DE}], rank: -0.3}}
""")
    plain = sample(loads_scenario(EC + UNC), 40_000, seed=2)
    d = sample(s, 40_000, seed=2)
    rho = spearmanr(np.c_[_col(d, UK), _col(d, DE), _col(d, DK)]).statistic
    # sampling error of Spearman's rho at n = 40,000 is about 0.005
    assert rho[0, 1] == pytest.approx(0.6, abs=0.02)
    assert rho[2, 1] == pytest.approx(-0.3, abs=0.02)
    assert rho[0, 2] == pytest.approx(0.0, abs=0.03)  # not asked for: only what the copula implies
    # each marginal is unchanged: same quantiles as without correlations
    for p in (UK, DK, DE):
        np.testing.assert_allclose(np.percentile(_col(d, p), [5, 50, 95]),
                                   np.percentile(_col(plain, p), [5, 50, 95]), rtol=0.02)
    # the alphabetically first correlated parameter keeps its own draws exactly
    np.testing.assert_array_equal(_col(d, DE), _col(plain, DE))


def test_correlated_draws_are_chunk_invariant():
    s = _scenario(f"  - {{between: [{UK}, {DE}], rank: 0.8}}\n")
    whole = sample(s, 5000, seed=9)
    part = sample(s, 1500, seed=9, start=2500)
    np.testing.assert_array_equal(part.uncertain_values, whole.uncertain_values[2500:4000])
    np.testing.assert_array_equal(part.position, whole.position[2500:4000])


def test_pearson_of_rank_inverts_the_bivariate_normal_relation():
    # Spearman's rho of a bivariate normal with correlation r is (6/π) asin(r/2)
    for rs in (-0.9, -0.3, 0.0, 0.5, 0.95):
        r = pearson_of_rank(rs)
        assert 6 / np.pi * np.arcsin(r / 2) == pytest.approx(rs, abs=1e-12)


@pytest.mark.parametrize(
    "corr, where, message",
    [
        (f"  - {{between: [{UK}, actors.NL.capability], rank: 0.5}}\n",
         "correlations[0].between[1]", "'actors.NL.capability' is not an uncertain parameter"),
        (f"  - {{between: [{UK}, {UK}], rank: 0.5}}\n",
         "correlations[0].between", "cannot be correlated with itself"),
        (f"  - {{between: [{UK}, {DE}], rank: 0.5}}\n  - {{between: [{DE}, {UK}], rank: 0.2}}\n",
         "correlations[1].between", "already correlated (correlations[0])"),
        (f"  - {{between: [{UK}, {DE}], rank: 1}}\n", "correlations[0].rank", "less than 1"),
        (f"  - {{between: [{UK}, {DE}], rank: 0.9}}\n  - {{between: [{DK}, {DE}], rank: 0.9}}\n"
         f"  - {{between: [{UK}, {DK}], rank: -0.9}}\n",
         "correlations", "cannot hold together"),
    ],
)
def test_bad_correlations_are_located_and_explained(corr, where, message):
    with pytest.raises(ScenarioError) as e:
        _scenario(corr)
    text = str(e.value)
    assert f": {where}: " in text and message in text, text


def test_a_one_draw_chunk_of_a_correlated_run_equals_its_slice():
    """The copula's mixing must not go through a BLAS matrix product, which rounds
    differently for one row (gemv) than for many (gemm): draw k must not depend on the chunk."""
    s = _scenario(f"""  - {{between: [{UK}, {DE}], rank: 0.6}}
  - {{between: [{DK}, {DE}], rank: -0.3}}
  - {{between: [actors.FR.capability, {UK}], rank: 0.4}}
""")
    whole = sample(s, 3000, seed=9)
    for start, n in [*((k, 1) for k in range(0, 3000, 97)), (1023, 2), (2048, 13)]:
        part = sample(s, n, seed=9, start=start)
        np.testing.assert_array_equal(part.uncertain_values,
                                      whole.uncertain_values[start:start + n])
        np.testing.assert_array_equal(part.capability, whole.capability[start:start + n])
    # the same at the copula itself, row by row
    rng = np.random.default_rng(1)
    pairs = [("a", "b", 0.3), ("b", "c", -0.2)]
    u = {p: rng.random(2000) for p in "abc"}
    mixed = dict(u)
    correlate(mixed, pairs)
    for k in range(0, 2000, 7):
        row = {p: u[p][k:k + 1].copy() for p in "abc"}
        correlate(row, pairs)
        assert all(row[p][0] == mixed[p][k] for p in "abc"), k
