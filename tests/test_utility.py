"""Utilities and no-deal values (DESIGN.md, "Utility and no-deal value").

    U_i(x) = Σ_j w_ij · (1 − |x_j − p_ij|),  w_ij = s_ij / Σ_k s_ik
    d_i(t) = U_i(q_i) − cost_i − drift_i · t   (an explicit value replaces U_i(q_i) − cost_i)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from detente.scenario.draws import Draws, point_draws
from detente.scenario.load import load_scenario
from detente.utility import no_deal_values, utility, utility_weights

from .conftest import SCENARIOS

SETTINGS = settings(max_examples=60, deadline=None)
unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
# saliences: 0 or a realistic magnitude (subnormal saliences vanish when scaled, as floats do)
salience = st.one_of(st.just(0.0), st.floats(1e-6, 1.0))


@st.composite
def problems(draw, *, k: int | None = None, positive: bool = False):
    """(x (N, K, I), position (N, A, I), salience (N, A, I)) in normalised units."""
    n = draw(st.integers(1, 3))
    a = draw(st.integers(1, 4))
    i = draw(st.integers(1, 4))
    kk = k if k is not None else draw(st.integers(1, 3))
    x = draw(arrays(float, (n, kk, i), elements=unit))
    pos = draw(arrays(float, (n, a, i), elements=unit))
    sal = draw(arrays(float, (n, a, i), elements=salience))
    if positive:  # every actor cares about something
        sal[..., 0] = np.maximum(sal[..., 0], 0.1)
    return x, pos, sal


def U(x, pos, sal):
    return utility(x, pos, utility_weights(sal))


# --------------------------------------------------------------------------- weights
def test_weights_sum_to_one_or_zero():
    s = np.array([[[0.2, 0.6, 0.2], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
    w = utility_weights(s)
    np.testing.assert_allclose(w.sum(axis=-1), [[1.0, 0.0, 1.0]])
    np.testing.assert_allclose(w[0, 0], [0.2, 0.6, 0.2])


def test_hand_computed_utility():
    # one actor, two issues, weights 0.25 / 0.75, ideal (0.2, 0.9); package (0.6, 0.5)
    pos = np.array([[[0.2, 0.9]]])
    sal = np.array([[[0.2, 0.6]]])
    got = U(np.array([[0.6, 0.5]]), pos, sal)
    assert got.shape == (1, 1)
    assert got[0, 0] == pytest.approx(0.25 * (1 - 0.4) + 0.75 * (1 - 0.4))


def test_shapes_single_and_many_packages():
    x, pos, sal = np.zeros((2, 3, 4)), np.zeros((2, 5, 4)), np.ones((2, 5, 4))
    assert U(x, pos, sal).shape == (2, 5, 3)
    assert U(x[:, 0], pos, sal).shape == (2, 5)


@SETTINGS
@given(problems())
def test_single_package_equals_first_of_many(p):
    x, pos, sal = p
    np.testing.assert_array_equal(U(x[:, 0, :], pos, sal), U(x, pos, sal)[:, :, 0])


# --------------------------------------------------------------------------- properties
@SETTINGS
@given(problems())
def test_utility_in_unit_interval(p):
    u = U(*p)
    assert np.all(np.isfinite(u))
    assert np.all((u >= -1e-12) & (u <= 1 + 1e-12))


@SETTINGS
@given(problems(k=1, positive=True))
def test_ideal_point_is_maximal(p):
    x, pos, sal = p
    w = utility_weights(sal)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0)
    n, a, _ = pos.shape
    for i in range(a):  # each actor's own ideal point gives it utility 1, the maximum
        u_ideal = utility(pos[:, i, :], pos, w)[:, i]
        np.testing.assert_allclose(u_ideal, 1.0, rtol=0, atol=1e-12)
        assert np.all(utility(x, pos, w)[:, i, :] <= u_ideal[:, None] + 1e-12)


@SETTINGS
@given(problems(k=2), unit)
def test_concave_along_segments(p, lam):
    x, pos, sal = p
    a, b = x[:, 0, :], x[:, 1, :]
    mid = lam * a + (1 - lam) * b
    lhs = U(mid, pos, sal)
    rhs = lam * U(a, pos, sal) + (1 - lam) * U(b, pos, sal)
    assert np.all(lhs >= rhs - 1e-12)


@SETTINGS
@given(problems(k=1, positive=True), st.data())
def test_monotone_decrease_away_from_ideal(p, data):
    _, pos, sal = p
    w = utility_weights(sal)
    n, a, m = pos.shape
    i = data.draw(st.integers(0, a - 1), label="actor")
    j = int(np.argmax(w[0, i]))  # an issue with positive weight for actor i (draw 0)
    ideal = pos[:, i, :].copy()
    direction = 1.0 if ideal[0, j] <= 0.5 else -1.0  # move towards the far end of [0, 1]
    room = (1.0 - ideal[0, j]) if direction > 0 else ideal[0, j]
    d1, d2 = sorted(data.draw(st.tuples(unit, unit), label="steps"))
    d1, d2 = d1 * room, d2 * room
    near, far = ideal.copy(), ideal.copy()
    near[0, j] += direction * d1
    far[0, j] += direction * d2
    u_near, u_far = utility(near, pos, w)[0, i], utility(far, pos, w)[0, i]
    assert u_near >= u_far
    assert u_near - u_far == pytest.approx(w[0, i, j] * (d2 - d1), abs=1e-12)
    if d2 - d1 > 1e-9:
        assert u_near > u_far


@SETTINGS
@given(problems(), st.floats(1e-3, 1e3), st.data())
def test_invariant_to_scaling_an_actors_saliences(p, c, data):
    x, pos, sal = p
    i = data.draw(st.integers(0, pos.shape[1] - 1), label="actor")
    scaled = sal.copy()
    scaled[:, i, :] *= c
    np.testing.assert_allclose(U(x, pos, scaled), U(x, pos, sal), rtol=1e-12, atol=1e-12)


def test_actor_with_no_salience_has_zero_utility_without_nan():
    pos = np.array([[[0.3, 0.4], [0.9, 0.1]]])
    sal = np.array([[[0.0, 0.0], [0.5, 0.5]]])
    with np.errstate(all="raise"):
        w = utility_weights(sal)
        u = U(np.array([[[0.3, 0.4], [0.0, 1.0]]]), pos, sal)
    np.testing.assert_array_equal(w[0, 0], [0.0, 0.0])
    np.testing.assert_array_equal(u[0, 0], [0.0, 0.0])
    assert not np.isnan(u).any()


# --------------------------------------------------------------------------- no-deal values
def make_draws(pos, sal, expects, cost, drift, value, sq=None) -> Draws:
    n, a, i = pos.shape
    return Draws(
        actors=tuple(f"a{k}" for k in range(a)), issues=tuple(f"i{k}" for k in range(i)),
        capability=np.ones((n, a)), position=pos, salience=sal,
        status_quo=np.zeros((n, i)) if sq is None else sq, expects=expects,
        cost=cost, drift=drift, value=value, has_stance=np.ones((a, i), dtype=bool),
        scale_lo=np.zeros(i), scale_hi=np.ones(i),
    )


@st.composite
def no_deal_inputs(draw):
    _, pos, sal = draw(problems(k=1))
    n, a, i = pos.shape
    money = st.floats(-1.0, 1.0, allow_nan=False)
    expects = draw(arrays(float, (n, a, i), elements=unit))
    cost = draw(arrays(float, (n, a), elements=money))
    drift = draw(arrays(float, (n, a), elements=money))
    value = draw(arrays(float, (n, a), elements=st.one_of(st.just(np.nan), money)))
    return make_draws(pos, sal, expects, cost, drift, value)


@SETTINGS
@given(no_deal_inputs(), st.floats(0.0, 120.0))
def test_no_deal_value_definition(d, t):
    w = utility_weights(d.salience)
    n, a, _ = d.position.shape
    uq = np.stack([utility(d.expects[:, i, :], d.position, w)[:, i] for i in range(a)], axis=1)
    expected = np.where(np.isnan(d.value), uq - d.cost, d.value) - d.drift * t
    got = no_deal_values(d, t)
    assert got.shape == (n, a)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@SETTINGS
@given(no_deal_inputs(), st.lists(st.floats(0.0, 60.0), min_size=1, max_size=5))
def test_no_deal_values_over_months(d, months):
    t = np.array(months)
    got = no_deal_values(d, t)
    assert got.shape == (d.n, len(d.actors), len(t))
    for k, m in enumerate(months):
        np.testing.assert_allclose(got[..., k], no_deal_values(d, m), rtol=0, atol=1e-12)


def test_no_deal_value_override_replaces_utility_minus_cost_but_keeps_drift():
    pos = np.array([[[0.2], [0.8]]])
    sal = np.ones((1, 2, 1))
    d = make_draws(pos, sal, expects=np.array([[[0.5], [0.5]]]), cost=np.array([[0.1, 0.1]]),
                   drift=np.array([[0.01, 0.02]]), value=np.array([[np.nan, 0.4]]))
    np.testing.assert_allclose(no_deal_values(d), [[0.7 - 0.1, 0.4]])
    np.testing.assert_allclose(no_deal_values(d, 10.0), [[0.6 - 0.1, 0.4 - 0.2]])
    np.testing.assert_allclose(no_deal_values(d, np.array([0.0, 10.0])),
                               [[[0.6, 0.5], [0.4, 0.2]]])


def test_no_deal_uses_each_actors_own_expectation():
    pos = np.array([[[0.0], [1.0]]])
    d = make_draws(pos, np.ones((1, 2, 1)), expects=np.array([[[0.9], [0.9]]]),
                   cost=np.zeros((1, 2)), drift=np.zeros((1, 2)), value=np.full((1, 2), np.nan))
    # status quo (0.0) is ignored: each actor values the no-deal state it expects (0.9)
    np.testing.assert_allclose(no_deal_values(d), [[0.1, 0.9]])


def test_no_deal_for_actor_without_salience_is_minus_cost():
    d = make_draws(np.array([[[0.3], [0.7]]]), np.array([[[0.0], [1.0]]]),
                   expects=np.array([[[0.5], [0.5]]]), cost=np.array([[0.2, 0.0]]),
                   drift=np.array([[0.1, 0.0]]), value=np.full((1, 2), np.nan))
    with np.errstate(all="raise"):
        got = no_deal_values(d, 2.0)
    np.testing.assert_allclose(got, [[-0.2 - 0.2, 0.8]])


def test_no_deal_on_the_ec_case_is_status_quo_utility():
    s = load_scenario(SCENARIOS / "ec-emissions-1994.yaml")
    d = point_draws(s)
    uq = utility(d.status_quo, d.position, utility_weights(d.salience))
    np.testing.assert_allclose(no_deal_values(d), uq)  # no costs, no drift, no expectations
    # status quo 10 on [4, 10]: Denmark (4) has utility 0, the UK (10) utility 1
    ids = s.actor_ids()
    assert uq[0, ids.index("DK")] == pytest.approx(0.0)
    assert uq[0, ids.index("UK")] == pytest.approx(1.0)
