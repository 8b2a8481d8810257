"""Simultaneous stability (SIM) and SEQ+SIM: published results, the definition read literally, and
GMCR+'s exhausted-iterator bug (its ``sim`` draws the opponents' move combinations from one
``itertools.product`` for every improvement, so only the first improvement sees them)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given

from detente.stability import ALL_CONCEPTS, Conflict, stability_solve
from detente.stability.graph import unilateral_improvements, unilateral_moves
from detente.stability.simultaneous import simultaneous_cost, simultaneous_stable

from .test_stability import SETTINGS, _conflict, _load, conflicts


def _brute_sim(c: Conflict, responses: str = "improvements") -> np.ndarray:
    """SIM straight from the definition: every improvement of i against every combination of
    the opponents' simultaneous moves (each stays or takes one move) from the same state."""
    moves = unilateral_moves(c)
    graphs = unilateral_improvements(c) if responses == "improvements" else moves
    imps = unilateral_improvements(c)
    pay, feas = c.payoffs, c.feasible.tolist()
    n_dm = len(c.decision_makers)
    masks = [c.owner_mask(j) for j in range(n_dm)]
    out = np.zeros((n_dm, c.n_states), dtype=bool)
    for i in range(n_dm):
        others = [j for j in range(n_dm) if j != i]
        for s in range(c.n_states):
            choices = [[feas[s] & masks[j]] + [feas[t] & masks[j]
                                               for t in graphs[j].targets(s).tolist()]
                       for j in others]
            combos = list(itertools.product(*choices))  # a list: reused for every s1

            out[i, s] = all(
                any(int(c.index_of[(feas[s1] & masks[i]) | sum(combo)]) >= 0
                    and pay[i][int(c.index_of[(feas[s1] & masks[i]) | sum(combo)])]
                    <= pay[i][s] for combo in combos)
                for s1 in imps[i].targets(s).tolist())
    return out


def _gmcrplus_sim(c: Conflict) -> np.ndarray:
    """GMCR+'s SIM logic as it behaves (written from its description, not its code): the
    opponents' combinations come from one iterator per state, used up by the first
    improvement."""
    imps = unilateral_improvements(c)
    pay, feas = c.payoffs, c.feasible.tolist()
    n_dm = len(c.decision_makers)
    out = np.zeros((n_dm, c.n_states), dtype=bool)
    for i in range(n_dm):
        others = [j for j in range(n_dm) if j != i]
        for s in range(c.n_states):
            deltas = [[0] + [feas[t] - feas[s] for t in imps[j].targets(s).tolist()]
                      for j in others]
            combos = itertools.product(*deltas)  # one iterator for all improvements
            ok = True
            for s1 in imps[i].targets(s).tolist():
                hit = False
                for combo in combos:
                    t = int(c.index_of[feas[s1] + sum(combo)]) \
                        if 0 <= feas[s1] + sum(combo) < c.index_of.size else -1
                    if t >= 0 and pay[i][t] <= pay[i][s]:
                        hit = True
                        break
                if not hit:
                    ok = False
                    break
            out[i, s] = ok
    return out


# ------------------------------------------------------------------------ published cases
def test_prisoners_dilemma_sim():
    """Simultaneous sanctioning stabilises mutual cooperation in the prisoners' dilemma
    (Fraser & Hipel 1984; Fang, Hipel & Kilgour 1993): SIM and SEQ+SIM equilibria are
    mutual defection (NN) and mutual cooperation (YY)."""
    pd = Conflict.from_dict({
        "options": [{"name": "C1", "owner": "A"}, {"name": "C2", "owner": "B"}],
        "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
                            {"name": "B", "priorities": ["Y-", "-N"]}]})
    r = stability_solve(pd, concepts=ALL_CONCEPTS)
    assert r.equilibria("sim") == ("NN", "YY")
    assert r.equilibria("seqsim") == ("NN", "YY")
    assert r.stable_states("sim", "A") == ("NN", "NY", "YY")
    d = r.to_dict()
    assert d["equilibria"]["sim"] == ["NN", "YY"] and d["sim_responses"] == "improvements"


@pytest.mark.parametrize("name", ("prisoners", "cuban", "elmira"))
def test_published_cases_match_definition(reference_cases, name):
    """On the published cases SIM is the definition read literally, SEQ+SIM is SEQ or SIM, and
    every Nash-stable state is SIM- and SEQ+SIM-stable."""
    c = _conflict(_load(reference_cases, name))
    r = stability_solve(c, concepts=ALL_CONCEPTS)
    np.testing.assert_array_equal(r.stable["sim"], _brute_sim(c))
    np.testing.assert_array_equal(r.stable["seqsim"], r.stable["seq"] | r.stable["sim"])
    assert not (r.stable["nash"] & ~r.stable["sim"]).any()


def test_elmira_sim_equilibria(reference_cases):
    """Elmira (Fang, Hipel & Kilgour 1993): the SEQ equilibria stay SEQ+SIM equilibria."""
    c = _conflict(_load(reference_cases, "elmira"))
    r = stability_solve(c, concepts=ALL_CONCEPTS)
    assert set(r.equilibria("seq")) <= set(r.equilibria("seqsim"))
    assert set(r.equilibria("nash")) <= set(r.equilibria("sim"))


# --------------------------------------------------------------------------- properties
@SETTINGS
@given(conflicts())
def test_sim_matches_definition(c):
    for responses in ("improvements", "moves"):
        np.testing.assert_array_equal(simultaneous_stable(c, responses), _brute_sim(c, responses),
                                      err_msg=responses)


@SETTINGS
@given(conflicts())
def test_sim_inclusions(c):
    """Nash ⊆ SIM ⊆ SIM with any moves; SEQ ∪ SIM = SEQ+SIM."""
    r = stability_solve(c, concepts=ALL_CONCEPTS)
    wide = simultaneous_stable(c, "moves")
    assert not (r.stable["nash"] & ~r.stable["sim"]).any()
    assert not (r.stable["sim"] & ~wide).any()
    np.testing.assert_array_equal(r.stable["seqsim"], r.stable["seq"] | r.stable["sim"])


def test_gmcrplus_iterator_bug_is_not_ours():
    """Over random 3-DM conflicts GMCR+'s logic differs from the definition in a few percent of
    checks (never finding more stable states); detente agrees with the definition in all."""
    rng = np.random.default_rng(7)
    checks = wrong = 0
    for _ in range(40):
        dms = ["A", "B", "C"]
        opts = [{"name": f"o{j}", "owner": dms[j % 3]} for j in range(6)]
        names = ["".join(v) for v in itertools.product("NY", repeat=6)]
        c = Conflict.from_dict({"options": opts, "decision_makers": [
            {"name": d, "payoffs": dict(zip(names, rng.integers(0, 20, 64).tolist()))}
            for d in dms]})
        ours, ref, theirs = simultaneous_stable(c), _brute_sim(c), _gmcrplus_sim(c)
        np.testing.assert_array_equal(ours, ref)
        assert not (theirs & ~ref).any()
        checks += ref.size
        wrong += int((theirs != ref).sum())
    assert 0 < wrong < checks * 0.25


def test_cost_and_json(reference_cases):
    c = _conflict(_load(reference_cases, "elmira"))
    assert simultaneous_cost(c) > 0
    r = stability_solve(c, concepts=("nash", "sim"), sim_responses="moves")
    json.dumps(r.to_dict())
    assert r.sim_responses == "moves"
    with pytest.raises(ValueError, match="unknown concepts"):
        stability_solve(c, concepts=("simx",))
    with pytest.raises(ValueError, match="responses"):
        simultaneous_stable(c, "threats")  # type: ignore[arg-type]


def test_sim_scales():
    """4 DMs, 12 options, 4,096 states: SIM in well under a second."""
    rng = np.random.default_rng(1)
    dms = [f"D{i}" for i in range(4)]
    opts = [{"name": f"o{j}", "owner": dms[j % 4]} for j in range(12)]
    names = ["".join(v) for v in itertools.product("NY", repeat=12)]
    c = Conflict.from_dict({"options": opts, "decision_makers": [
        {"name": d, "payoffs": dict(zip(names, rng.integers(0, 4096, 4096).tolist()))}
        for d in dms]})
    r = stability_solve(c, concepts=ALL_CONCEPTS)
    assert r.seconds < 10.0
