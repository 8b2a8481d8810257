"""What bargaining theory guarantees, as Hypothesis properties (STYLE.md §8).

Nash (1950): the solution is individually rational, Pareto-optimal, invariant to positive
affine rescaling of any member's utility (with its no-deal value), and symmetric; weighted
Nash (Kalai 1977) with equal weights is Nash, and raising a member's weight never lowers its
utility. Zone value: lowering every no-deal value by δ raises z by exactly δ. Kalai–
Smorodinsky (1975): individually rational and, for two members, Pareto-optimal; for three or
more only *weakly* in general; detente polishes it (leximin) so that it is Pareto-optimal — see
the three-member test below.

Problems are random tables in normalised units (tests/_bargain.py); each example is one
draw, so all three solver paths are exercised (two members: exact frontier; one issue:
1-D search; otherwise the interior-point solver).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from detente.bargain import core
from detente.bargain.core import ZONE_TOL

from . import _bargain as B

SETTINGS = settings(max_examples=40, deadline=None)
NASH_U_TOL = 1e-5
"""Two solves of the same Nash problem by different routes agree in the objective to ~1e-9,
but in utilities only to ~√ of that where the optimum sits on a kink of the frontier, which
Hypothesis's favourite inputs (0, ½, 1) make common (see tests/test_bargain_core.py)."""
unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
salience = st.one_of(st.just(0.0), st.floats(0.05, 1.0))
# how much each member's no-deal value lies below (> 0) or above (< 0) its status-quo utility
cost = st.floats(-0.1, 0.25, allow_nan=False)


@st.composite
def problems(draw, *, k=None, m=None, zone_margin: float = 1e-4):
    """One draw (N = 1) of a table with a zone of agreement (z > zone_margin)."""
    kk = draw(st.integers(2, 4)) if k is None else k
    mm = draw(st.integers(1, 3)) if m is None else m
    sal = draw(arrays(float, (1, kk, mm), elements=salience))
    sal[..., 0] = np.maximum(sal[..., 0], 0.05)  # every member cares about something
    w = sal / sal.sum(axis=2, keepdims=True)
    p = draw(arrays(float, (1, kk, mm), elements=unit))
    q = draw(arrays(float, (1, mm), elements=unit))
    c = draw(arrays(float, (1, kk), elements=cost))
    d = B.utilities(w, p, q) - c
    free = np.ones((1, mm), bool)
    z, _ = core.zone(w, p, d, q, free)
    assume(z[0] > zone_margin)
    return w, p, d, q, free


def _gains(w, p, d, x):
    return B.utilities(w, p, x) - d


def _not_dominated(w, p, x, free, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = B.probes(rng, x[0], free[0])
    u = B.grid_utilities(w[0], p[0], y)
    u_star = B.utilities(w, p, x)[0]
    return not B.dominating(u_star, u).any()


# --------------------------------------------------------------------------- Nash
@SETTINGS
@given(problems())
def test_nash_is_individually_rational_and_pareto_optimal(prob):
    w, p, d, q, free = prob
    k = w.shape[1]
    x, _ = core.nash(w, p, d, q, free, np.ones((1, k)))
    assert np.isfinite(x).all() and ((0 <= x) & (x <= 1)).all()
    assert (_gains(w, p, d, x) > 0).all()
    assert _not_dominated(w, p, x, free)


@SETTINGS
@given(problems(), st.lists(st.floats(0.1, 5.0), min_size=4, max_size=4))
def test_weighted_nash_is_individually_rational_and_pareto_optimal(prob, alpha):
    w, p, d, q, free = prob
    k = w.shape[1]
    x, _ = core.nash(w, p, d, q, free, np.array([alpha[:k]]))
    assert (_gains(w, p, d, x) > 0).all()
    assert _not_dominated(w, p, x, free)


def _rescaled(w, p, d, q, free, a, b):
    """The same table with member k's utility replaced by a_k·U_k + b_k and its no-deal value
    by a_k·d_k + b_k (a_k > 0, b_k ≥ 0), expressed in the model's own terms.

    Multiplying a member's weights by a_k multiplies its utility by a_k. The shift b_k is
    carried by an extra issue that is fixed (never free) with every member's ideal point at
    its status quo and member k's weight b_k: it adds exactly b_k·(1 − 0) = b_k to U_k at
    every package. So the solvers see genuinely different utility functions (not just an
    algebraically cancelled offset) and must find the same package.
    """
    n, k, _ = w.shape
    w2 = np.concatenate([w * a[None, :, None], b.reshape(1, k, 1)], axis=2)
    p2 = np.concatenate([p, np.full((n, k, 1), 0.5)], axis=2)
    q2 = np.concatenate([q, np.full((n, 1), 0.5)], axis=1)
    free2 = np.concatenate([free, np.zeros((n, 1), bool)], axis=1)
    return w2, p2, d * a + b, q2, free2


@SETTINGS
@given(problems(zone_margin=1e-2), st.lists(st.floats(0.2, 5.0), min_size=4, max_size=4),
       st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4))
def test_nash_invariant_to_affine_rescaling(prob, a, b):
    w, p, d, q, free = prob
    k = w.shape[1]
    a, b = np.array(a[:k]), np.array(b[:k])
    alpha = np.ones((1, k))
    x, _ = core.nash(w, p, d, q, free, alpha)
    w2, p2, d2, q2, free2 = _rescaled(w, p, d, q, free, a, b)
    x2, z2 = core.nash(w2, p2, d2, q2, free2, alpha)
    assert z2[0] > ZONE_TOL
    assert x2[0, -1] == 0.5  # the shift issue stays put …
    u2 = B.utilities(w, p, x2[:, :-1])
    np.testing.assert_allclose(B.utilities(w2, p2, x2), u2 * a + b, atol=1e-12)  # … and adds b
    # the same deal (up to the solvers' accuracy)
    np.testing.assert_allclose(u2, B.utilities(w, p, x), atol=NASH_U_TOL)


def _mirror(prob):
    """A two-member table whose members are mirror images: member 2 has member 1's weights
    and the reflected ideal points 1 − p, and the same no-deal value."""
    w, p, d, q, free = prob
    w2 = np.concatenate([w[:, :1], w[:, :1]], axis=1)
    p2 = np.concatenate([p[:, :1], 1.0 - p[:, :1]], axis=1)
    d2 = np.full((1, 2), d[0, 0])
    return w2, p2, d2, q, free


@SETTINGS
@given(problems(k=2))
def test_nash_is_symmetric(prob):
    w, p, d, q, free = _mirror(prob)
    assume(core.zone(w, p, d, q, free)[0][0] > 1e-4)
    x, _ = core.nash(w, p, d, q, free, np.ones((1, 2)))
    u = B.utilities(w, p, x)[0]
    # to the solvers' documented accuracy (bargain/core.py): equal within 1e-12 on ordinary
    # inputs, but positions 1e-11 apart (found by Hypothesis) leave a 1e-11 asymmetry
    assert u[0] == pytest.approx(u[1], abs=1e-9)
    if w.shape[2] == 1:  # one issue: the midpoint of the two ideal points
        assert x[0, 0] == pytest.approx((p[0, 0, 0] + p[0, 1, 0]) / 2, abs=1e-12)


def test_nash_symmetric_one_issue_is_midpoint():
    w = np.ones((1, 2, 1))
    for c in (0.0, 0.1, 0.37):
        p = np.array([[[c], [1 - c]]])
        for d0 in (0.0, 0.2, 0.4):
            x, _ = core.nash(w, p, np.full((1, 2), d0), np.full((1, 1), 0.5),
                             np.ones((1, 1), bool), np.ones((1, 2)))
            assert x[0, 0] == pytest.approx(0.5, abs=1e-15)


@SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_relabelling_members_relabels_the_solutions(prob, rnd):
    w, p, d, q, free = prob
    k = w.shape[1]
    perm = list(range(k))
    rnd.shuffle(perm)
    assume(perm != list(range(k)))
    wp, pp, dp = w[:, perm], p[:, perm], d[:, perm]
    ones = np.ones((1, k))
    z, _ = core.zone(w, p, d, q, free)
    zp, _ = core.zone(wp, pp, dp, q, free)
    assert zp[0] == pytest.approx(z[0], abs=1e-8)
    x, _ = core.nash(w, p, d, q, free, ones)
    xp, _ = core.nash(wp, pp, dp, q, free, ones)
    np.testing.assert_allclose(B.utilities(wp, pp, xp), B.utilities(w, p, x)[:, perm],
                               atol=NASH_U_TOL)
    xk, a = core.kalai_smorodinsky(w, p, d, q, free)
    xkp, ap = core.kalai_smorodinsky(wp, pp, dp, q, free)
    np.testing.assert_allclose(ap, a[:, perm], atol=1e-8)
    r = ((B.utilities(w, p, xk) - d) / (a - d)).min()
    rp = ((B.utilities(wp, pp, xkp) - dp) / (ap - dp)).min()
    assert rp == pytest.approx(r, abs=1e-8)


@SETTINGS
@given(problems(), st.floats(0.05, 20.0))
def test_equal_weights_are_plain_nash(prob, c):
    w, p, d, q, free = prob
    k = w.shape[1]
    x1, _ = core.nash(w, p, d, q, free, np.ones((1, k)))
    xc, _ = core.nash(w, p, d, q, free, np.full((1, k), c))
    np.testing.assert_allclose(B.utilities(w, p, xc), B.utilities(w, p, x1), atol=NASH_U_TOL)


@SETTINGS
@given(problems(), st.integers(0, 3), st.floats(1.1, 10.0))
def test_raising_a_members_weight_never_lowers_its_utility(prob, who, factor):
    # α' = α except α'_k = α_k + δ. Optimality of x for α and of x' for α' gives
    # Σα log g(x) ≥ Σα log g(x') and Σα' log g(x') ≥ Σα' log g(x); adding: δ log g_k(x') ≥
    # δ log g_k(x).
    w, p, d, q, free = prob
    k = w.shape[1]
    who %= k
    alpha = np.ones((1, k))
    more = alpha.copy()
    more[0, who] *= factor
    x, _ = core.nash(w, p, d, q, free, alpha)
    xm, _ = core.nash(w, p, d, q, free, more)
    assert B.utilities(w, p, xm)[0, who] >= B.utilities(w, p, x)[0, who] - NASH_U_TOL


# --------------------------------------------------------------------------- zone
@SETTINGS
@given(problems(zone_margin=-1.0), st.floats(0.0, 0.5))
def test_lowering_every_no_deal_value_raises_the_zone_value_by_as_much(prob, delta):
    w, p, d, q, free = prob
    z, _ = core.zone(w, p, d, q, free)
    z2, _ = core.zone(w, p, d - delta, q, free)
    assert z2[0] == pytest.approx(z[0] + delta, abs=1e-8)
    # and lowering only some of them never lowers it
    d3 = d.copy()
    d3[0, 0] -= delta
    assert core.zone(w, p, d3, q, free)[0][0] >= z[0] - 1e-8


@SETTINGS
@given(problems(zone_margin=-1.0))
def test_zone_value_is_the_best_smallest_gain(prob):
    # z is attained by the returned package and no probe package does better
    w, p, d, q, free = prob
    z, x = core.zone(w, p, d, q, free)
    assert _gains(w, p, d, x).min() == pytest.approx(z[0], abs=1e-9)
    y = B.probes(np.random.default_rng(1), x[0], free[0], count=2000)
    g = B.grid_utilities(w[0], p[0], y) - d[0]
    assert g.min(axis=1).max() <= z[0] + 1e-9


# --------------------------------------------------------------------------- KS and ideals
@SETTINGS
@given(problems())
def test_kalai_smorodinsky_is_rational_and_weakly_pareto(prob):
    w, p, d, q, free = prob
    k = w.shape[1]
    x, a = core.kalai_smorodinsky(w, p, d, q, free)
    g = _gains(w, p, d, x)[0]
    assert (g > 0).all()
    xn, _ = core.nash(w, p, d, q, free, np.ones((1, k)))
    # ideal points bound every acceptable utility, the Nash deal's included
    assert (B.utilities(w, p, xn)[0] <= a[0] + 1e-8).all()
    assert (B.utilities(w, p, x)[0] <= a[0] + 1e-8).all()
    # no package improves every member
    y = B.probes(np.random.default_rng(2), x[0], free[0])
    u = B.grid_utilities(w[0], p[0], y)
    assert not ((u - B.utilities(w, p, x)[0]) > 1e-7).all(axis=1).any()
    if k == 2:  # on the two-member frontier: Pareto-optimal outright
        assert _not_dominated(w, p, x, free)


def test_kalai_smorodinsky_three_members_is_pareto_optimal():
    # A and B split issue 1 (ideals 0 and 1); C cares only about issue 2 (ideal 1), which A
    # and B do not care about. Moving issue 2 to 1 helps C and costs nobody anything.
    w = np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
    p = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
    q = np.array([[0.5, 0.5]])
    d = B.utilities(w, p, q) - 0.1
    x, _ = core.kalai_smorodinsky(w, p, d, q, np.ones((1, 2), bool))
    assert x[0, 1] == pytest.approx(1.0, abs=1e-6)
