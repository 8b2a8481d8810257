"""Stokman & Van Oosten's exchange model (Equal Gain), :mod:`detente.forecast.exchange`.

Published cases: the two datasets shipped with the open-source *decide* exchange model (GPL-3.0
data, read from tests/data/cases/cdm): a Dutch municipal toll case (10 actors × 6 issues) and COP15
Copenhagen (11 × 7). The initial bargaining solution is closed form (tolerance 1e-6: the case
files round to 6 decimals). decide breaks exactly tied gains with unseeded random draws, so its
later rounds differ between runs; the case files record the per-round tolerance (the spread
between decide's runs, at least 1.0) that our deterministic run must stay within.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from detente.forecast import registry
from detente.forecast.exchange import exchange_forecast
from detente.forecast.registry import ForecastResult

CASES = ("decide_exchange_sample_data", "decide_exchange_copenhagen")


def test_registered():
    m = registry.get("exchange")
    assert m.fn is exchange_forecast and m.dynamic


def _load_case(reference_cases, name):
    path = reference_cases / "cdm" / f"{name}.json"
    case = json.loads(path.read_text())
    issues, actors = case["issues"], list(case["actor_issue"])
    lo = np.array([case["issue_bounds"][k][0] for k in issues])
    hi = np.array([case["issue_bounds"][k][1] for k in issues])
    x = np.zeros((1, len(actors), len(issues)))
    s = np.zeros_like(x)
    c = np.zeros((1, len(actors)))
    for a, name_a in enumerate(actors):
        for u, name_u in enumerate(issues):
            v = case["actor_issue"][name_a].get(name_u)
            if v is None:  # actor takes no part in this issue: salience 0
                continue
            x[0, a, u] = (v["position"] - lo[u]) / (hi[u] - lo[u])
            s[0, a, u] = v["salience"]
            (power,) = {w["power"] for w in case["actor_issue"][name_a].values()}
            c[0, a] = power
    return case, issues, c, x, s, lo, hi


@pytest.mark.parametrize("name", CASES)
def test_decide_case_initial_and_rounds(reference_cases, name):
    case, issues, c, x, s, lo, hi = _load_case(reference_cases, name)
    res = exchange_forecast(c, x, s, rounds=9)
    path = lo + (hi - lo) * res.path[0]  # (10, I) on the issues' own scales
    nbs0 = np.array([case["expected"]["nbs_initial"][k] for k in issues])
    np.testing.assert_allclose(path[0], nbs0, atol=case["tolerance"]["nbs_initial_abs"])
    expected = np.array([case["expected"]["mds_start_of_round_1_to_10"][k] for k in issues]).T
    tol = np.array(case["tolerance"]["round_k_abs"])
    err = np.abs(path - expected).max(axis=1)
    assert np.all(err[1:] <= tol[1:]), f"max abs error per round {err.round(3)}; allowed {tol}"
    again = exchange_forecast(c, x, s, rounds=9)
    np.testing.assert_array_equal(again.path, res.path)
    assert again.trail == res.trail


def test_decide_sample_first_exchange_gains(reference_cases):
    """decide's own unit test: first two exchanges' gains on its 0–100 scale."""
    case, _, c, x, s, _, _ = _load_case(reference_cases, "decide_exchange_sample_data")
    res = exchange_forecast(c, x, s, rounds=1)
    ref = case["expected"]["repo_test_first_exchange_gain"]
    assert 100 * res.trail[0]["gain"] == pytest.approx(ref["value"], abs=1e-9)
    assert 100 * res.trail[1]["gain"] == pytest.approx(ref["second_exchange_gain"], abs=1e-9)


# --------------------------------------------------------------------------- analytic unit tests
def _two_by_two():
    c = np.ones((1, 2))
    x = np.array([[[0.0, 1.0], [1.0, 0.0]]])  # opposite positions on both issues
    s = np.array([[[0.9, 0.3], [0.3, 0.9]]])  # actor 0 cares about issue 0, actor 1 about issue 1
    return c, x, s


def test_mirrored_pair_trades_with_equal_gains():
    c, x, s = _two_by_two()
    res = exchange_forecast(c, x, s, rounds=1)
    assert len(res.trail) == 1
    t = res.trail[0]
    # actor 1 cares more about issue 1: gives on issue 0 (moves fully to actor 0's 0.0), and
    # actor 0 gives on issue 1 just enough for equal gains — by symmetry, also all the way
    assert (t["actor"], t["partner"], t["issue_gets"], t["issue_gives"]) == (0, 1, 0, 1)
    assert t["partner_moves_to"] == pytest.approx(0.0)
    assert t["moves_to"] == pytest.approx(0.0)
    # NBS 0.25 on both issues; both shifts are 0.25 (to 0); gains 0.25·0.9 − 0.25·0.3 = 0.15
    np.testing.assert_allclose(res.path[0, 0], [0.25, 0.25])
    assert t["gain"] == pytest.approx(0.15)
    # restart: x + (0.1 + 0.4·(1 − s)) (y − x) with s = 0.3 → 0.38 of the way
    f = 0.1 + 0.4 * 0.7
    np.testing.assert_allclose(res.path[0, 1], [0.25 * (1 - f)] * 2)


def test_equal_gain_when_partner_cannot_move_all_the_way():
    c = np.ones((1, 2))
    x = np.array([[[0.0, 1.0], [1.0, 0.6]]])
    s = np.array([[[0.9, 0.3], [0.4, 0.8]]])
    res = exchange_forecast(c, x, s, rounds=1, nbs_cap=False)
    (t,) = res.trail
    w = np.array([[0.9 / 1.3, 0.3 / 1.1], [0.4 / 1.3, 0.8 / 1.1]])  # c s / Σ c s
    dp = (1.0 - t["partner_moves_to"]) * w[1, 0]  # NBS shift on issue 0 (actor 1 moves)
    dq = (1.0 - t["moves_to"]) * w[0, 1]  # NBS shift on issue 1 (actor 0 moves)
    gain_0 = dp * 0.9 - dq * 0.3
    gain_1 = dq * 0.8 - dp * 0.4
    assert gain_0 == pytest.approx(gain_1) == pytest.approx(t["gain"])
    # one of them moves all the way to the partner's position
    assert min(abs(t["partner_moves_to"] - 0.0), abs(t["moves_to"] - 0.6)) < 1e-12


def test_no_trade_when_same_side_or_same_relative_salience():
    c = np.ones((1, 2))
    x = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    same = exchange_forecast(c, x, np.full((1, 2, 2), 0.5), rounds=2)
    assert same.trail == () and np.allclose(same.path, 0.5)
    x_same_side = np.array([[[0.0, 1.0], [1.0, 1.0]]])  # opposite sides on issue 0 only
    res = exchange_forecast(c, x_same_side, np.array([[[0.9, 0.3], [0.3, 0.9]]]), rounds=1)
    assert res.trail == ()


# --------------------------------------------------------------------------- contract tests
def _random_inputs(n, seed=3, actors=6, issues=4):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.1, 1.0, (n, actors))
    x = rng.uniform(0.0, 1.0, (n, actors, issues))
    s = rng.uniform(0.05, 1.0, (n, actors, issues))
    return c, x, s


def test_shapes_and_record():
    c, x, s = _random_inputs(5)
    res = exchange_forecast(c, x, s, rounds=4)
    assert isinstance(res, ForecastResult) and res.model == "exchange"
    assert res.outcome.shape == (5, 4) and res.path.shape == (5, 5, 4)
    np.testing.assert_array_equal(res.outcome, res.path[:, -1])
    assert res.params.rounds == 4 and res.params.nbs_cap and res.params.move_budget == 1.0
    np.testing.assert_allclose(res.path[:, 0], (c[:, :, None] * s * x).sum(1)
                               / (c[:, :, None] * s).sum(1))
    assert np.all((res.path >= 0) & (res.path <= 1))
    for t in res.trail:
        assert {"round", "actor", "partner", "issue_gives", "issue_gets", "moves_to",
                "gain"} <= set(t) and t["gain"] > 0


def test_deterministic():
    c, x, s = _random_inputs(20)
    a, b = exchange_forecast(c, x, s), exchange_forecast(c, x, s)
    np.testing.assert_array_equal(a.path, b.path)
    assert a.trail == b.trail


def test_n1_equals_slice_of_n100():
    c, x, s = _random_inputs(100)
    full = exchange_forecast(c, x, s, rounds=5)
    for k in (0, 37, 99):
        one = exchange_forecast(c[k:k + 1], x[k:k + 1], s[k:k + 1], rounds=5)
        np.testing.assert_array_equal(one.path[0], full.path[k])
    assert exchange_forecast(c[:1], x[:1], s[:1], rounds=5).trail == full.trail


def test_pickle_round_trip():
    c, x, s = _random_inputs(3)
    res = exchange_forecast(c, x, s, rounds=3)
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.path, res.path)
    assert back.to_dict() == res.to_dict()
    assert pickle.loads(pickle.dumps(exchange_forecast)) is exchange_forecast


def test_rounds_zero_is_the_compromise():
    c, x, s = _random_inputs(4)
    res = exchange_forecast(c, x, s, rounds=0)
    assert res.path.shape == (4, 1, 4) and res.trail == ()
    with pytest.raises(ValueError):
        exchange_forecast(c, x, s, rounds=-1)


# --------------------------------------------------------------------------- batch independence
def _same_result(part, whole, lo, hi):
    np.testing.assert_array_equal(part.path, whole.path[lo:hi])
    np.testing.assert_array_equal(part.outcome, whole.outcome[lo:hi])


def test_flagship_chunk_is_its_slice_of_a_larger_run():
    """A batch of draws gives exactly its slice of a larger run (the process-pool backend and the
    internal chunking rely on it)."""
    from detente.scenario.draws import sample
    from detente.scenario.load import load_scenario

    from .conftest import SCENARIOS

    d = sample(load_scenario(SCENARIOS / "ukraine-2025-02.yaml"), 300, 1)
    whole = exchange_forecast(d.capability, d.position, d.salience)
    part = d[100:200]
    _same_result(exchange_forecast(part.capability, part.position, part.salience), whole,
                 100, 200)
    head = d[0:100]
    assert exchange_forecast(head.capability, head.position, head.salience).trail == whole.trail


@pytest.mark.parametrize("actors, issues", [(6, 4), (7, 5)])  # 48 and 70 trigger bits
def test_small_internal_chunks_change_nothing(monkeypatch, actors, issues):
    from detente.forecast import exchange

    c, x, s = _random_inputs(80, seed=8, actors=actors, issues=issues)
    s[:, 0, 1] = 0.0                        # an actor without salience on an issue
    x = np.round(x * 4) / 4                 # tied positions and gains
    whole = exchange_forecast(c, x, s, rounds=4)
    monkeypatch.setattr(exchange, "_CHUNK_CELLS", 1_000)  # a few draws per chunk
    _same_result(exchange_forecast(c, x, s, rounds=4), whole, 0, 80)
    _same_result(exchange_forecast(c[37:61], x[37:61], s[37:61], rounds=4), whole, 37, 61)
