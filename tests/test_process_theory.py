"""What bargaining theory says the process model must reproduce, and the process's invariants.

Published results (each on an example whose answer is known in closed form):

* Rubinstein (1982): alternating offers over a unit surplus with discount factors δ0, δ1 —
  the first proposer keeps (1 − δ1)/(1 − δ0·δ1). Random recognition (ρ0, ρ1) solves the
  stationary equations c_j = δ_j·(ρ_j·(1 − c_−j) + ρ_−j·c_j); with ρ = (½, ½) and a common δ
  the proposer keeps 1 − δ/2.
* Baron & Ferejohn (1989), closed rule, unanimity, transferable utility, common δ and
  recognition ρ: in the stationary SSPE a member's value is ρ_j (in shares of the surplus),
  so a responder gets δ·ρ_j and the proposer keeps 1 − δ·(1 − ρ_k); with equal recognition
  1 − δ(n − 1)/n and δ/n. detente's n > 2 continuation is d + δ(v − d) with v the
  ρ-weighted Nash payoffs; under TU the ρ-weighted Nash split *is* ρ, so there the formula is
  exact (not a limit). With unequal δ's it is an approximation (the SSPE's values then
  depend on the δ's); nothing below claims more.
* Fearon (1995): two actors over [0, 1], A wins a war with probability p at cost c_A, B at
  c_B: the packages both prefer to war are exactly [p − c_A, p + c_B] (A's share), non-empty
  iff c_A + c_B > 0.

Transferable utility in detente's own terms: one issue between two members with opposite
ideals (1 and 0) and full salience gives U0 = x, U1 = 1 − x. For n members, n issues in a
cycle — member j has ideal 1 on issue j and 0 on issue j − 1, salience ½ on each — give
Σ_j U_j ≡ n/2 for every package; with every no-deal value d = (n/2 − 1)/(n − 1) the set of
packages all prefer to no deal is, in utility space, exactly the simplex {u ≥ d, Σ u = n/2}
(its corners are reachable and the utility image of the cube is convex).

Then Hypothesis properties of analyze() on small random scenarios: a deal is never concluded
where (or before) there is no zone; the simulated paths are internally consistent; the same
seed gives the same paths and the chunking does not matter; and with common beliefs, no
commitment problem and talks that always decide, the process reduces to the zone answer.

Numerical honesty: two-member continuation values are solved by bisection on the exact
frontier (64 halvings: to rounding); n > 2 uses the interior-point solver (~1e-8). The simulation adds :data:`detente.process.simulate.MARGIN` to every floor a
proposer must meet, so end-to-end packages are compared with a tolerance of a few MARGINs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detente.analysis import analyze
from detente.bargain import bargain_tables, core
from detente.process.proposals import best_package, continuation
from detente.scenario.draws import point_draws
from detente.scenario.load import loads_scenario

try:  # the simulation's safety margin on floors (utility units)
    from detente.process.simulate import MARGIN
except ImportError:  # pragma: no cover - older code without it
    MARGIN = 0.0

EXACT = 1e-6  # the closed forms, through continuation + best_package
E2E = 1e-6 + 4 * MARGIN  # the same, end to end through analyze()
FAST = settings(max_examples=25, deadline=None)


# =========================================================================== helpers
def split():
    """One issue, member 0 ideal 1 and member 1 ideal 0, full salience, no-deal values 0:
    U0 = x, U1 = 1 − x (a unit surplus)."""
    w = np.array([[[1.0], [1.0]]])
    p = np.array([[[1.0], [0.0]]])
    return w, p, np.zeros((1, 2)), np.array([[0.5]]), np.ones((1, 1), bool)


def cyclic(n: int):
    """n members and n issues in a cycle (module docstring): TU with surplus n/2 − n·d."""
    w = np.zeros((1, n, n))
    p = np.zeros((1, n, n))
    for j in range(n):
        w[0, j, j] = w[0, j, (j - 1) % n] = 0.5
        p[0, j, j] = 1.0  # its ideal on issue j − 1 is 0
    d = (n / 2 - 1) / (n - 1)
    return w, p, np.full((1, n), d), np.full((1, n), 0.5), np.ones((1, n), bool), n / 2 - n * d


def rubinstein(d0: float, d1: float) -> tuple[float, float]:
    """What each member keeps when it proposes under alternating offers (Rubinstein 1982)."""
    return (1 - d1) / (1 - d0 * d1), (1 - d0) / (1 - d0 * d1)


def random_sspe(r0: float, d0: float, d1: float) -> np.ndarray:
    """Two members, unit surplus, random recognition (r0, 1 − r0): the continuation values
    c_j = δ_j (ρ_j (1 − c_−j) + ρ_−j c_j), solved exactly."""
    r1 = 1 - r0
    a = np.array([[1 - d0 * r1, d0 * r0], [d1 * r1, 1 - d1 * r0]])
    return np.linalg.solve(a, np.array([d0 * r0, d1 * r1]))


def offer(w, p, d, q, free, cont, k: int) -> np.ndarray:
    """Member k's best proposal given the others' continuation values (its own floor: its
    no-deal value, as in the simulation); the members' utilities of it (K,)."""
    floors = cont.copy()
    floors[0, k] = d[0, k]
    x, ok = best_package(w, p, floors, q, free, np.array([k]))
    assert ok[0], "the proposer must find a package every member accepts"
    return core.utilities(w, p, x)[0]


def scenario_text(d: dict) -> str:
    return yaml.safe_dump(d, sort_keys=False, allow_unicode=True)


def base_doc(actors, issues, stances, tables, **extra) -> dict:
    doc = {"detente": 1, "id": "theory", "title": "Theory check", "as_of": dt.date(2025, 1, 1),
           "actors": [{"id": a, "name": a.upper(), "capability": c} for a, c in actors],
           "issues": [{"id": i, "name": i.upper(), "scale": [0, 100], "status_quo": sq}
                      for i, sq in issues],
           "stances": stances,
           "tables": [{"id": t, "members": list(m)} for t, m in tables]}
    doc.update(extra)
    return doc


# =========================================================================== 1. Rubinstein
PAIRS = [(0.9, 0.9), (0.5, 0.8), (0.8, 0.5), (0.95, 0.6), (0.3, 0.0), (0.0, 0.7), (0.99, 0.9),
         (0.6, 0.99)]


@pytest.mark.parametrize("d0, d1", PAIRS)
def test_alternating_offers_give_the_rubinstein_split(d0, d1):
    w, p, d, q, free = split()
    c = continuation(w, p, d, q, free, np.full((1, 2), 0.5), np.array([[d0, d1]]),
                     alternating=True)
    x0, x1 = rubinstein(d0, d1)
    # the stationarity equations themselves: waiting is worth one's own next proposal, discounted
    assert c[0] == pytest.approx([d0 * x0, d1 * x1], abs=EXACT)
    u = offer(w, p, d, q, free, c, 0)
    assert u[0] == pytest.approx(x0, abs=EXACT)
    assert u[1] == pytest.approx(c[0, 1], abs=EXACT)  # the responder is held to indifference
    u = offer(w, p, d, q, free, c, 1)
    assert u[1] == pytest.approx(x1, abs=EXACT)
    assert u[0] == pytest.approx(c[0, 0], abs=EXACT)


def test_first_mover_advantage_vanishes_as_both_grow_patient():
    w, p, d, q, free = split()
    shares = []
    for delta in (0.5, 0.9, 0.99):
        c = continuation(w, p, d, q, free, np.full((1, 2), 0.5), np.full((1, 2), delta),
                         alternating=True)
        shares.append(offer(w, p, d, q, free, c, 0)[0])
    assert shares == pytest.approx([1 / (1 + dl) for dl in (0.5, 0.9, 0.99)], abs=EXACT)
    assert shares[0] > shares[1] > shares[2] > 0.5
    # perfectly patient members: the Nash split
    c = continuation(w, p, d, q, free, np.full((1, 2), 0.5), np.ones((1, 2)), alternating=True)
    assert c[0] == pytest.approx([0.5, 0.5], abs=1e-9)


@pytest.mark.parametrize("delta", [0.0, 0.3, 0.5, 0.9, 0.99, 0.999])
def test_random_recognition_proposer_keeps_one_minus_half_delta(delta):
    w, p, d, q, free = split()
    c = continuation(w, p, d, q, free, np.full((1, 2), 0.5), np.full((1, 2), delta))
    assert c[0] == pytest.approx([delta / 2, delta / 2], abs=EXACT)
    for k in (0, 1):
        u = offer(w, p, d, q, free, c, k)
        assert u[k] == pytest.approx(1 - delta / 2, abs=EXACT)
        assert u[1 - k] == pytest.approx(delta / 2, abs=EXACT)


@FAST
@given(st.floats(0.05, 0.95), st.floats(0.0, 0.99), st.floats(0.0, 0.99))
def test_random_recognition_sspe_with_unequal_recognition_and_patience(r0, d0, d1):
    w, p, d, q, free = split()
    c = continuation(w, p, d, q, free, np.array([[r0, 1 - r0]]), np.array([[d0, d1]]))
    want = random_sspe(r0, d0, d1)
    assert c[0] == pytest.approx(want, abs=EXACT)
    assert offer(w, p, d, q, free, c, 0)[0] == pytest.approx(1 - want[1], abs=EXACT)
    assert offer(w, p, d, q, free, c, 1)[1] == pytest.approx(1 - want[0], abs=EXACT)


@FAST
@given(st.floats(0.0, 0.99), st.floats(0.0, 0.99))
def test_alternating_offers_for_any_patience_below_0_99(d0, d1):
    w, p, d, q, free = split()
    c = continuation(w, p, d, q, free, np.full((1, 2), 0.5), np.array([[d0, d1]]),
                     alternating=True)
    x0, x1 = rubinstein(d0, d1)
    assert c[0] == pytest.approx([d0 * x0, d1 * x1], abs=EXACT)


# Patient members: a fixed-point iteration contracts only at about √(δ0·δ1) per step, so the
# first implementation (2,000 iterations) was off by up to 0.18 here; continuation() now finds
# the fixed point by bisection on a monotone function, exact for any δ < 1.
PATIENT = [(1.0, 0.999, True), (1.0, 0.999, False), (0.9999, 0.999, True),
           (0.9999, 0.999, False), (1.0, 0.99, True), (1.0, 0.99, False), (0.999, 0.99, True),
           (0.999, 0.99, False), (0.999, 0.999, True)]


@pytest.mark.parametrize("d0, d1, alternating", PATIENT)
def test_continuation_converges_for_patient_members(d0, d1, alternating):
    w, p, d, q, free = split()
    c = continuation(w, p, d, q, free, np.full((1, 2), 0.5), np.array([[d0, d1]]),
                     alternating=alternating)
    x0, x1 = rubinstein(d0, d1)
    want = [d0 * x0, d1 * x1] if alternating else random_sspe(0.5, d0, d1)
    assert c[0] == pytest.approx(want, abs=EXACT)


def _rubinstein_scenario(d0: float, d1: float, recognition) -> str:
    return scenario_text(base_doc(
        [("a", 1), ("b", 1)], [("i", 50)],
        {"a": {"i": {"position": 100, "salience": 1}},
         "b": {"i": {"position": 0, "salience": 1}}},
        [("ab", ("a", "b"))],
        no_deal={"a": {"value": 0.0}, "b": {"value": 0.0}},
        process={"horizon": 1, "discount": {"a": d0, "b": d1},
                 "base_rate": {"pace": 1.0}, "commitment": {"window": 0},
                 "tables": {"ab": {"recognition": recognition}}}))


@pytest.mark.parametrize("d0, d1", [(0.9, 0.9), (0.5, 0.8), (0.95, 0.6)])
def test_rubinstein_split_end_to_end(d0, d1):
    a = analyze(loads_scenario(_rubinstein_scenario(d0, d1, "alternating")), models=())
    tp = a.process.tables["ab"]
    assert tp.concluded[0, 0] and tp.proposer[0, 0] == 0  # a (the first member) opens
    assert tp.package[0, 0] == pytest.approx(rubinstein(d0, d1)[0], abs=E2E)


def test_random_proposer_end_to_end():
    delta = 0.8
    s = loads_scenario(_rubinstein_scenario(delta, delta, {"a": 1, "b": 1}))
    a = analyze(s, draws=64, seed=4, models=(), sensitivity=False)
    tp = a.process.tables["ab"]
    assert tp.concluded[:, 0].all()
    k = tp.proposer[:, 0]
    assert set(k.tolist()) == {0, 1}
    mine = np.where(k == 0, tp.package[:, 0], 1 - tp.package[:, 0])  # U_a = x, U_b = 1 − x
    assert mine == pytest.approx(np.full(64, 1 - delta / 2), abs=E2E)


# =========================================================================== 2. Baron–Ferejohn
@pytest.mark.parametrize("n", [3, 4, 5])
def test_cyclic_table_is_transferable_utility(n):
    w, p, d, q, free, pie = cyclic(n)
    rng = np.random.default_rng(n)
    x = rng.uniform(size=(200, n))
    u = core.utilities(np.repeat(w, 200, 0), np.repeat(p, 200, 0), x)
    assert u.sum(axis=1) == pytest.approx(np.full(200, n / 2), abs=1e-12)
    # each corner of the simplex is reachable: member 0 gets d + pie, the others d
    # U_j = ½ + ½(x_j − x_{j−1}): x_j = 1 − j/(n − 1) gives member 0 all of it (x_0 = 1,
    # x_{n−1} = 0) and every other member ½ − 1/(2(n − 1)) = d
    corner = 1 - np.arange(n)[None, :] / (n - 1)
    uc = core.utilities(w, p, corner)[0]
    assert uc == pytest.approx(np.r_[d[0, 0] + pie, d[0, 1:]], abs=1e-12)


@pytest.mark.parametrize("n", [3, 4, 5])
@pytest.mark.parametrize("delta", [0.3, 0.8, 0.95, 1.0])
def test_baron_ferejohn_proposer_premium_equal_recognition(n, delta):
    w, p, d, q, free, pie = cyclic(n)
    rho = np.full((1, n), 1 / n)
    c = continuation(w, p, d, q, free, rho, np.full((1, n), delta))
    assert c[0] == pytest.approx(d[0] + pie * delta / n, abs=EXACT)
    for k in range(n):
        u = offer(w, p, d, q, free, c, k)
        share = (u - d[0]) / pie
        assert share[k] == pytest.approx(1 - delta * (n - 1) / n, abs=EXACT)
        assert np.delete(share, k) == pytest.approx(np.full(n - 1, delta / n), abs=EXACT)


@pytest.mark.parametrize("rho", [(0.5, 0.3, 0.2), (0.1, 0.1, 0.8)])
@pytest.mark.parametrize("delta", [0.5, 0.9])
def test_baron_ferejohn_with_unequal_recognition(rho, delta):
    # common δ, TU: a member's SSPE value is its recognition probability (in shares)
    w, p, d, q, free, pie = cyclic(3)
    r = np.array([rho])
    c = continuation(w, p, d, q, free, r, np.full((1, 3), delta))
    assert c[0] == pytest.approx(d[0] + pie * delta * r[0], abs=EXACT)
    for k in range(3):
        share = (offer(w, p, d, q, free, c, k) - d[0]) / pie
        want = delta * r[0]
        want[k] = 1 - delta * (1 - rho[k])
        assert share == pytest.approx(want, abs=EXACT)


def tu_sspe(rho: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Baron–Ferejohn, unanimity, unit surplus, any δ's: the stationary values v solve
    v_j = ρ_j (1 − Σ_{i≠j} δ_i v_i) + (1 − ρ_j) δ_j v_j; a responder's continuation is δ_j v_j."""
    n = rho.size
    a = rho[:, None] * delta[None, :]
    a[np.arange(n), np.arange(n)] = 1 - (1 - rho) * delta
    return np.linalg.solve(a, rho)


@pytest.mark.parametrize("delta", [0.5, 0.9, 0.99])
def test_tu_sspe_helper_is_baron_ferejohn_for_a_common_delta(delta):
    v = tu_sspe(np.full(3, 1 / 3), np.full(3, delta))
    assert v == pytest.approx(np.full(3, 1 / 3), abs=1e-12)  # v = ρ, whatever δ


def test_baron_ferejohn_limit_with_unequal_patience():
    # δ_j = 1 − ε r_j with r = (5, 1, 1), ε = 1e-3: the impatient member's value tends to
    # ρ_j/r_j / Σ ρ_i/r_i = 1/11 of the surplus, not ρ_j = 1/3 (Binmore, Rubinstein & Wolinsky
    # 1986 for two members; the same stationary equations for n).
    w, p, d, q, free, pie = cyclic(3)
    rho = np.full(3, 1 / 3)
    delta = 1 - 1e-3 * np.array([5.0, 1.0, 1.0])
    c = continuation(w, p, d, q, free, rho[None], delta[None])
    want = delta * tu_sspe(rho, delta)
    assert want == pytest.approx([1 / 11, 5 / 11, 5 / 11], abs=2e-3)
    assert (c[0] - d[0]) / pie == pytest.approx(want, abs=1e-2)


def _cyclic_scenario(discount: float, breakdown: float, recognition: dict) -> str:
    names = ["a", "b", "c"]
    stances = {m: {f"i{j}": {"position": 100, "salience": 1},
                   f"i{(j - 1) % 3}": {"position": 0, "salience": 1}}
               for j, m in enumerate(names)}
    return scenario_text(base_doc(
        [(m, 1) for m in names], [(f"i{j}", 50) for j in range(3)], stances,
        [("abc", tuple(names))],
        no_deal={m: {"cost": 0.25} for m in names},  # U(q) = ½: d = ¼, the surplus ¾
        process={"horizon": 1, "discount": {m: discount for m in names},
                 "breakdown": breakdown, "base_rate": {"pace": 1.0},
                 "commitment": {"window": 0}, "tables": {"abc": {"recognition": recognition}}}))


@pytest.mark.parametrize("discount, breakdown", [(0.9, 0.0), (1.0, 0.2), (0.9, 0.1)])
@pytest.mark.parametrize("recognition", [{"a": 1, "b": 1, "c": 1}, {"a": 5, "b": 3, "c": 2}])
def test_baron_ferejohn_end_to_end(discount, breakdown, recognition):
    # the risk of breakdown discounts like patience: δ = (1 − breakdown)·discount
    delta = (1 - breakdown) * discount
    a = analyze(loads_scenario(_cyclic_scenario(discount, breakdown, recognition)), draws=48,
                seed=9, models=(), sensitivity=False)
    tp = a.process.tables["abc"]
    rho = np.array([recognition[m] for m in "abc"], float)
    rho /= rho.sum()
    assert tp.concluded[:, 0].all()
    w, p, *_ = cyclic(3)
    u = core.utilities(np.repeat(w, 48, 0), np.repeat(p, 48, 0), tp.package)
    share = (u - 0.25) / 0.75
    k = tp.proposer[:, 0]
    assert len(set(k.tolist())) == 3
    want = delta * rho[None, :].repeat(48, 0)
    want[np.arange(48), k] = 1 - delta * (1 - rho[k])
    assert share == pytest.approx(want, abs=E2E)


# =========================================================================== 3. Fearon
def _fearon_scenario(pw: float, ca: float, cb: float, how: str) -> str:
    if how == "expects":  # both expect the war's expected outcome, and pay its cost
        no_deal = {"a": {"cost": ca, "expects": {"i": 100 * pw}},
                   "b": {"cost": cb, "expects": {"i": 100 * pw}}}
    else:  # the same no-deal values, declared
        no_deal = {"a": {"value": pw - ca}, "b": {"value": 1 - pw - cb}}
    return scenario_text(base_doc(
        [("a", 1), ("b", 1)], [("i", 50)],
        {"a": {"i": {"position": 100, "salience": 1}},
         "b": {"i": {"position": 0, "salience": 1}}},
        [("ab", ("a", "b"))], no_deal=no_deal))


def _check_fearon(pw: float, ca: float, cb: float, how: str) -> None:
    s = loads_scenario(_fearon_scenario(pw, ca, cb, how))
    draws = point_draws(s)
    r = bargain_tables(s, draws)["ab"]
    assert r.no_deal[0] == pytest.approx([pw - ca, 1 - pw - cb], abs=1e-12)
    assert r.zone_value[0] == pytest.approx((ca + cb) / 2, abs=1e-9)
    w = np.array([[[1.0], [1.0]]])
    p = np.array([[[1.0], [0.0]]])
    z, _ = core.zone(w, p, r.no_deal, np.array([[0.5]]), np.ones((1, 1), bool))
    assert z[0] == pytest.approx((ca + cb) / 2, abs=1e-9)
    assert bool(r.zone_exists[0]) == (ca + cb > 0)
    if ca + cb <= 0:
        assert r.concession[0] == pytest.approx(-(ca + cb) / 2, abs=1e-9)
        assert np.isnan(r.deal.x[0]).all()
        return
    lo, hi = pw - ca, pw + cb
    # A's best acceptable package is the range's top; B's best is its bottom
    assert r.ideal[0, 0] == pytest.approx(hi, abs=1e-9)
    assert 1 - r.ideal[0, 1] == pytest.approx(lo, abs=1e-9)
    assert r.deal.x[0, 0] == pytest.approx((lo + hi) / 2, abs=1e-9)  # Nash: the midpoint
    assert r.zone_share[0] == pytest.approx(hi - lo, abs=2e-3)  # 1,024 Sobol points
    # every package inside the range is acceptable to both, none outside it is
    x = np.linspace(0, 1, 2001)
    u = core.utilities(np.repeat(w, x.size, 0), np.repeat(p, x.size, 0), x[:, None])
    both = (u >= r.no_deal[0] - 1e-12).all(axis=1)
    inside = (x >= lo - 1e-12) & (x <= hi + 1e-12)
    np.testing.assert_array_equal(both, inside)


@pytest.mark.parametrize("how", ["expects", "value"])
@pytest.mark.parametrize("pw, ca, cb", [
    (0.5, 0.1, 0.1), (0.7, 0.05, 0.2), (0.3, 0.2, 0.0), (0.6, 0.0, 0.01),
    (0.5, 0.0, 0.0), (0.4, 0.1, -0.1), (0.6, 0.05, -0.08), (0.2, -0.05, -0.05)])
def test_fearon_bargaining_range(pw, ca, cb, how):
    _check_fearon(pw, ca, cb, how)


@FAST
@given(st.floats(0.2, 0.8), st.floats(-0.15, 0.15), st.floats(-0.15, 0.15),
       st.sampled_from(["expects", "value"]))
def test_fearon_bargaining_range_property(pw, ca, cb, how):
    assume(abs(ca + cb) > 1e-6)  # the zone tolerance (1e-7 on the half-width) aside
    _check_fearon(pw, ca, cb, how)


def test_fearon_range_holds_the_rubinstein_split_of_the_surplus_end_to_end():
    # The process concludes inside the bargaining range, and alternating offers divide its
    # surplus c_A + c_B as Rubinstein says: A, proposing first, gets d_A + S·(1 − δB)/(1 − δA·δB).
    pw, ca, cb, da, db = 0.6, 0.1, 0.15, 0.9, 0.8
    doc = yaml.safe_load(_fearon_scenario(pw, ca, cb, "expects"))
    doc["process"] = {"horizon": 1, "discount": {"a": da, "b": db}, "base_rate": {"pace": 1.0},
                      "commitment": {"window": 0}, "tables": {"ab": {"recognition": "alternating"}}}
    a = analyze(loads_scenario(scenario_text(doc)), models=())
    tp = a.process.tables["ab"]
    assert tp.concluded[0, 0] and tp.proposer[0, 0] == 0
    x = tp.package[0, 0]
    assert pw - ca < x < pw + cb
    assert x == pytest.approx(pw - ca + (ca + cb) * rubinstein(da, db)[0], abs=E2E)


# =========================================================================== 4. properties
ACTORS = ("a", "b", "c")
unit = st.integers(0, 100)
sal = st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0])


@st.composite
def random_doc(draw, *, reduction: bool = False):
    """A small random scenario (2–3 actors, 1–3 issues, one or two tables) as plain data.

    ``reduction``: common beliefs (no ``expects``), no drift, no commitment window, talks
    that always meet and decide, no breakdown, no partial agreements."""
    na = draw(st.integers(2, 3))
    ni = draw(st.integers(1, 3))
    actors = ACTORS[:na]
    issues = [f"i{j}" for j in range(ni)]
    stances = {}
    for a in actors:
        s = {}
        for i in issues:
            v = draw(sal)
            if v > 0:
                s[i] = {"position": draw(unit), "salience": v}
        if not s:
            s[issues[0]] = {"position": draw(unit), "salience": 1.0}
        stances[a] = s
    for i in issues:  # every issue matters to someone (the loader insists)
        if not any(i in s for s in stances.values()):
            stances[draw(st.sampled_from(actors))][i] = {"position": draw(unit), "salience": 0.5}
    if na == 2:
        tables = [("ab", ("a", "b"))]
    else:
        tables = draw(st.sampled_from([[("abc", ("a", "b", "c"))],
                                       [("ab", ("a", "b")), ("abc", ("a", "b", "c"))],
                                       [("ab", ("a", "b")), ("bc", ("b", "c"))]]))
    money = st.floats(-0.05, 0.25).map(lambda v: round(v, 3))
    no_deal, unc = {}, {}
    for a in actors:
        nd = {"cost": draw(money)}
        if not reduction:
            nd["drift"] = draw(st.floats(-0.06, 0.03).map(lambda v: round(v, 4)))
            if draw(st.booleans()):
                i = draw(st.sampled_from(issues))
                nd["expects"] = {i: {"value": draw(unit), "sd": draw(st.sampled_from([0, 5]))}}
        no_deal[a] = nd
        unc[f"no_deal.{a}.cost"] = f"uniform({nd['cost'] - 0.08:.3f}, {nd['cost'] + 0.08:.3f})"
    a0 = draw(st.sampled_from(actors))
    i0 = draw(st.sampled_from(issues))
    if i0 in stances[a0]:
        unc[f"stances.{a0}.{i0}.position"] = "uniform(0, 100)"
    unc["actors.a.capability"] = "uniform(0.5, 3)"
    proc: dict = {"horizon": 3}
    tproc = {}
    for tid, members in tables:
        t = {}
        if len(members) == 2 and draw(st.booleans()):
            t["recognition"] = "alternating"
        elif draw(st.booleans()):
            t["recognition"] = {m: draw(st.sampled_from([1, 2, 5])) for m in members}
        if not reduction:
            t["chance"] = draw(st.sampled_from([0.5, 1.0]))
            t["start"] = draw(st.sampled_from([0, 1]))
        tproc[tid] = t
    proc["tables"] = tproc
    if reduction:  # impatient members (δ < 1); the patient default: a test of its own below
        proc["discount"] = {a: draw(st.sampled_from([0.5, 0.8, 0.95])) for a in actors}
    elif draw(st.booleans()):
        proc["discount"] = {a: draw(st.sampled_from([0.5, 0.8, 0.95, 1.0])) for a in actors}
    if reduction:
        proc["base_rate"] = {"pace": 1.0}
        proc["commitment"] = {"window": 0}
    else:
        proc["breakdown"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
        proc["base_rate"] = {"pace": draw(st.sampled_from([0.3, 0.7, 1.0])),
                             "lapse": draw(st.sampled_from([0.0, 0.2]))}
        proc["commitment"] = {"window": draw(st.sampled_from([0, 2])),
                              "penalty": {a0: draw(st.sampled_from([0.0, 0.05]))}}
        if draw(st.booleans()):
            proc["beliefs"] = {"half_life": draw(st.sampled_from([1, 3]))}
        if draw(st.booleans()):
            unc["process.base_rate.pace"] = "uniform(0.2, 1)"
        tid, members = tables[-1]
        if draw(st.booleans()):
            settles = list(issues) if draw(st.booleans()) else [issues[0]]
            proc["partials"] = [{"id": "step", "table": tid, "issues": settles,
                                 "chance": 0.5, "duration": 1}]
    return base_doc([(a, 1 + k) for k, a in enumerate(actors)],
                    [(i, draw(unit)) for i in issues], stances, tables,
                    no_deal=no_deal, uncertainty=unc, process=proc)


def cum(m: np.ndarray) -> np.ndarray:
    return np.logical_or.accumulate(m, axis=1)


@settings(max_examples=30, deadline=None)
@given(random_doc(), st.integers(0, 2**16))
def test_concluded_never_outruns_the_zone_and_paths_are_consistent(doc, seed):
    s = loads_scenario(scenario_text(doc))
    a = analyze(s, draws=12, seed=seed, models=(), sensitivity=False)
    pr = a.process
    for tid, tp in pr.tables.items():
        zone = pr.timelines[tid].zone
        # P(concluded by t) ≤ P(zone by t), draw by draw — indeed month by month
        assert not (cum(tp.concluded) & ~cum(zone)).any()
        assert not (tp.concluded & ~zone).any()
        for pa in tp.partials.values():
            # a partial agreement over every issue is a deal without the value of waiting: it
            # needs a zone; one over fewer issues leaves the others open and may be agreed
            # without one (docs/explanation/process.md, partial agreements)
            decl = next(x for x in s.process.partials if x.id == pa.id)
            if set(decl.issues) == set(s.issue_ids()):
                assert not (pa.concluded & ~zone).any()
            assert not (pa.in_force & ~cum(pa.concluded)).any()
        # the path's own logic
        assert not (tp.decisive & ~tp.talks).any()
        np.testing.assert_array_equal(tp.proposer >= 0, tp.decisive)
        assert not (tp.proposed & ~tp.decisive).any()
        assert not (tp.concluded & ~tp.proposed).any()
        assert not (tp.rejected & ~tp.proposed).any()
        assert not (tp.rejected & tp.concluded).any()
        np.testing.assert_array_equal(tp.rejecters.any(axis=2), tp.rejected)
        assert not (tp.broke_down & ~tp.rejected).any()
        assert not (tp.talks & np.roll(cum(tp.broke_down), 1, axis=1)
                    & (np.arange(tp.talks.shape[1]) > 0)).any()  # no talks after a breakdown
        assert not (tp.in_force & ~cum(tp.concluded)).any()
        assert not (tp.lapsed & ~np.roll(cum(tp.concluded), 1, axis=1)).any()
        assert not (tp.lapsed[:, 0]).any()
        assert not (tp.reneged & ~tp.lapsed).any()
        np.testing.assert_array_equal(np.isfinite(tp.package).all(axis=1),
                                      tp.concluded.any(axis=1))
        assert not (tp.credible & ~zone).any()


def _arrays(obj, prefix=""):
    """Every array of a (nested) result, by path."""
    import dataclasses

    if isinstance(obj, np.ndarray):
        yield prefix, obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _arrays(getattr(obj, f.name), f"{prefix}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _arrays(v, f"{prefix}[{k}]")
    elif isinstance(obj, tuple):
        for k, v in enumerate(obj):
            yield from _arrays(v, f"{prefix}[{k}]")


def assert_same_arrays(x, y):
    ax, ay = dict(_arrays(x)), dict(_arrays(y))
    assert ax.keys() == ay.keys()
    for k in ax:
        np.testing.assert_array_equal(ax[k], ay[k], err_msg=k)


@settings(max_examples=10, deadline=None)
@given(random_doc(), st.integers(0, 2**16))
def test_same_seed_same_paths(doc, seed):
    s = loads_scenario(scenario_text(doc))
    one = analyze(s, draws=8, seed=seed, models=(), sensitivity=False)
    two = analyze(s, draws=8, seed=seed, models=(), sensitivity=False)
    assert_same_arrays(one.process, two.process)


CHUNKED = base_doc(
    [("a", 2), ("b", 1), ("c", 1)], [("i0", 50), ("i1", 20)],
    {"a": {"i0": {"position": 100, "salience": 1}, "i1": {"position": 0, "salience": 0.5}},
     "b": {"i0": {"position": 0, "salience": 1}, "i1": {"position": 90, "salience": 0.4}},
     "c": {"i0": {"position": 40, "salience": 0.6}}},
    [("ab", ("a", "b")), ("abc", ("a", "b", "c"))],
    no_deal={"a": {"cost": 0.05, "expects": {"i0": {"value": 60, "sd": 5}}},
             "b": {"cost": 0.08, "drift": 0.01}, "c": {"cost": 0.02}},
    uncertainty={"no_deal.a.cost": "uniform(0, 0.15)", "no_deal.b.cost": "uniform(-0.05, 0.15)",
                 "process.base_rate.pace": "uniform(0.2, 0.9)"},
    process={"horizon": 3, "breakdown": 0.1, "discount": {"a": 0.9},
             "beliefs": {"half_life": 2}, "base_rate": {"pace": 0.5, "lapse": 0.05},
             "commitment": {"window": 2},
             "partials": [{"id": "step", "table": "abc", "issues": ["i1"], "chance": 0.5,
                           "duration": 1}]},
    questions=[
        {"id": "zone", "text": "?", "when": {"zone": {"table": "ab", "by_month": 1}}},
        {"id": "deal", "text": "?", "when": {"concluded": {"table": "ab", "by_month": 3}}},
        {"id": "deal3", "text": "?", "when": {"concluded": {"table": "abc", "by_month": 2}}},
        {"id": "step", "text": "?",
         "when": {"concluded": {"table": "abc", "partial": "step", "by_month": 3}}},
        {"id": "force", "text": "?", "when": {"in_force": {"table": "ab", "at_month": 3}}},
        {"id": "lapsed", "text": "?", "when": {"lapsed": {"table": "ab", "by_month": 3}}},
        {"id": "talks", "text": "?", "when": {"talks": {"table": "abc", "by_month": 0}}},
        {"id": "cred", "text": "?", "when": {"credible": {"table": "ab", "by_month": 3}}}])


def test_chunking_does_not_change_the_answers():
    s = loads_scenario(scenario_text(CHUNKED))
    one = analyze(s, draws=2100, seed=21, models=(), sensitivity=False)
    chunked = analyze(s, draws=2100, seed=21, models=(), sensitivity=False, backend="serial",
                      chunk_size=1024)
    assert [q.probability for q in one.questions] == [q.probability for q in chunked.questions]
    for q1, q2 in zip(one.questions, chunked.questions):
        np.testing.assert_array_equal(q1.truth, q2.truth)
    assert_same_arrays(one.process, chunked.process)
    # not trivially so: the answers are neither all 0 nor all 1
    assert any(0 < q.probability < 1 for q in one.questions)


# =========================================================================== 5. reduction
@settings(max_examples=30, deadline=None)
@given(random_doc(reduction=True), st.integers(0, 2**16))
def test_process_reduces_to_the_zone_answer(doc, seed):
    s = loads_scenario(scenario_text(doc))
    a = analyze(s, draws=12, seed=seed, models=(), sensitivity=False)
    pr = a.process
    for tid, tp in pr.tables.items():
        tl = pr.timelines[tid]
        zone0 = tl.zone[:, 0]
        assert tp.talks[:, 0].all() and tp.decisive[:, 0].all()
        # a zone of width within a few MARGINs may not be enough for the proposer's margins
        clear = ~zone0 | (tl.zone_value[:, 0] > 1e-4)
        np.testing.assert_array_equal(tp.concluded[clear, 0], zone0[clear])
        assert not tp.concluded[clear, 1:].any()
        assert not tp.rejected[clear].any() and not tp.lapsed.any()
        np.testing.assert_array_equal(tp.in_force[clear],
                                      np.repeat(zone0[clear, None], tp.in_force.shape[1], 1))


def test_reduction_with_patient_members_and_a_deal_at_a_members_ideal():
    # δ = 1 (the defaults: discount 1, no breakdown): a responder's continuation value is its
    # Nash payoff. Here the Nash deal is b's ideal (x = 0, the status quo): when a proposes
    # first it must offer b (within MARGIN) its maximum — possible, and the deal is concluded
    # at month 0. (Rubinstein with δ → 1: a offers x = 0 and b accepts.) The first
    # implementation demanded the maximum *plus* MARGIN: no proposal at all.
    s = loads_scenario(scenario_text(base_doc(
        [("a", 1), ("b", 1)], [("i", 0)],
        {"a": {"i": {"position": 100, "salience": 1}},
         "b": {"i": {"position": 0, "salience": 1}}},
        [("ab", ("a", "b"))], no_deal={"a": {"cost": 0.3}, "b": {"cost": 0.01}},
        process={"horizon": 2, "base_rate": {"pace": 1.0}, "commitment": {"window": 0},
                 "tables": {"ab": {"recognition": "alternating"}}})))
    a = analyze(s, models=())
    tp, tl = a.process.tables["ab"], a.process.timelines["ab"]
    assert tl.zone[0, 0] and tl.zone_value[0, 0] == pytest.approx(0.01)
    assert tp.proposer[0, 0] == 0
    assert tp.concluded[0, 0]
