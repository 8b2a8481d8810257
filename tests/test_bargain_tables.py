"""Per-table bargaining on scenarios (detente.bargain.bargain_tables; DESIGN.md "bargain").

Every output is recomputed independently from detente.utility (utilities, no-deal values)
and the definitions: the deal is individually rational, veto margins are U_v(deal) − d_v,
a deal holds when a zone exists and every veto player whose issues it moves accepts it,
the holding deal is accepted by every veto player whose issues it moves, and the linkage
gain is the package's utility minus the issue-by-issue outcome's. Then the contract tests
(STYLE §6): determinism and "N = 1 equals a slice of N = 200" (exactly). Last, a small scenario built
inline whose answers are worked out by hand.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from detente import load_scenario, loads_scenario, point_draws, sample
from detente.bargain import ZONE_TOL, bargain_tables
from detente.bargain.tables import TOUCH_TOL, VETO_TOL
from detente.utility import no_deal_values, utility, utility_weights

from .conftest import SCENARIOS

SCENARIO_FILES = ("ukraine-2025-02.yaml", "ec-emissions-1994.yaml")


@pytest.fixture(scope="module", params=SCENARIO_FILES)
def scenario(request):
    return load_scenario(SCENARIOS / request.param)


@pytest.fixture(scope="module", params=["point", "sample200"])
def case(request, scenario):
    """(scenario, draws, results) for the point estimate and for 200 sampled draws."""
    draws = point_draws(scenario) if request.param == "point" else sample(scenario, 200, seed=1)
    return scenario, draws, bargain_tables(scenario, draws)


def _setup(s, draws, months=0.0):
    wall = utility_weights(draws.salience)
    dall = no_deal_values(draws, months)
    return wall, dall, {t.id: t for t in s.tables}


def _u(draws, wall, x):
    """Utilities (N, A) of every actor for packages x (N, I); NaN rows stay NaN."""
    u = utility(np.nan_to_num(x), draws.position, wall)
    return np.where(np.isnan(x).any(axis=1)[:, None], np.nan, u)


def _log_nash(g):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((g > 0).all(axis=1), np.log(np.where(g > 0, g, 1.0)).sum(axis=1),
                        -np.inf)


# --------------------------------------------------------------------------- zone and deals
def test_every_table_is_analysed(case):
    s, draws, res = case
    assert list(res) == [t.id for t in s.tables]
    for r in res.values():
        assert r.zone_value.shape == (draws.n,)
        assert r.deal.x.shape == (draws.n, len(draws.issues))


def test_zone_and_deals(case):
    s, draws, res = case
    wall, dall, tables = _setup(s, draws)
    q = draws.status_quo
    for tid, r in res.items():
        idx = [draws.actors.index(a) for a in tables[tid].members]
        d = dall[:, idx]
        np.testing.assert_allclose(r.no_deal, d, rtol=0, atol=1e-15)
        np.testing.assert_array_equal(r.zone_exists, r.zone_value > ZONE_TOL)
        np.testing.assert_array_equal(r.concession, np.where(r.zone_value < -1e-12, -r.zone_value, 0.0))
        ok = r.zone_exists
        cares = (wall[:, idx] > 0).any(axis=1)  # (N, I)
        for name, deal in r.deals.items():
            x = deal.x
            np.testing.assert_array_equal(np.isnan(x).any(axis=1), ~ok, err_msg=name)
            np.testing.assert_array_equal(np.isnan(x).all(axis=1), ~ok, err_msg=name)
            assert ((x[ok] >= 0) & (x[ok] <= 1)).all(), name
            # issues no member cares about stay at the status quo
            np.testing.assert_array_equal(x[ok][~cares[ok]], q[ok][~cares[ok]])
            u = _u(draws, wall, x)[:, idx]
            np.testing.assert_allclose(deal.utility, u, rtol=0, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(deal.gain, u - d, rtol=0, atol=1e-12, err_msg=name)
            assert (deal.gain[ok] > 0).all(), name  # individually rational
            assert (deal.utility[ok] <= r.ideal[ok] + 1e-8).all(), name
        assert np.isnan(r.ideal[~ok]).all()
        assert ((r.zone_share >= 0) & (r.zone_share <= 1)).all()


def test_no_deal_values_follow_months():
    s = load_scenario(SCENARIOS / "ukraine-2025-02.yaml")
    draws = point_draws(s)
    res = bargain_tables(s, draws, months=9.0)
    _, dall, tables = _setup(s, draws, months=9.0)
    for tid, r in res.items():
        idx = [draws.actors.index(a) for a in tables[tid].members]
        np.testing.assert_allclose(r.no_deal, dall[:, idx], rtol=0, atol=1e-15)
        assert (r.deal.gain[r.zone_exists] > 0).all()


# --------------------------------------------------------------------------- exclusion
def test_veto_checks_recomputed(case):
    s, draws, res = case
    wall, dall, tables = _setup(s, draws)
    q = draws.status_quo
    issues = list(draws.issues)
    for tid, r in res.items():
        members = tables[tid].members
        outside = [imp for imp in s.implementation if imp.actor not in members]
        assert [c.actor for c in r.vetoes] == [imp.actor for imp in outside]
        x = r.deal.x
        u_all = _u(draws, wall, x)
        held = r.zone_exists.copy()
        for c, imp in zip(r.vetoes, outside, strict=True):
            v = draws.actors.index(c.actor)
            scope = np.ones(len(issues), bool) if imp.issues is None else np.isin(issues,
                                                                                  imp.issues)
            moved = (np.abs(x - q) > TOUCH_TOL) & scope
            applies = moved.any(axis=1)  # NaN rows compare False: no deal, nothing applies
            np.testing.assert_array_equal(c.applies, applies)
            np.testing.assert_allclose(c.no_deal, dall[:, v], rtol=0, atol=1e-15)
            np.testing.assert_allclose(c.utility, u_all[:, v], rtol=0, atol=1e-12)
            np.testing.assert_allclose(c.margin, u_all[:, v] - dall[:, v], rtol=0, atol=1e-12)
            np.testing.assert_array_equal(c.accepts, c.margin >= -VETO_TOL)
            held &= ~c.applies | c.accepts
        np.testing.assert_array_equal(r.holds, held)


def test_holding_deal(case):
    s, draws, res = case
    wall, dall, tables = _setup(s, draws)
    q = draws.status_quo
    issues = list(draws.issues)
    for tid, r in res.items():
        members = tables[tid].members
        idx = [draws.actors.index(a) for a in members]
        h = r.holding
        ex = h.exists
        x = h.deal.x
        np.testing.assert_array_equal(np.isnan(x).any(axis=1), ~ex)
        assert not (ex & ~r.zone_exists).any()  # no holding deal without a zone
        assert ((x[ex] >= 0) & (x[ex] <= 1)).all()
        u = _u(draws, wall, x)
        g = u[:, idx] - dall[:, idx]
        np.testing.assert_allclose(h.deal.gain, g, rtol=0, atol=1e-12)
        assert (g[ex] > 0).all()  # individually rational
        for imp in s.implementation:
            if imp.actor in members:
                continue
            v = draws.actors.index(imp.actor)
            scope = np.ones(len(issues), bool) if imp.issues is None else np.isin(issues,
                                                                                  imp.issues)
            touches = ex & ((np.abs(x - q) > TOUCH_TOL) & scope).any(axis=1)
            assert (u[touches, v] - dall[touches, v] >= -VETO_TOL).all(), imp.actor
        # the strategy says which veto players' issues were left alone: exactly at q there
        for i in np.flatnonzero(ex):
            for a in h.strategies[h.strategy[i]]:
                scope = np.isin(issues, next(imp.issues for imp in s.implementation
                                             if imp.actor == a))
                np.testing.assert_array_equal(x[i, scope], q[i, scope])
        # Nash maximises the product over a larger set than the holding deal; where the Nash
        # deal itself holds, it is the holding deal, avoiding the veto players it leaves alone
        ln, lh = _log_nash(r.deal.gain), _log_nash(g)
        assert (lh[ex] <= ln[ex] + 1e-8).all()
        assert ex[r.holds].all()
        np.testing.assert_array_equal(x[r.holds], r.deal.x[r.holds])
        for i in np.flatnonzero(r.holds):
            left_alone = {c.actor for c in r.vetoes if c.issues is not None and not c.applies[i]}
            assert set(h.strategies[h.strategy[i]]) == left_alone


# --------------------------------------------------------------------------- linkage
def test_linkage_recomputed(case):
    s, draws, res = case
    wall, dall, tables = _setup(s, draws)
    q = draws.status_quo
    for tid, r in res.items():
        idx = [draws.actors.index(a) for a in tables[tid].members]
        w, p, d = wall[:, idx], draws.position[:, idx], dall[:, idx]
        L = r.linkage
        np.testing.assert_array_equal(np.isfinite(L.single_deal), L.single_zone)
        ibi = np.where(L.single_zone, L.single_deal, q)
        np.testing.assert_array_equal(L.issue_by_issue, ibi)
        np.testing.assert_allclose(L.issue_by_issue_utility, _u(draws, wall, ibi)[:, idx],
                                   rtol=0, atol=1e-12)
        np.testing.assert_array_equal(L.issue_by_issue_acceptable,
                                      (L.issue_by_issue_utility >= d - 1e-12).all(axis=1))
        np.testing.assert_allclose(L.package_utility, r.deal.utility, rtol=0, atol=1e-12)
        np.testing.assert_allclose(L.gain, r.deal.utility - L.issue_by_issue_utility,
                                   rtol=0, atol=1e-12)
        np.testing.assert_array_equal(L.package_only,
                                      r.zone_exists & ~L.single_zone.any(axis=1))
        # each single-issue deal is the Nash point on that issue alone (others at q): its
        # log product beats a fine grid on the issue, and it is individually rational
        levels = np.linspace(0.0, 1.0, 2001)
        for i, j in zip(*np.nonzero(L.single_zone), strict=True):
            xs = np.tile(q[i], (levels.size, 1))
            xs[:, j] = levels
            gg = (w[i][None] * (1 - np.abs(xs[:, None, :] - p[i][None]))).sum(axis=2) - d[i]
            y = q[i].copy()
            y[j] = L.single_deal[i, j]
            gy = (w[i] * (1 - np.abs(y - p[i]))).sum(axis=1) - d[i]
            assert (gy > 0).all()
            assert _log_nash(gy[None])[0] >= _log_nash(gg).max() - 1e-9


# --------------------------------------------------------------------------- contract
def _arrays(r):
    out = {"zone_value": r.zone_value, "concession": r.concession, "zone_share": r.zone_share,
           "ideal": r.ideal, "holds": r.holds, "holding.x": r.holding.deal.x,
           "holding.exists": r.holding.exists, "holding.strategy": r.holding.strategy,
           "link.single_deal": r.linkage.single_deal, "link.gain": r.linkage.gain,
           "link.ibi": r.linkage.issue_by_issue}
    for name, deal in r.deals.items():
        out[f"{name}.x"], out[f"{name}.gain"] = deal.x, deal.gain
    for c in r.vetoes:
        out[f"veto.{c.actor}.margin"], out[f"veto.{c.actor}.applies"] = c.margin, c.applies
    return out


def test_deterministic(scenario):
    draws = sample(scenario, 50, seed=3)
    a, b = bargain_tables(scenario, draws), bargain_tables(scenario, draws)
    for tid in a:
        for key, arr in _arrays(a[tid]).items():
            np.testing.assert_array_equal(arr, _arrays(b[tid])[key], err_msg=f"{tid} {key}")


def test_one_draw_equals_a_slice_of_many(scenario):
    draws = sample(scenario, 200, seed=1)
    many = bargain_tables(scenario, draws)
    for k in (0, 57, 199):
        one = bargain_tables(scenario, draws[k:k + 1])
        for tid in many:
            # every path (exact frontier, 1-D search, interior point) computes each draw on
            # its own: the draw alone gets exactly its row of the batch
            big, small = _arrays(many[tid]), _arrays(one[tid])
            for key, arr in big.items():
                np.testing.assert_array_equal(small[key], arr[k:k + 1],
                                              err_msg=f"{tid} {key} draw {k}")


def test_holding_search_skips_only_variants_that_cannot_win(scenario, monkeypatch):
    # two-member tables skip a variant for the draws where the exact bound (no side
    # constraints) cannot beat the best so far; without the bound the answers are the same
    from detente.bargain import tables as tables_mod

    draws = sample(scenario, 150, seed=4)
    pruned = bargain_tables(scenario, draws)
    monkeypatch.setattr(tables_mod, "_nash_bound",
                        lambda w, p, d, q, free: np.full(w.shape[0], np.inf))
    full = bargain_tables(scenario, draws)
    for tid in pruned:
        a, b = pruned[tid].holding, full[tid].holding
        np.testing.assert_array_equal(a.exists, b.exists)
        np.testing.assert_array_equal(a.strategy, b.strategy)
        np.testing.assert_array_equal(a.deal.x, b.deal.x)
        assert a.strategies == b.strategies


def test_flagship_tables_have_answers():
    # a smoke test that the flagship case exercises every branch the tests above check
    s = load_scenario(SCENARIOS / "ukraine-2025-02.yaml")
    res = bargain_tables(s, sample(s, 200, seed=1))
    assert all(r.zone_exists.any() for r in res.values())
    assert any(c.applies.any() for r in res.values() for c in r.vetoes)
    assert any((~r.holds & r.zone_exists).any() for r in res.values())
    assert any(r.holding.exists.any() for r in res.values())


# --------------------------------------------------------------------------- by hand
def scenario_text(*, i2: str = "", v_scope: str | None = "[i2]",
                  v_stance: str = "{i1: {position: 0, salience: 1}, i2: {position: 50, salience: 1}}",
                  no_deal: str = "a: {cost: 0.2}\n  v: {cost: 0.1}") -> str:
    """Three actors, two issues (0–100, status quo 50), one table {a, b}, and v a veto player
    off the table whose veto covers ``v_scope`` (None: every issue). a wants i1 = 0, b wants
    i1 = 100; ``i2`` is both members' stance on i2 (none by default)."""
    return textwrap.dedent("""\
        detente: 1
        id: veto-scope
        title: Veto scope by hand
        as_of: 2025-01-01
        actors:
          - {id: a, name: A, capability: 3}
          - {id: b, name: B, capability: 1}
          - {id: v, name: V, capability: 1}
        issues:
          - {id: i1, name: One, scale: [0, 100], status_quo: 50}
          - {id: i2, name: Two, scale: [0, 100], status_quo: 50}
        stances:
          a:
            i1: {position: 0, salience: 1}
            A_I2
          b:
            i1: {position: 100, salience: 1}
            B_I2
          v: V_STANCE
        no_deal:
          NO_DEAL
        tables:
          - {id: ab, members: [a, b]}
        implementation:
          - {actor: v, V_SCOPE}
        """).replace("A_I2", i2).replace("B_I2", i2).replace("V_STANCE", v_stance) \
        .replace("NO_DEAL", no_deal).replace("V_SCOPE", "" if v_scope is None
                                             else f"issues: {v_scope}")


def run(text: str):
    s = loads_scenario(text)
    draws = point_draws(s)
    return draws, bargain_tables(s, draws)["ab"]


def test_by_hand_one_issue_deal_outside_the_veto_holds():
    # i2 matters to nobody at the table, so it stays at 50. d_a = U_a(q) − 0.2 = 0.3,
    # d_b = 0.5. On i1 (x in [0, 1]): gains 0.7 − x and x − 0.5.
    #   zone value (0.7 − 0.5)/2 = 0.1 at x = 0.6; acceptable x ∈ [0.5, 0.7] (share 0.2)
    #   Nash = KS: x = 0.6;  capability weights α = (1.5, 0.5):
    #   x = (0.5·0.7 + 1.5·0.5)/2 = 0.55;  ideal utilities (0.5, 0.7).
    # v wants i1 = 0 and i2 = 50, weights ½, ½, no cost: d_v = U_v(q) = 0.25 + 0.5 = 0.75,
    # U_v(deal) = 0.5·0.4 + 0.5 = 0.7: margin −0.05.
    draws, r = run(scenario_text(no_deal="a: {cost: 0.2}"))
    assert r.zone_value[0] == pytest.approx(0.1, abs=1e-12)
    assert r.zone_share[0] == pytest.approx(0.2, abs=2e-3)
    np.testing.assert_allclose(r.deal.x[0], [0.6, 0.5], atol=1e-12)
    np.testing.assert_allclose(r.deals["nash_capability"].x[0], [0.55, 0.5], atol=1e-12)
    np.testing.assert_allclose(r.deals["kalai_smorodinsky"].x[0], [0.6, 0.5], atol=1e-12)
    np.testing.assert_allclose(r.ideal[0], [0.5, 0.7], atol=1e-12)
    np.testing.assert_allclose(draws.to_user(r.deal.x)[0], [60.0, 50.0], atol=1e-9)
    # v dislikes the deal, but its veto covers only i2, which the deal leaves alone
    (c,) = r.vetoes
    assert c.margin[0] == pytest.approx(-0.05, abs=1e-12)
    assert not c.accepts[0] and not c.applies[0]
    assert r.holds[0]
    assert r.holding.exists[0]
    np.testing.assert_allclose(r.holding.deal.x[0], [0.6, 0.5], atol=1e-12)
    # linkage: one issue, so the package is the issue-by-issue deal
    np.testing.assert_allclose(r.linkage.gain[0], [0.0, 0.0], atol=1e-12)


def test_by_hand_indifferent_veto_player_accepts():
    # v's veto covers i1 but v cares only about i2 (at its ideal point, 50, and unmoved): the
    # deal leaves v exactly at its no-deal value, which is acceptable (U_v ≥ d_v), so the deal
    # holds, and it is also the best holding deal. (Regression: the holding search demanded a
    # strict gain from every veto player it satisfies, and found no holding deal at all.)
    _, r = run(scenario_text(no_deal="a: {cost: 0.2}", v_scope="[i1]",
                             v_stance="{i2: {position: 50, salience: 1}}"))
    (c,) = r.vetoes
    assert c.applies[0] and c.accepts[0] and c.margin[0] == 0.0
    assert r.holds[0]
    assert r.holding.exists[0] and r.holding.avoided == ()
    np.testing.assert_array_equal(r.holding.deal.x, r.deal.x)


@pytest.mark.parametrize("scope", ["[i1]", None])
def test_by_hand_veto_covering_the_moved_issue_blocks_it(scope):
    # as above, but v's veto covers i1 (or every issue): the deal moves i1, v rejects it, so
    # it does not hold; and no deal can hold — v needs ½(1 − x) + ½ ≥ 0.75, i.e. x ≤ 0.5, b
    # needs x > 0.5, and avoiding v leaves nothing to negotiate.
    _, r = run(scenario_text(no_deal="a: {cost: 0.2}", v_scope=scope))
    (c,) = r.vetoes
    assert c.applies[0] and not c.accepts[0]
    assert r.zone_exists[0] and not r.holds[0]
    assert not r.holding.exists[0] and np.isnan(r.holding.deal.x).all()


def test_by_hand_package_touching_the_veto_issue_needs_acceptance():
    # Now a and b both want i2 = 100 (weights ½, ½) and v wants i2 = 0 (d_v = 0.5 − 0.1).
    # Gains: a 0.2 − ½x1 + ½x2, b ½x1 + ½x2 − ½ (for x2 ≤ 1).
    #   Nash package: x2 = 1 (both gain), then equal gains: x1 = 0.7, gains (0.35, 0.35).
    #   v: U_v = 1 − x2 = 0 < 0.4: the deal touches i2 and v rejects it — it does not hold.
    #   Holding deal, satisfying v (x2 ≤ 0.6): x2 = 0.6, x1 = 0.7, gains (0.15, 0.15),
    #   product 0.0225; avoiding v (x2 = 0.5): x1 = 0.7, gains (0.1, 0.1), product 0.01.
    #   So the best holding deal is (70, 60), accepted by v with zero margin.
    text = scenario_text(i2="i2: {position: 100, salience: 1}",
                         v_stance="{i2: {position: 0, salience: 1}}")
    draws, r = run(text)
    np.testing.assert_allclose(r.deal.x[0], [0.7, 1.0], atol=1e-12)
    np.testing.assert_allclose(r.deal.gain[0], [0.35, 0.35], atol=1e-12)
    (c,) = r.vetoes
    assert c.applies[0] and not c.accepts[0]
    assert c.margin[0] == pytest.approx(-0.4, abs=1e-12)
    assert not r.holds[0]
    h = r.holding
    assert h.exists[0] and h.avoided == ()
    np.testing.assert_allclose(draws.to_user(h.deal.x)[0], [70.0, 60.0], atol=1e-5)
    np.testing.assert_allclose(h.deal.gain[0], [0.15, 0.15], atol=1e-6)
    # linkage: i1 alone (x2 = 50) settles at 0.7; i2 alone (x1 = 50) at 1 (both gain up to
    # the end of the scale); assembled, that is the package: no gain from linkage
    np.testing.assert_array_equal(r.linkage.single_zone[0], [True, True])
    np.testing.assert_allclose(r.linkage.single_deal[0], [0.7, 1.0], atol=1e-12)
    np.testing.assert_allclose(r.linkage.gain[0], [0.0, 0.0], atol=1e-12)
    # what each member gives and gets, relative to the status quo
    np.testing.assert_array_equal(r.linkage.gets[0], [[False, True], [True, True]])
    np.testing.assert_array_equal(r.linkage.gives[0], [[True, False], [False, False]])


def test_by_hand_no_zone_is_reported_as_such():
    # both expect more from no deal than any package can give: d_a = d_b = 0.8 on opposite
    # ideal points (U_a + U_b = 1 on i1). z = (1 − 1.6)/2 = −0.3: no zone, concession 0.3,
    # no deal of any kind.
    _, r = run(scenario_text(no_deal="a: {value: 0.8}\n  b: {value: 0.8}"))
    assert r.zone_value[0] == pytest.approx(-0.3, abs=1e-12)
    assert not r.zone_exists[0]
    assert r.concession[0] == -r.zone_value[0]
    for deal in r.deals.values():
        assert np.isnan(deal.x).all() and np.isnan(deal.gain).all()
    assert np.isnan(r.ideal).all()
    assert r.zone_share[0] == 0.0
    assert not r.holds[0] and not r.holding.exists[0]
    (c,) = r.vetoes
    assert not c.applies[0] and np.isnan(c.margin[0])
    assert not r.linkage.single_zone.any() and not r.linkage.package_only[0]
    assert np.isnan(r.linkage.gain).all()
