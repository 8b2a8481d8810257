"""Bargaining solutions against closed forms, brute-force grids and each other
(DESIGN.md, "Analyses → bargain"; detente.bargain.core).

    zone value  z = max_x min_k (U_k(x) − d_k)          (a zone exists when z > ZONE_TOL)
    Nash        argmax Σ_k α_k log(U_k − d_k)
    ideal       a_k = max U_k over the acceptable set
    KS          argmax min_k (U_k − d_k) / (a_k − d_k)

Every closed-form case runs on every solver path that can take it (exact frontier, 1-D
search, interior point; see tests/_bargain.py for how a problem is routed).

Tolerances. Exact paths: 1e-12. The interior-point solver stops at barrier weight 1e-11
with about 30 constraints, so objectives are within ~1e-10 of the optimum. Quantities that
are optima of piecewise-linear programs (zone value, ideal points, the KS ratio) converge
linearly and match to 1e-8. The Nash *package* is the argmax of a smooth function, so near a
kink of the frontier its error can be ~√(objective error): we compare Nash objectives to 1e-9
and Nash utilities to 1e-6 (the largest seen in 6,000 random two-member draws was 6.6e-7;
typical is 1e-9).
"""

from __future__ import annotations

import numpy as np
import pytest

from detente.bargain import core
from detente.bargain.core import ZONE_TOL, Side
from detente.bargain.linkage import linkage_solve

from . import _bargain as B

EXACT_TOL = 1e-12
TOL = {"two_members": EXACT_TOL, "one_issue": EXACT_TOL, "solver": 1e-8}
NASH_X_TOL = {"two_members": EXACT_TOL, "one_issue": EXACT_TOL, "solver": 1e-7}
KS_TOL = {"two_members": EXACT_TOL, "one_issue": 1e-8, "solver": 1e-8}  # no 1-D KS: the solver does it


# --------------------------------------------------------------------------- closed forms
def duel(d1: float, d2: float, n: int = 1):
    """Two members, one issue: member 1 wants 0, member 2 wants 1, full weight each.
    U1 = 1 − x, U2 = x."""
    w = np.ones((n, 2, 1))
    p = np.array([[[0.0], [1.0]]]).repeat(n, axis=0)
    d = np.array([[d1, d2]]).repeat(n, axis=0)
    return w, p, d, np.full((n, 1), 0.5), np.ones((n, 1), bool)


@pytest.mark.parametrize("path", B.PATHS)
@pytest.mark.parametrize(("d1", "d2"), [(0.0, 0.0), (0.2, 0.0), (0.1, 0.35), (0.45, 0.45)])
def test_duel_zone_nash_ks_closed_form(path, d1, d2):
    # max min(1 − x − d1, x − d2) is where the gains are equal: x = (1 − d1 + d2)/2, and then
    # z = (1 − d1 − d2)/2. log(1 − x − d1) + log(x − d2) peaks at the same x. The ideal
    # points are a1 = 1 − d2, a2 = 1 − d1, so a_k − d_k = 1 − d1 − d2 for both and KS is
    # again the equal-gain point (on one issue, two members: Nash = KS).
    w, p, d, q, free = duel(d1, d2)
    x_star = (1 - d1 + d2) / 2
    assert B.zone(path, w, p, d, q, free)[0] == pytest.approx((1 - d1 - d2) / 2, abs=TOL[path])
    assert B.nash(path, w, p, d, q, free)[0, 0] == pytest.approx(x_star, abs=NASH_X_TOL[path])
    x, a = B.kalai_smorodinsky(path, w, p, d, q, free)
    assert x[0, 0] == pytest.approx(x_star, abs=KS_TOL[path])
    np.testing.assert_allclose(a[0], [1 - d2, 1 - d1], atol=KS_TOL[path])


def test_duel_named_cases():
    w, p, d, q, free = duel(0.0, 0.0)
    assert core.nash(w, p, d, q, free, np.ones((1, 2)))[0][0, 0] == pytest.approx(0.5, abs=1e-15)
    w, p, d, q, free = duel(0.2, 0.0)
    assert core.nash(w, p, d, q, free, np.ones((1, 2)))[0][0, 0] == pytest.approx(0.4, abs=1e-15)


@pytest.mark.parametrize("path", B.PATHS)
@pytest.mark.parametrize(("a1", "a2", "d1", "d2"),
                         [(1.0, 1.0, 0.0, 0.0), (3.0, 1.0, 0.0, 0.0), (0.2, 1.7, 0.1, 0.3),
                          (2.5, 0.5, 0.3, 0.05)])
def test_weighted_nash_closed_form(path, a1, a2, d1, d2):
    # d/dx [a1 log(1 − x − d1) + a2 log(x − d2)] = 0  ⇔  a2 (1 − d1 − x) = a1 (x − d2)
    #   ⇔  x = (a2 (1 − d1) + a1 d2) / (a1 + a2)
    w, p, d, q, free = duel(d1, d2)
    x = B.nash(path, w, p, d, q, free, np.array([[a1, a2]]))
    assert x[0, 0] == pytest.approx((a2 * (1 - d1) + a1 * d2) / (a1 + a2), abs=NASH_X_TOL[path])


@pytest.mark.parametrize("path", B.PATHS)
def test_empty_zone_is_reported_never_a_deal(path):
    # d1 + d2 > 1 on opposite ideal points: no package gives both their no-deal value.
    # z = (1 − d1 − d2)/2 < 0 and −z is the uniform concession that closes the gap.
    w, p, d, q, free = duel(0.7, 0.6)
    z = B.zone(path, w, p, d, q, free)
    assert z[0] == pytest.approx(-0.15, abs=TOL[path])
    assert np.isnan(B.nash(path, w, p, d, q, free)).all()
    x, a = B.kalai_smorodinsky(path, w, p, d, q, free)
    assert np.isnan(x).all() and np.isnan(a).all()
    # lowering every no-deal value by −z closes the gap exactly (z becomes 0: still no zone);
    # a little more opens one
    c = -z[0]
    assert B.zone(path, w, p, d - c, q, free)[0] == pytest.approx(0.0, abs=TOL[path])
    assert np.isnan(B.nash(path, w, p, d - c, q, free)).all()
    assert np.isfinite(B.nash(path, w, p, d - c - 1e-4, q, free)).all()


def test_touching_zone_is_not_a_zone():
    # d1 + d2 = 1: exactly one package (x = d2) gives both their no-deal value, nobody gains
    w, p, d, q, free = duel(0.6, 0.4)
    assert abs(core.zone(w, p, d, q, free)[0][0]) < 1e-15
    assert np.isnan(core.nash(w, p, d, q, free, np.ones((1, 2)))[0]).all()


@pytest.mark.parametrize("path", ["one_issue", "solver"])
def test_three_members_one_issue(path):
    # member 1 wants 0, members 2 and 3 want 1, d = 0:
    # Nash maximises log(1 − x) + 2 log x → x = 2/3; ideal points are all 1 (x = 0 or 1 is
    # acceptable to everyone) so KS maximises min(1 − x, x) → x = 1/2; z = 1/2 at x = 1/2.
    w = np.ones((1, 3, 1))
    p = np.array([[[0.0], [1.0], [1.0]]])
    d, q, free = np.zeros((1, 3)), np.full((1, 1), 0.5), np.ones((1, 1), bool)
    assert B.zone(path, w, p, d, q, free)[0] == pytest.approx(0.5, abs=TOL[path])
    assert B.nash(path, w, p, d, q, free)[0, 0] == pytest.approx(2 / 3, abs=NASH_X_TOL[path])
    x, a = B.kalai_smorodinsky(path, w, p, d, q, free)
    assert x[0, 0] == pytest.approx(0.5, abs=KS_TOL[path])
    np.testing.assert_allclose(a[0], [1.0, 1.0, 1.0], atol=KS_TOL[path])


def logroll(d_a: float = 0.5, d_b: float = 0.5):
    """A cares 0.8 / 0.2 about issues 1 / 2 and wants (0, 0); B cares 0.2 / 0.8 and wants
    (1, 1); status quo (0.5, 0.5), where both have utility 0.5."""
    w = np.array([[[0.8, 0.2], [0.2, 0.8]]])
    p = np.array([[[0.0, 0.0], [1.0, 1.0]]])
    return w, p, np.array([[d_a, d_b]]), np.array([[0.5, 0.5]]), np.ones((1, 2), bool)


@pytest.mark.parametrize("path", ["two_members", "solver"])
def test_logroll_each_gets_its_issue(path):
    # The frontier runs (from A's ideal) (0,0) → (0,1) → (1,1): utilities (1, 0) → (0.8, 0.8)
    # → (0, 1). With d = (0.5, 0.5), on the first segment the gains are (0.5 − 0.2θ,
    # 0.8θ − 0.5), whose log product still rises at θ = 1; on the second (0.3 − 0.8θ,
    # 0.3 + 0.2θ), which falls from θ = 0. So Nash is the vertex (0, 1): each gets its issue.
    w, p, d, q, free = logroll()
    x = B.nash(path, w, p, d, q, free)
    np.testing.assert_allclose(x[0], [0.0, 1.0], atol=NASH_X_TOL[path] * 10)
    np.testing.assert_allclose(B.utilities(w, p, x)[0], [0.8, 0.8], atol=NASH_X_TOL[path])
    assert B.zone(path, w, p, d, q, free)[0] == pytest.approx(0.3, abs=TOL[path])


@pytest.mark.parametrize("path", ["two_members", "solver"])
def test_logroll_kalai_smorodinsky_closed_form(path):
    # d = (0.6, 0.5). Ideal points: A's best with U_B ≥ 0.5 is θ = 0.625 on the first segment,
    # a_A = 1 − 0.2·0.625 = 0.875; B's best with U_A ≥ 0.6 is θ = 0.25 on the second,
    # a_B = 0.8 + 0.2·0.25 = 0.85. At the vertex (0, 1) A's share (0.2/0.275) is below B's
    # (0.3/0.35), so KS lies on the first segment, x = (0, θ), with
    # (0.4 − 0.2θ)/0.275 = (0.8θ − 0.5)/0.35  ⇒  θ = 0.2775 / 0.29.
    w, p, d, q, free = logroll(0.6, 0.5)
    x, a = B.kalai_smorodinsky(path, w, p, d, q, free)
    np.testing.assert_allclose(a[0], [0.875, 0.85], atol=TOL[path])
    np.testing.assert_allclose(x[0], [0.0, 0.2775 / 0.29], atol=TOL[path] * 10)


def test_logroll_linkage():
    # Alone, neither issue has a zone (on issue 1 with issue 2 at 0.5, A needs x1 < 0.5 and B
    # x1 > 0.5); the package gives both 0.3: all of the gain comes from linkage.
    w, p, d, q, free = logroll()
    x, _ = core.nash(w, p, d, q, free, np.ones((1, 2)))
    link = linkage_solve(w, p, d, q, free, x, ["a", "b"])
    assert not link.single_zone.any() and np.isnan(link.single_deal).all()
    np.testing.assert_array_equal(link.issue_by_issue, q)
    np.testing.assert_allclose(link.gain[0], [0.3, 0.3], atol=1e-12)
    assert link.package_only[0]
    np.testing.assert_allclose(link.relative_salience[0], [[4.0, 0.25], [0.25, 4.0]])
    # A gets issue 1 (0 is its ideal) and gives issue 2 (at 1, farther than 0.5); B mirrors
    np.testing.assert_array_equal(link.gets[0], [[True, False], [False, True]])
    np.testing.assert_array_equal(link.gives[0], [[False, True], [True, False]])


def test_fixed_issues_stay_at_status_quo():
    rng = np.random.default_rng(11)
    for k in (2, 3):
        w, p, d, q = B.random_problems(rng, 30, k, 3, cost=(0.02, 0.2))
        free = rng.random((30, 3)) < 0.6
        free[:, 0] = True
        x, z = core.nash(w, p, d, q, free, np.ones((30, k)))
        ok = z > ZONE_TOL
        np.testing.assert_array_equal(x[ok][~free[ok]], q[ok][~free[ok]])
        xk, _ = core.kalai_smorodinsky(w, p, d, q, free)
        np.testing.assert_array_equal(xk[ok][~free[ok]], q[ok][~free[ok]])


# --------------------------------------------------------------------------- grid search
GRID = {1: 2001, 2: 201, 3: 41}


def _grid_check(w, p, d, q, side: Side | None, *, x_nash, z, a, x_ks):
    """Compare one batch of solutions with brute force over a regular grid (all issues free).

    With step h every package is within h/2 of a grid point in every coordinate, and each
    U_k is 1-Lipschitz in the max-norm (weights sum to ≤ 1), so grid optima bound the true
    ones from both sides up to h/2.
    """
    n, k, m = w.shape
    pts = GRID[m]
    h = 1.0 / (pts - 1)
    G = B.grid(m, pts)
    for i in range(n):
        Wi, Pi, Di = w[i], p[i], d[i]
        if side is not None:
            Wi, Pi, Di = (np.concatenate([Wi, side.w[i]]), np.concatenate([Pi, side.p[i]]),
                          np.concatenate([Di, side.d[i]]))
        g_all = B.grid_utilities(Wi, Pi, G) - Di  # members then side actors
        g = g_all[:, :k]
        side_ok = (g_all[:, k:] >= 0).all(axis=1)
        # zone value: the solver is at least the grid's best and at most h/2 above it
        zg = g_all.min(axis=1).max()
        assert zg - 1e-9 <= z[i] <= zg + h / 2 + 1e-9
        if z[i] <= ZONE_TOL:
            assert np.isnan(x_nash[i]).all() and np.isnan(x_ks[i]).all()
            continue
        # Nash: the log product beats every acceptable grid point; a grid point near the
        # optimum loses at most h/2 per member
        gs = B.utilities(w[i:i + 1], p[i:i + 1], x_nash[i:i + 1])[0] - d[i]
        assert (gs > 0).all()
        best = B.log_nash(g[side_ok]).max(initial=-np.inf)
        val = B.log_nash(gs)
        assert val >= best - 1e-9
        if (gs > h / 2).all():  # the grid point next to the optimum may break a side
            near = (g_all[:, k:] >= -h / 2).all(axis=1)  # constraint by up to h/2
            assert B.log_nash(g[near]).max() >= B.log_nash(gs - h / 2) - 1e-9
        if side is not None:
            u_side = B.utilities(side.w[i:i + 1], side.p[i:i + 1], x_nash[i:i + 1])[0]
            assert (u_side >= side.d[i] - 1e-9).all()
        # ideal points: at least every acceptable grid point, at most the best grid point of
        # the acceptable set relaxed by h/2, plus h/2
        strict = (g_all >= 0).all(axis=1)
        relaxed = (g_all >= -h / 2).all(axis=1)
        for kk in range(k):
            assert a[i, kk] - d[i, kk] >= g[strict, kk].max(initial=-np.inf) - 1e-9
            assert a[i, kk] - d[i, kk] <= g[relaxed, kk].max() + h / 2 + 1e-9
        # KS: its smallest share of the ideal gain beats every acceptable grid point's
        sc = a[i] - d[i]
        gk = B.utilities(w[i:i + 1], p[i:i + 1], x_ks[i:i + 1])[0] - d[i]
        r_ks = (gk / sc).min()
        r_grid = (g[side_ok] / sc).min(axis=1).max(initial=-np.inf)
        assert r_ks >= r_grid - 1e-9
        assert r_ks <= (g[relaxed] / sc).min(axis=1).max() + h / 2 / sc.min() + 1e-9
        assert (gk >= -1e-9).all()


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("k", [2, 3, 4])
def test_against_grid_search(k, m):
    rng = np.random.default_rng(100 * k + m)
    n = 10
    w, p, d, q = B.random_problems(rng, n, k, m, cost=(-0.1, 0.2))
    free = np.ones((n, m), bool)
    z, _ = core.zone(w, p, d, q, free)
    x_nash, _ = core.nash(w, p, d, q, free, np.ones((n, k)))
    x_ks, a = core.kalai_smorodinsky(w, p, d, q, free)
    assert (z > ZONE_TOL).any()
    _grid_check(w, p, d, q, None, x_nash=x_nash, z=z, a=a, x_ks=x_ks)


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("k", [2, 3])
def test_against_grid_search_with_binding_side_constraints(k, m):
    # side actors (veto players off the table) whose no-deal value is close to their status
    # quo utility, so that their acceptance often binds
    rng = np.random.default_rng(7 + 10 * k + m)
    n = 10
    w, p, d, q = B.random_problems(rng, n, k, m, cost=(0.0, 0.25))
    sw, sp, sd, _ = B.random_problems(rng, n, 2, m, cost=(0.0, 0.05))
    sd = B.utilities(sw, sp, q) - rng.uniform(0.0, 0.05, (n, 2))
    side = Side(sw, sp, sd)
    free = np.ones((n, m), bool)
    z, _ = core.zone(w, p, d, q, free, side)
    x_nash, _ = core.nash(w, p, d, q, free, np.ones((n, k)), side)
    x_ks, a = core.kalai_smorodinsky(w, p, d, q, free, side)
    binds = 0
    for i in np.flatnonzero(z > ZONE_TOL):
        u_side = B.utilities(sw[i:i + 1], sp[i:i + 1], x_nash[i:i + 1])[0]
        binds += bool((u_side - sd[i] < 1e-6).any())
    assert binds > 0, "no side constraint binds: the test lost its point"
    _grid_check(w, p, d, q, side, x_nash=x_nash, z=z, a=a, x_ks=x_ks)


# --------------------------------------------------------------------------- solver vs exact
def _compare(w, p, d, q, free, path_a, path_b, alpha, *, u_tol=1e-6):
    z_a = B.zone(path_a, w, p, d, q, free)
    z_b = B.zone(path_b, w, p, d, q, free)
    np.testing.assert_allclose(z_a, z_b, rtol=0, atol=1e-8)
    ok = z_a > ZONE_TOL
    assert ok.mean() > 0.5
    xa, xb = B.nash(path_a, w, p, d, q, free, alpha), B.nash(path_b, w, p, d, q, free, alpha)
    np.testing.assert_array_equal(np.isnan(xa).any(axis=1), ~ok)
    np.testing.assert_array_equal(np.isnan(xb).any(axis=1), ~ok)
    wk, pk = w[ok], p[ok]
    ua, ub = B.utilities(wk, pk, xa[ok]), B.utilities(wk, pk, xb[ok])
    np.testing.assert_allclose(B.log_nash(ua - d[ok], alpha[ok]),
                               B.log_nash(ub - d[ok], alpha[ok]), rtol=0, atol=1e-9)
    np.testing.assert_allclose(ua, ub, rtol=0, atol=u_tol)
    (ka, ia), (kb, ib) = (B.kalai_smorodinsky(path_a, w, p, d, q, free),
                          B.kalai_smorodinsky(path_b, w, p, d, q, free))
    np.testing.assert_allclose(ia[ok], ib[ok], rtol=0, atol=1e-8)
    sc = ia[ok] - d[ok]
    ra = ((B.utilities(wk, pk, ka[ok]) - d[ok]) / sc).min(axis=1)
    rb = ((B.utilities(wk, pk, kb[ok]) - d[ok]) / sc).min(axis=1)
    np.testing.assert_allclose(ra, rb, rtol=0, atol=1e-8)
    return ua, ub


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_exact_frontier_matches_solver(m):
    rng = np.random.default_rng(20 + m)
    n = 200
    w, p, d, q = B.random_problems(rng, n, 2, m, cost=(-0.1, 0.25))
    free = np.ones((n, m), bool)
    if m > 1:
        free[:, -1] = rng.random(n) < 0.7
    alpha = rng.uniform(0.2, 3.0, (n, 2))
    ua, ub = _compare(w, p, d, q, free, "two_members", "solver", alpha)
    assert np.median(np.abs(ua - ub).max(axis=1)) < 1e-8  # typical agreement, see module doc


@pytest.mark.parametrize("k", [2, 3, 4])
def test_one_issue_search_matches_solver(k):
    rng = np.random.default_rng(40 + k)
    n = 150
    w, p, d, q = B.random_problems(rng, n, k, 3, cost=(-0.05, 0.25))
    free = np.zeros((n, 3), bool)
    free[np.arange(n), rng.integers(0, 3, n)] = True
    alpha = rng.uniform(0.2, 3.0, (n, k))
    _compare(w, p, d, q, free, "one_issue", "solver", alpha)


def test_one_issue_search_matches_exact_frontier():
    # two exact methods on the same problems: the 1-D search and the frontier polyline
    rng = np.random.default_rng(5)
    n = 500
    w, p, d, q = B.random_problems(rng, n, 2, 3, cost=(-0.05, 0.25))
    free = np.zeros((n, 3), bool)
    free[:, 1] = True
    alpha = rng.uniform(0.2, 3.0, (n, 2))
    z1, z2 = B.zone("one_issue", w, p, d, q, free), B.zone("two_members", w, p, d, q, free)
    np.testing.assert_allclose(z1, z2, rtol=0, atol=EXACT_TOL)
    ok = z2 > ZONE_TOL
    x1, x2 = B.nash("one_issue", w, p, d, q, free, alpha), B.nash("two_members", w, p, d, q, free, alpha)
    np.testing.assert_allclose(B.utilities(w[ok], p[ok], x1[ok]), B.utilities(w[ok], p[ok], x2[ok]),
                               rtol=0, atol=EXACT_TOL)


# --------------------------------------------------------------------------- degenerate inputs
def test_non_unique_optimum_three_members():
    # Found by Hypothesis: the interior-point solver raised LinAlgError ("Singular matrix").
    # Member 1 wants (1, 0.5), members 2 and 3 want (0, 0), all weights 0.5, d = (0.75, 0, 0),
    # status quo (1, 1). Conceding on either issue costs member 1 exactly what it gives each
    # of the others, so only the total concession L = ½(1 − x1) + ½(0.5 − x2) matters
    # (the optimal package is a whole segment): gains are (¼ − L, ¼ + L, ¼ + L).
    #   zone: max min = ¼ at L = 0.
    #   Nash: −1/(¼ − L) + 2/(¼ + L) = 0  ⇒  L = 1/12, gains (1/6, 1/3, 1/3).
    #   ideal gains: ¼ (L = 0) for member 1, ½ (L = ¼) for the others; KS equalises
    #   (¼ − L)/¼ = (¼ + L)/½  ⇒  L = 1/12 again.
    w = np.full((1, 3, 2), 0.5)
    p = np.array([[[1.0, 0.5], [0.0, 0.0], [0.0, 0.0]]])
    d, q, free = np.array([[0.75, 0.0, 0.0]]), np.array([[1.0, 1.0]]), np.ones((1, 2), bool)
    assert core.zone(w, p, d, q, free)[0][0] == pytest.approx(0.25, abs=1e-8)
    x, _ = core.nash(w, p, d, q, free, np.ones((1, 3)))
    np.testing.assert_allclose(B.utilities(w, p, x)[0] - d[0], [1 / 6, 1 / 3, 1 / 3], atol=1e-6)
    xk, a = core.kalai_smorodinsky(w, p, d, q, free)
    np.testing.assert_allclose(a[0] - d[0], [0.25, 0.5, 0.5], atol=1e-8)
    np.testing.assert_allclose(B.utilities(w, p, xk)[0] - d[0], [1 / 6, 1 / 3, 1 / 3], atol=1e-8)


def round_problems(rng, n, k, m):
    """Scenario-like inputs: saliences, positions and costs are round numbers, so members
    often share ideal points, trade issues at equal rates and sit on the box's edges."""
    sal = rng.choice([0.0, 0.25, 0.5, 1.0], (n, k, m))
    sal[..., 0] = np.maximum(sal[..., 0], 0.5)
    w = sal / sal.sum(axis=2, keepdims=True)
    p = rng.choice([0.0, 0.5, 1.0], (n, k, m))
    q = rng.choice([0.0, 0.5, 1.0], (n, m))
    d = B.utilities(w, p, q) - rng.choice([-0.05, 0.0, 0.05, 0.1], (n, k))
    return w, p, d, q


@pytest.mark.parametrize("m", [2, 3])
def test_round_numbers_exact_frontier_matches_solver(m):
    # degenerate problems: the Nash point often sits exactly on a vertex of the frontier,
    # where the solver's utilities converge like √(objective error): tolerance 1e-5
    rng = np.random.default_rng(60 + m)
    n = 200
    w, p, d, q = round_problems(rng, n, 2, m)
    _compare(w, p, d, q, np.ones((n, m), bool), "two_members", "solver",
             rng.choice([1.0, 2.0], (n, 2)), u_tol=1e-5)


@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("k", [3, 4])
def test_round_numbers_against_grid_search(k, m):
    rng = np.random.default_rng(70 + 10 * k + m)
    n = 40
    w, p, d, q = round_problems(rng, n, k, m)
    free = np.ones((n, m), bool)
    z, _ = core.zone(w, p, d, q, free)
    x_nash, _ = core.nash(w, p, d, q, free, np.ones((n, k)))
    x_ks, a = core.kalai_smorodinsky(w, p, d, q, free)
    _grid_check(w, p, d, q, None, x_nash=x_nash, z=z, a=a, x_ks=x_ks)


def test_frontier_points_of_a_logroll_are_its_three_vertices():
    from detente.bargain.frontier import frontier_points

    w = np.array([[0.8, 0.2], [0.2, 0.8]])
    p = np.array([[0.0, 0.0], [1.0, 1.0]])
    x, u = frontier_points(w, p, np.array([0.5, 0.5]), np.array([True, True]))
    assert sorted(map(tuple, x.tolist())) == [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
    np.testing.assert_allclose(sorted(map(tuple, u.tolist())), [(0.0, 1.0), (0.8, 0.8), (1.0, 0.0)])


# --------------------------------------------------------------------------- batch independence
def _singular_batch(n: int, seed: int):
    """n random three-member problems; row 0 is the non-unique optimum above, whose Newton
    system turns singular near the optimum (the solver adds a ridge to that row)."""
    rng = np.random.default_rng(seed)
    w, p, d, q = B.random_problems(rng, n, 3, 2)
    w[0] = 0.5
    p[0] = [[1.0, 0.5], [0.0, 0.0], [0.0, 0.0]]
    d[0], q[0] = [0.75, 0.0, 0.0], [1.0, 1.0]
    return w, p, d, q, np.ones((n, 2), bool)


def test_a_draw_gets_exactly_what_it_gets_alone_even_next_to_a_singular_one(monkeypatch):
    from detente.bargain import solver

    n = 12
    w, p, d, q, free = _singular_batch(n, 81)
    probes = []
    real_det = np.linalg.det  # the solver's probe for which draws' systems are singular
    monkeypatch.setattr(np.linalg, "det", lambda a: probes.append(len(a)) or real_det(a))
    x, z = core.nash(w, p, d, q, free, np.ones((n, 3)))
    xk, a = core.kalai_smorodinsky(w, p, d, q, free)
    assert probes, "the degenerate row no longer makes the Newton system singular"
    assert solver.CHUNK >= n * 3 * 2  # one batch
    for i in range(n):
        r = slice(i, i + 1)
        xi, zi = core.nash(w[r], p[r], d[r], q[r], free[r], np.ones((1, 3)))
        xki, ai = core.kalai_smorodinsky(w[r], p[r], d[r], q[r], free[r])
        for alone, batch in ((xi, x), (zi, z), (xki, xk), (ai, a)):
            np.testing.assert_array_equal(alone, batch[r], err_msg=f"draw {i}")


def test_solving_in_chunks_changes_nothing(monkeypatch):
    from detente.bargain import solver

    rng = np.random.default_rng(82)
    n = 700
    w, p, d, q = B.random_problems(rng, n, 4, 3)
    free = rng.random((n, 3)) > 0.2
    alpha = rng.uniform(0.5, 2.0, (n, 4))
    side = B.slack_side(n, 3)
    whole = core.nash(w, p, d, q, free, alpha, side)
    monkeypatch.setattr(solver, "CHUNK", 1)  # chunks of 256 draws
    chunked = core.nash(w, p, d, q, free, alpha, side)
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_array_equal(whole[1], chunked[1])


@pytest.mark.parametrize("count", [1, 2, 5, 7, 8, 9, 16, 24, 31, 129, 300])
def test_pairwise_sum_adds_in_numpys_order(count):
    # the solver sums over members and issues with the draw axis last; the order must be
    # numpy's own for a sum over a contiguous axis, so that results do not depend on layout
    from detente.bargain.sums import pairwise_sum

    rng = np.random.default_rng(count)
    a = rng.standard_normal((count, 64)) * 10.0 ** rng.uniform(-8, 4, (count, 64))
    expect = np.ascontiguousarray(a.T).sum(axis=1)
    np.testing.assert_array_equal(pairwise_sum(a), expect)
    np.testing.assert_array_equal(pairwise_sum(list(a)), expect)
