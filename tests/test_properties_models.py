"""What the published definitions of the dynamic forecast models imply, as Hypothesis properties.

Exchange model (Stokman & Van Oosten 1994; Equal Gain, Dijkstra et al. 2018; see
docs/explanation/exchange-model.md), KTAB's Spatial Model of Politics (docs/explanation/smp.md)
and the expected-utility model (Scholz et al. 2011; docs/explanation/eum.md):

* **Relabelling.** Listing the actors, or the issues, in another order relabels the results and
  changes nothing else. Each model breaks *exact* ties by index (documented tie rules), so the
  inputs here are generic: continuous random draws from a Hypothesis-chosen seed, where ties
  have probability 0 (Hypothesis's favourite values 0, ½, 1 would make ties common and the
  property false by design).
* **The draw axis.** Every model is vectorised over a leading draw axis and "a draw's result does
  not depend on the other draws": a batch of N identical draws gives N identical rows equal to
  the single-draw run, and each row of a batch of different draws equals that draw run alone —
  bit for bit. Running twice gives the same numbers (the models have no randomness).
* **Unanimity.** An issue on which every actor holds the same position is forecast at that
  position.
* Model-specific consequences of the definitions: the exchange model's trail replays to its
  outcome with *equal gains* for both partners of every exchange (the Equal Gain solution), moves
  towards the partner and never past it, and the NBS cap; one issue alone is the compromise
  (weighted mean); the model is symmetric under reversing the scale when decide's one-sided
  move budget is off; capability is only relative. The SMP's forecast is one of the actors'
  final positions and lies within the range of the input positions (bargains interpolate,
  rounded to 4 decimals). The EUM treats issues independently, uses capability only relatively
  and (documented) gives the same result on any increasing affine map of the scale.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from detente.forecast.eum import eum_forecast, eum_rounds
from detente.forecast.exchange import exchange_forecast
from detente.forecast.smp import smp_forecast, smp_run
from detente.forecast.smp_voting import _POS_TOL

FAST = settings(max_examples=25, deadline=None)
SLOW = settings(max_examples=12, deadline=None)
RELABEL_TOL = 1e-9  # sums over actors in another order round differently
SMP_TURNS = 25  # enough turns for the dynamics to matter, few enough to stay fast


# =========================================================================== inputs
def _arrays(seed: int, n: int, a: int, i: int, *, smp: bool = False):
    """Generic inputs: capability (n, a), positions and saliences (n, a, i). SMP saliences are
    divided by the number of issues so that an actor's total stays ≤ 1 (KTAB's convention)."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.1, 1.0, (n, a))
    x = rng.uniform(0.0, 1.0, (n, a, i))
    s = rng.uniform(0.05, 1.0, (n, a, i))
    return c, x, (s / i if smp else s)


@st.composite
def generic(draw, *, actors=(2, 5), issues=(1, 3), n=1, smp=False):
    a = draw(st.integers(*actors), label="actors")
    i = draw(st.integers(*issues), label="issues")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    return _arrays(seed, n, a, i, smp=smp)


@st.composite
def relabelled(draw, *, actors=(2, 5), issues=(1, 3), smp=False):
    """Generic inputs, an actor permutation and an issue permutation: permuted array ``k`` is
    original ``perm[k]``."""
    c, x, s = draw(generic(actors=actors, issues=issues, smp=smp))
    pa = np.array(draw(st.permutations(range(x.shape[1])), label="actor order"))
    pi = np.array(draw(st.permutations(range(x.shape[2])), label="issue order"))
    return (c, x, s), (c[:, pa], x[:, pa][:, :, pi], s[:, pa][:, :, pi]), pa, pi


def _stack(draw, n_max: int, **kw):
    """A batch of draws, some of them repeated: rows (n, ...) and the single draws."""
    c, x, s = draw(generic(n=n_max, **kw))
    rows = np.array(draw(st.lists(st.integers(0, n_max - 1), min_size=2, max_size=5),
                         label="rows"))
    return (c[rows], x[rows], s[rows]), [(c[r:r + 1], x[r:r + 1], s[r:r + 1]) for r in rows]


# =========================================================================== exchange
def _check_exchange_relabelled(case, rounds, **kw):
    (c, x, s), (cp, xp, sp), pa, pi = case
    r = exchange_forecast(c, x, s, rounds=rounds, **kw)
    rp = exchange_forecast(cp, xp, sp, rounds=rounds, **kw)
    np.testing.assert_allclose(rp.outcome, r.outcome[:, pi], atol=RELABEL_TOL, rtol=0)
    np.testing.assert_allclose(rp.path, r.path[:, :, pi], atol=RELABEL_TOL, rtol=0)
    # the same exchanges, in the same order, between the same (relabelled) actors and issues
    new_a, new_i = np.argsort(pa), np.argsort(pi)
    assert len(rp.trail) == len(r.trail)
    for t, tp in zip(r.trail, rp.trail):
        want = (t["round"], {int(new_a[t["actor"]]), int(new_a[t["partner"]])},
                {int(new_i[t["issue_gives"]]), int(new_i[t["issue_gets"]])})
        got = (tp["round"], {tp["actor"], tp["partner"]}, {tp["issue_gives"], tp["issue_gets"]})
        assert got == want
        assert tp["gain"] == pytest.approx(t["gain"], rel=1e-9, abs=1e-15)


@FAST
@given(relabelled(), st.integers(1, 10), st.sampled_from([1.0, None]))
def test_exchange_relabelling_actors_and_issues_relabels_the_forecast(case, rounds, budget):
    """Without the NBS cap (the cap has its own test below)."""
    _check_exchange_relabelled(case, rounds, nbs_cap=False, move_budget=budget)


# The smallest generic case found: 4 actors, 2 issues, capability 1, one round; listing actors
# 1 and 2 the other way round changes the forecast. After a capped move the NBS as decide
# counts it sits on the partner's position up to rounding, so `room` is ±1e-16: `room > 0`
# caps the next move there to nothing in one order and lifts the cap altogether in the other
# (a third exchange happens in one order only). With |room| ≤ 1e-12 treated as 0 (capped) the
# property held on 3,000 random 5-actor cases that failed 6 times without.
EXCHANGE_CAP_MIN = (
    np.array([[[0.751, 0.916], [0.035, 0.615], [0.04, 0.388], [0.641, 0.963]]]),
    np.array([[[0.06, 0.72], [0.99, 0.91], [0.81, 0.05], [0.43, 0.83]]]))


@FAST
@example(case=((np.ones((1, 4)), *EXCHANGE_CAP_MIN),
               (np.ones((1, 4)), EXCHANGE_CAP_MIN[0][:, [0, 2, 1, 3]],
                EXCHANGE_CAP_MIN[1][:, [0, 2, 1, 3]]),
               np.array([0, 2, 1, 3]), np.array([0, 1])), rounds=1)
@given(relabelled(), st.integers(1, 10))
def test_exchange_relabelling_with_the_nbs_cap(case, rounds):
    _check_exchange_relabelled(case, rounds)


@FAST
@given(st.data())
def test_exchange_rows_of_a_batch_are_the_single_draw_runs(data):
    """N identical draws → N identical rows equal to the N = 1 run; any batch → each row is that
    draw run alone; the same input twice → the same numbers."""
    (c, x, s), singles = _stack(data.draw, 3)
    rounds = data.draw(st.integers(1, 10), label="rounds")
    r = exchange_forecast(c, x, s, rounds=rounds)
    assert r.outcome.shape == (len(singles), x.shape[2])
    for k, (ck, xk, sk) in enumerate(singles):
        one = exchange_forecast(ck, xk, sk, rounds=rounds)
        np.testing.assert_array_equal(r.outcome[k], one.outcome[0])
        np.testing.assert_array_equal(r.path[k], one.path[0])
        if k == 0:
            assert r.trail == one.trail  # the trail is draw 0's
    again = exchange_forecast(c, x, s, rounds=rounds)
    np.testing.assert_array_equal(again.path, r.path)


def _counted(state, issue: int, partner: int, mover: int) -> float:
    """The NBS as decide's cap counts it (exchange.py rule 3): the round's start NBS, plus the
    shifts of the actors that moved on ``issue`` towards ``partner``, plus the mover's own
    shift if it is not among them."""
    nbs, w, start, y, toward = state
    own = w[:, issue] * (y[:, issue] - start[:, issue])
    return float(nbs[issue] + own[toward[:, partner, issue]].sum()
                 + (0.0 if toward[mover, partner, issue] else own[mover]))


@FAST
@given(generic(issues=(2, 3)), st.integers(1, 6), st.booleans())
def test_exchange_trail_replays_to_the_outcome_with_equal_gains(inp, rounds, cap):
    """Replaying draw 0's trail from the rules of docs/explanation/exchange-model.md: partners sit
    on opposite sides of the round's starting NBS on both issues; each moves towards the other's
    start position and never past it; both gain the same, dp·s_ap − dq·s_aq = dq·s_bq − dp·s_bp
    = the recorded gain > 0 (Equal Gain); with the NBS cap no move carries the NBS (as decide
    counts it) past the partner; the restart rule then gives the path exactly."""
    c, x, s = inp
    fw, sw = 0.1, 0.4
    r = exchange_forecast(c, x, s, rounds=rounds, nbs_cap=cap, fixed_weight=fw,
                          salience_weight=sw)
    x, s = x[0], s[0]
    raw = c[0][:, None] * s
    w = raw / raw.sum(axis=0)
    n_act = x.shape[0]
    for rnd in range(1, rounds + 1):
        start, y = x.copy(), x.copy()
        nbs = (w * start).sum(axis=0)
        toward = np.zeros((n_act, n_act, x.shape[1]), dtype=bool)  # mover, partner, issue
        state = (nbs, w, start, y, toward)
        for t in (t for t in r.trail if t["round"] == rnd):
            a, b, p, q = t["actor"], t["partner"], t["issue_gets"], t["issue_gives"]
            for iss in (p, q):
                assert (start[a, iss] < nbs[iss]) != (start[b, iss] < nbs[iss]), t
            moves = ((a, q, t["moves_to"], b), (b, p, t["partner_moves_to"], a))
            for mover, iss, new, partner in moves:
                old, target = y[mover, iss], start[partner, iss]
                assert (new - old) * (target - old) > 0, t  # towards the partner …
                assert abs(new - old) <= abs(target - old) + 1e-12, t  # … never past it
            dq = abs(t["moves_to"] - y[a, q]) * w[a, q]
            dp = abs(t["partner_moves_to"] - y[b, p]) * w[b, p]
            gain_a = dp * s[a, p] - dq * s[a, q]
            gain_b = dq * s[b, q] - dp * s[b, p]
            assert t["gain"] > 0
            assert gain_a == pytest.approx(t["gain"], rel=1e-9, abs=1e-14)
            assert gain_b == pytest.approx(t["gain"], rel=1e-9, abs=1e-14)
            before = [_counted(state, iss, partner, mover) for mover, iss, _, partner in moves]
            for mover, iss, new, partner in moves:
                y[mover, iss] = new
                toward[mover, partner, iss] = True
            if cap:
                for (mover, iss, _, partner), b0 in zip(moves, before):
                    target = start[partner, iss]
                    if (target - b0) * (target - start[mover, iss]) > 0:  # room before
                        after = _counted(state, iss, partner, mover)
                        assert (target - after) * (target - b0) >= -1e-12, t
        x = start + (fw + sw * (1.0 - s)) * (y - start)
        np.testing.assert_allclose((w * x).sum(axis=0), r.path[0, rnd], atol=1e-12, rtol=0)


@FAST
@given(generic(issues=(1, 3)), st.floats(0.0, 1.0), st.data())
def test_exchange_unanimous_issue_is_forecast_at_the_common_position(inp, v, data):
    c, x, s = inp
    j = data.draw(st.integers(0, x.shape[2] - 1), label="issue")
    x = x.copy()
    x[:, :, j] = v
    r = exchange_forecast(c, x, s)
    np.testing.assert_allclose(r.path[:, :, j], v, atol=1e-12, rtol=0)


@FAST
@given(generic(issues=(1, 1)), st.integers(0, 10))
def test_exchange_with_one_issue_is_the_compromise(inp, rounds):
    """No issue pair, no exchange: every round restarts where it started."""
    c, x, s = inp
    r = exchange_forecast(c, x, s, rounds=rounds)
    mean = (c[:, :, None] * s * x).sum(axis=1) / (c[:, :, None] * s).sum(axis=1)
    np.testing.assert_allclose(r.path, np.repeat(mean[:, None], rounds + 1, axis=1),
                               atol=1e-12, rtol=0)
    assert r.trail == ()


@FAST
@given(generic(issues=(2, 3)), st.integers(1, 10))
def test_exchange_reversing_the_scale_reverses_the_forecast_without_move_budget(inp, rounds):
    """Every rule but decide's move budget is symmetric under x → 1 − x. (The budget limits
    upward moves only — documented — so with the default move_budget=1.0 this is not a
    symmetry.) Without the NBS cap (which has its own test above)."""
    c, x, s = inp
    kw = {"rounds": rounds, "move_budget": None, "nbs_cap": False}
    r = exchange_forecast(c, x, s, **kw)
    rr = exchange_forecast(c, 1.0 - x, s, **kw)
    np.testing.assert_allclose(rr.path, 1.0 - r.path, atol=1e-9, rtol=0)


@FAST
@given(generic(issues=(2, 3)), st.floats(0.01, 100.0))
def test_exchange_capability_is_only_relative(inp, factor):
    """Weights are c·s / Σ c·s. Without the NBS cap (which has its own test above)."""
    c, x, s = inp
    r = exchange_forecast(c, x, s, nbs_cap=False)
    rs = exchange_forecast(c * factor, x, s, nbs_cap=False)
    np.testing.assert_allclose(rs.path, r.path, atol=1e-9, rtol=0)


# =========================================================================== SMP
def _transitive(x: np.ndarray) -> bool:
    """Is "within _POS_TOL" an equivalence on these positions (A, I)? KTAB identifies the
    distinct positions by scanning the actors in order; when the relation is not transitive
    the grouping, and so the readout, depends on that order (see the xfail test below)."""
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1))
    eq = d < _POS_TOL
    return bool(((eq.astype(int) @ eq.astype(int) > 0) == eq).all())


@SLOW
@given(relabelled(smp=True))
def test_smp_relabelling_actors_and_issues_relabels_the_run(case):
    (c, x, s), (cp, xp, sp), pa, pi = case
    r = smp_run(c, x, s, max_turns=SMP_TURNS)
    rp = smp_run(cp, xp, sp, max_turns=SMP_TURNS)
    np.testing.assert_array_equal(rp.n_turns, r.n_turns)
    np.testing.assert_allclose(rp.positions, r.positions[:, :, pa][..., pi],
                               atol=RELABEL_TOL, rtol=0)
    np.testing.assert_allclose(rp.risk, r.risk[:, :, pa], atol=1e-6, rtol=0)
    # the readout: the most probable *distinct* position, positions within _POS_TOL being one
    # (KTAB); the representative of a group is its first actor, so the forecast may move
    # within the group — by less than _POS_TOL when the groups are well defined
    final = r.positions[0, -1]
    if _transitive(final):
        gap = np.sqrt(((rp.outcome[0, -1] - r.outcome[0, -1][pi]) ** 2).sum())
        assert gap < _POS_TOL
    else:
        note("positions chain within the tolerance: the readout depends on the order")


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "SMP readout depends on actor order when positions chain within KTAB's 1e-3 tolerance "
    "(smp_voting.py _distinct: first-occurrence grouping, not transitive). Minimal: one issue, "
    "positions (0.7, 0.5, 0.5008, 0.5016), capabilities (2, 1, 1, 1), saliences 0.5: state-0 "
    "forecast 0.5016; actors listed (0, 2, 1, 3) → 0.7. Inherited from KTAB's algorithm."))
def test_smp_readout_is_independent_of_actor_order_with_chained_positions():
    x = np.array([[[0.7], [0.5], [0.5008], [0.5016]]])
    c = np.array([[2.0, 1.0, 1.0, 1.0]])
    s = np.full((1, 4, 1), 0.5)
    perm = [0, 2, 1, 3]
    a = smp_forecast(c, x, s, max_turns=1).path[0, 0]
    b = smp_forecast(c[:, perm], x[:, perm], s[:, perm], max_turns=1).path[0, 0]
    assert abs(a[0] - b[0]) < _POS_TOL


@SLOW
@given(st.data())
def test_smp_rows_of_a_batch_are_the_single_draw_runs(data):
    """Draws that stop early repeat their final state to the batch's last turn."""
    (c, x, s), singles = _stack(data.draw, 3, smp=True)
    r = smp_run(c, x, s, max_turns=SMP_TURNS)
    for k, (ck, xk, sk) in enumerate(singles):
        one = smp_run(ck, xk, sk, max_turns=SMP_TURNS)
        t = one.positions.shape[1]
        assert r.n_turns[k] == one.n_turns[0] and t == one.n_turns[0] + 1
        for name in ("positions", "probability", "risk", "outcome"):
            got, want = getattr(r, name)[k], getattr(one, name)[0]
            np.testing.assert_array_equal(got[:t], want, err_msg=name)
            np.testing.assert_array_equal(got[t:], np.broadcast_to(want[-1], got[t:].shape),
                                          err_msg=name)
        if k == 0:
            assert r.trail == one.trail
    again = smp_run(c, x, s, max_turns=SMP_TURNS)
    np.testing.assert_array_equal(again.positions, r.positions)


@SLOW
@given(generic(smp=True))
def test_smp_forecast_is_a_final_position_within_the_input_range(inp):
    """docs/explanation/smp.md: the forecast "is always one of the actors' positions"; every
    position is an interpolation of positions, rounded to 4 decimals (±5e-5)."""
    c, x, s = inp
    r = smp_run(c, x, s, max_turns=SMP_TURNS)
    final = r.positions[0, -1]
    assert (final == r.outcome[0, -1]).all(axis=-1).any()
    lo, hi = x[0].min(axis=0), x[0].max(axis=0)
    assert (r.positions[0] >= lo - 5e-5 - 1e-12).all()
    assert (r.positions[0] <= hi + 5e-5 + 1e-12).all()


@SLOW
@given(generic(smp=True), st.floats(0.0, 1.0), st.data())
def test_smp_unanimity(inp, v, data):
    """Everyone at one position: no one gains by a challenge, nothing moves, that position is
    the forecast. One issue unanimous: bargains interpolate a common value, so it stays there
    up to KTAB's 4-decimal rounding."""
    c, x, s = inp
    j = data.draw(st.integers(0, x.shape[2] - 1), label="issue")
    same = np.broadcast_to(x[:, :1], x.shape).copy()
    r = smp_forecast(c, same, s, max_turns=SMP_TURNS)
    np.testing.assert_array_equal(r.outcome, same[:, 0])
    x = x.copy()
    x[:, :, j] = v
    run = smp_run(c, x, s, max_turns=SMP_TURNS)
    assert np.abs(run.positions[..., j] - v).max() <= 5e-5 + 1e-12
    assert abs(run.outcome[0, -1, j] - v) <= 5e-5 + 1e-12


# =========================================================================== EUM
@FAST
@given(relabelled())
def test_eum_relabelling_actors_and_issues_relabels_the_forecast(case):
    (c, x, s), (cp, xp, sp), pa, pi = case
    r = eum_rounds(c, x, s)
    rp = eum_rounds(cp, xp, sp)
    np.testing.assert_allclose(rp.positions, r.positions[:, :, pa][..., pi],
                               atol=RELABEL_TOL, rtol=0)
    np.testing.assert_allclose(rp.median, r.median[..., pi], atol=RELABEL_TOL, rtol=0)
    np.testing.assert_allclose(rp.mean, r.mean[..., pi], atol=RELABEL_TOL, rtol=0)


@FAST
@given(st.data())
def test_eum_rows_of_a_batch_are_the_single_draw_runs(data):
    (c, x, s), singles = _stack(data.draw, 3)
    r = eum_rounds(c, x, s)
    for k, (ck, xk, sk) in enumerate(singles):
        one = eum_rounds(ck, xk, sk)
        for name in ("positions", "median", "mean"):
            np.testing.assert_array_equal(getattr(r, name)[k], getattr(one, name)[0],
                                          err_msg=name)
        if k == 0:
            assert r.trail == one.trail
    again = eum_forecast(c, x, s)
    np.testing.assert_array_equal(again.outcome, r.median[:, -1])


@FAST
@given(generic(issues=(2, 3)), st.data())
def test_eum_issues_are_independent(inp, data):
    """"One issue at a time (several issues are run side by side, independently)": an issue's
    forecast does not depend on which other issues are analysed with it."""
    c, x, s = inp
    keep = sorted(data.draw(st.sets(st.integers(0, x.shape[2] - 1), min_size=1), label="keep"))
    r = eum_rounds(c, x, s)
    sub = eum_rounds(c, x[:, :, keep], s[:, :, keep])
    np.testing.assert_array_equal(sub.positions, r.positions[..., keep])
    np.testing.assert_array_equal(sub.median, r.median[..., keep])


@FAST
@given(generic(), st.floats(0.0, 1.0), st.data())
def test_eum_unanimous_issue_is_forecast_at_the_common_position(inp, v, data):
    c, x, s = inp
    j = data.draw(st.integers(0, x.shape[2] - 1), label="issue")
    x = x.copy()
    x[:, :, j] = v
    r = eum_rounds(c, x, s)
    assert (r.positions[..., j] == v).all()  # no one is at a different position: no offers
    assert (r.median[..., j] == v).all()


@FAST
@given(generic(), st.floats(0.01, 100.0))
def test_eum_capability_is_only_relative(inp, factor):
    c, x, s = inp
    r = eum_rounds(c, x, s)
    rs = eum_rounds(c * factor, x, s)
    np.testing.assert_allclose(rs.positions, r.positions, atol=1e-9, rtol=0)


# The smallest case found (default options, 4 actors, 1 issue, 2 rounds): in round 1 actor 1
# loses a conflict and "moves to" actor 2's position 0.2, landing at
# 0.9 + (0.2 − 0.9) = 0.20000000000000007; in round 2 that 1-ulp gap counts as two positions,
# actor 2 makes a zero-EU "conflict" offer that (ranked first, least movement) displaces
# actor 3's real conflict, and the median is 0.2 where the same case on the scale 0.5x + 0.25
# gives 0.8 (mapped back). With the full moves landing on x_j the property holds.
EUM_AFFINE_MIN = ([1.0, 0.9, 0.2, 0.8], [1.0, 1.0, 1.0, 1.0], [0.1, 0.3, 0.5, 0.5])


@FAST
@example(inp=(np.ones((1, 4)), np.array(EUM_AFFINE_MIN[0])[None, :, None],
              np.array(EUM_AFFINE_MIN[2])[None, :, None]), scale=0.5, lo=0.5,
         selection="scholz_code", rounds=2)
@given(generic(), st.floats(-1.0, 1.0).filter(lambda b: abs(b) >= 0.2), st.floats(0.0, 1.0),
       st.sampled_from(["scholz_code", "type", "type_credible", "least", "credible"]),
       st.integers(1, 8))
def test_eum_same_result_on_any_affine_map_of_the_scale(inp, scale, lo, selection, rounds):
    """docs/explanation/eum.md: the model uses distances divided by Δ = x_max − x_min, "so it
    gives the same result on any scale that is an increasing affine map of another". Reversing
    the scale (scale < 0) changes nothing either, except under ``selection="scholz_code"``,
    whose rule for compromises "depends on the orientation of the scale" (documented)."""
    c, x, s = inp
    if scale < 0 and selection == "scholz_code":
        selection = "type"
    off = max(0.0, -scale) + lo * (1.0 - abs(scale))  # maps [0, 1] into [0, 1]
    y = scale * x + off
    r = eum_rounds(c, x, s, selection=selection, rounds=rounds)
    ry = eum_rounds(c, y, s, selection=selection, rounds=rounds)
    np.testing.assert_allclose(ry.positions, scale * r.positions + off, atol=1e-9, rtol=0)
    np.testing.assert_allclose(ry.median, scale * r.median + off, atol=1e-9, rtol=0)


@FAST
@example(inp=(np.ones((1, 4)), np.array(EUM_AFFINE_MIN[0])[None, :, None],
              np.array(EUM_AFFINE_MIN[2])[None, :, None]))
@given(generic())
def test_eum_conflict_and_compel_move_the_receiver_exactly_to_the_proposer(inp):
    """Scholz et al. §6 (docs/explanation/eum.md, the offers table): the loser of a conflict,
    and a compelled actor, move to x_j."""
    c, x, s = inp
    r = eum_rounds(c, x, s, rounds=1)
    for t in r.trail:
        if t["kind"] in ("conflict", "compel"):
            i, j, k = t["target"], t["actor"], t["issue"]
            assert r.positions[0, 1, i, k] == r.positions[0, 0, j, k], t
