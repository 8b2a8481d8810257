"""GMCR stability engine: the published cases exactly, and properties theory guarantees.

Cases: tests/data/cases/gmcr/{prisoners,cuban,elmira}.json — feasible states, unilateral moves,
rankings derived from priority statements, stable states per DM and equilibria under Nash, GMR,
SMR and SEQ by the textbook definitions (Fang, Hipel & Kilgour 1993). States there are 1-based ids
of feasible states sorted by bitmask, which is detente's own state order.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detente.stability import (
    Conflict,
    reachable_min,
    stability_solve,
    unilateral_improvements,
    unilateral_moves,
)
from detente.stability.model import permute_bits

CASES = ("prisoners", "cuban", "elmira")
CONCEPT_KEYS = {"Nash": "nash", "GMR": "gmr", "SMR": "smr", "SEQ": "seq"}
SETTINGS = settings(max_examples=60, deadline=None)


def _load(reference_cases, name):
    path = reference_cases / "gmcr" / f"{name}.json"
    return json.loads(path.read_text())


def _conflict(case, use_priorities=True) -> Conflict:
    """The case file's conflict as detente plain data."""
    id_to_vec = {s["id"]: s["vector"] for s in case["feasible_states"]}
    dms = []
    for d in case["decision_makers"]:
        if use_priorities and "priority_statements" in d:
            dms.append({"name": d["name"], "priorities": d["priority_statements"]})
        else:
            dms.append({"name": d["name"],
                        "ranking": [[id_to_vec[s] for s in g] for g in d["preference_ranking"]]})
    return Conflict.from_dict({
        "name": case["name"],
        "options": [{"name": o["name"], "owner": o["controlled_by"],
                     "reversibility": o["reversibility"]} for o in case["options"]],
        "decision_makers": dms,
        "infeasible": case["infeasible_patterns"],
    })


@pytest.mark.parametrize("name", CASES)
def test_case_feasible_states(reference_cases, name):
    case = _load(reference_cases, name)
    c = _conflict(case)
    assert c.feasible.tolist() == [s["decimal"] for s in case["feasible_states"]]
    assert list(c.state_names) == [s["vector"] for s in case["feasible_states"]]


@pytest.mark.parametrize("name", CASES)
def test_case_unilateral_moves(reference_cases, name):
    case = _load(reference_cases, name)
    c = _conflict(case)
    for g, dm in zip(unilateral_moves(c), c.decision_makers):
        got = {str(s + 1): (g.targets(s) + 1).tolist() for s in range(c.n_states)}
        assert got == case["unilateral_moves"][dm], dm


@pytest.mark.parametrize("name", CASES)
def test_case_rankings_from_priority_statements(reference_cases, name):
    """Priority statements give exactly the file's ranking (ties included)."""
    case = _load(reference_cases, name)
    c = _conflict(case)
    for i, d in enumerate(case["decision_makers"]):
        if "priority_statements" not in d:
            continue
        p = c.payoffs[i]
        groups = {}
        for j in range(c.n_states):
            groups.setdefault(int(p[j]), []).append(j + 1)
        got = [sorted(groups[k]) for k in sorted(groups, reverse=True)]
        assert got == [sorted(g) for g in d["preference_ranking"]], d["name"]


@pytest.mark.parametrize("use_priorities", [True, False], ids=["priorities", "ranking"])
@pytest.mark.parametrize("name", CASES)
def test_case_stability(reference_cases, name, use_priorities):
    case = _load(reference_cases, name)
    c = _conflict(case, use_priorities)
    r = stability_solve(c)
    exp = case["expected"]
    for key, concept in CONCEPT_KEYS.items():
        for i, dm in enumerate(c.decision_makers):
            got = (np.flatnonzero(r.stable[concept][i]) + 1).tolist()
            assert got == exp["stable_states_per_dm"][key][dm], (key, dm)
        got = (np.flatnonzero(r.equilibrium_mask(concept)) + 1).tolist()
        assert got == exp["equilibria"][key], key


def test_result_record(reference_cases):
    c = _conflict(_load(reference_cases, "prisoners"))
    r = stability_solve(c, concepts=("nash", "seq"))
    d = r.to_dict()
    assert d["equilibria"] == {"nash": ["NN"], "seq": ["NN", "YY"]}
    assert d["stable_states"]["nash"]["Prisoner One"] == ["NN", "NY"]
    assert d["fingerprint"] == c.fingerprint and d["sanction_rule"] == "textbook"
    assert Conflict.from_dict(c.to_dict()).fingerprint == c.fingerprint
    with pytest.raises(ValueError):
        r.stable["nash"][0, 0] = False
    with pytest.raises(ValueError, match="unknown concepts"):
        stability_solve(c, concepts=("gmrx",))
    with pytest.raises(ValueError, match="sanction_rule"):
        stability_solve(c, sanction_rule="once")


# ----------------------------------------------------------------------- reference solver
def _reach(start, movers, rule):
    """States reachable from ``start`` by legal sequences (length ≥ 1) of the movers' moves,
    by explicit search over (state, history) — slow, obviously right."""
    if rule == "textbook":
        seen, frontier, out = set(), [(start, None)], set()
        while frontier:
            s, last = frontier.pop()
            for k, g in enumerate(movers):
                if k == last:
                    continue
                for t in g.get(s, ()):
                    out.add(t)
                    if (t, k) not in seen:
                        seen.add((t, k))
                        frontier.append((t, k))
        return out
    out, frontier = set(), [(start, frozenset())]
    while frontier:
        s, used = frontier.pop()
        for k, g in enumerate(movers):
            if k in used:
                continue
            for t in g.get(s, ()):
                out.add(t)
                frontier.append((t, used | {k}))
    return out


def _reference(c: Conflict, rule: str) -> dict[str, np.ndarray]:
    """Stability straight from the definitions, with Python sets."""
    moves = [{s: set(g.targets(s).tolist()) for s in range(c.n_states)}
             for g in unilateral_moves(c)]
    pay = c.payoffs.tolist()
    imps = [{s: {t for t in m[s] if pay[i][t] > pay[i][s]} for s in m}
            for i, m in enumerate(moves)]
    n_dm, n = len(moves), c.n_states
    res = {k: np.zeros((n_dm, n), dtype=bool) for k in ("nash", "gmr", "smr", "seq")}
    for i in range(n_dm):
        P = pay[i]
        opp = [j for j in range(n_dm) if j != i]
        for s in range(n):
            res["nash"][i, s] = not imps[i][s]
            res["gmr"][i, s] = all(any(P[s2] <= P[s] for s2 in
                                       _reach(s1, [moves[j] for j in opp], rule))
                                   for s1 in imps[i][s])
            res["smr"][i, s] = all(any(P[s2] <= P[s] and all(P[s3] <= P[s] for s3 in moves[i][s2])
                                       for s2 in _reach(s1, [moves[j] for j in opp], rule))
                                   for s1 in imps[i][s])
            res["seq"][i, s] = all(any(P[s2] <= P[s] for s2 in
                                       _reach(s1, [imps[j] for j in opp], rule))
                                   for s1 in imps[i][s])
    return res


# ----------------------------------------------------------------------- random conflicts
@st.composite
def conflicts(draw, min_dms=2, max_dms=3, max_options=6):
    n_dm = draw(st.integers(min_dms, max_dms))
    k = draw(st.integers(n_dm, max_options))
    dms = [f"D{i}" for i in range(n_dm)]
    owners = list(range(n_dm)) + draw(st.lists(st.integers(0, n_dm - 1),
                                               min_size=k - n_dm, max_size=k - n_dm))
    owners = draw(st.permutations(owners))
    rev = draw(st.lists(st.sampled_from(["both", "both", "fwd", "back"]), min_size=k, max_size=k))
    pattern = st.text(alphabet="YN--", min_size=k, max_size=k)
    infeasible = draw(st.lists(pattern.filter(lambda p: p.count("-") < k), max_size=2))
    opts = [{"name": f"o{j}", "owner": dms[owners[j]], "reversibility": rev[j]}
            for j in range(k)]
    base = Conflict.from_dict({"options": opts, "infeasible": infeasible,
                               "decision_makers": [{"name": d, "priorities": []} for d in dms]})
    assume(base.n_states >= 2)
    prefs = []
    for d in dms:
        if draw(st.booleans()):
            stmt = st.one_of(pattern, st.builds(lambda ps: {"any_of": ps},
                                                st.lists(pattern, min_size=1, max_size=3)))
            prefs.append({"name": d, "priorities": draw(st.lists(stmt, max_size=5))})
        else:
            vals = draw(st.lists(st.integers(0, 5), min_size=base.n_states,
                                 max_size=base.n_states))
            prefs.append({"name": d, "payoffs": dict(zip(base.state_names, vals))})
    return Conflict.from_dict({"options": opts, "infeasible": infeasible,
                               "decision_makers": prefs})


@SETTINGS
@given(conflicts(), st.sampled_from(["textbook", "gmcrplus"]))
def test_matches_reference_definitions(c, rule):
    r = stability_solve(c, sanction_rule=rule)
    ref = _reference(c, rule)
    for concept in ("nash", "gmr", "smr", "seq"):
        np.testing.assert_array_equal(r.stable[concept], ref[concept], err_msg=concept)


@SETTINGS
@given(conflicts(), st.sampled_from(["textbook", "gmcrplus"]))
def test_concept_inclusions(c, rule):
    """Nash ⊆ SMR ⊆ GMR, Nash ⊆ SEQ ⊆ GMR, for every DM."""
    s = stability_solve(c, sanction_rule=rule).stable
    assert not (s["nash"] & ~s["seq"]).any()
    assert not (s["seq"] & ~s["gmr"]).any()
    assert not (s["nash"] & ~s["smr"]).any()
    assert not (s["smr"] & ~s["gmr"]).any()


@SETTINGS
@given(conflicts(min_dms=2, max_dms=2))
def test_two_dms_sanction_rules_agree(c):
    a = stability_solve(c, sanction_rule="textbook").stable
    b = stability_solve(c, sanction_rule="gmcrplus").stable
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@SETTINGS
@given(conflicts(min_dms=3, max_dms=3))
def test_gmcrplus_sanctions_are_a_subset(c):
    """Each-opponent-once sanctions are textbook sanctions, so fewer states are stable."""
    a = stability_solve(c, sanction_rule="textbook").stable
    b = stability_solve(c, sanction_rule="gmcrplus").stable
    for k in a:
        assert not (b[k] & ~a[k]).any(), k


@SETTINGS
@given(conflicts(), st.data())
def test_option_order_does_not_matter(c, data):
    perm = data.draw(st.permutations(range(c.n_options)))
    c2 = c.permute_options(perm)
    r1, r2 = stability_solve(c), stability_solve(c2)
    # state j of c is state pos[j] of c2
    pos = c2.index_of[[permute_bits(int(s), perm) for s in c.feasible]]
    assert (pos >= 0).all() and sorted(pos.tolist()) == list(range(c2.n_states))
    for k in r1.stable:
        np.testing.assert_array_equal(r1.stable[k], r2.stable[k][:, pos], err_msg=k)


def test_improvements_are_strict_moves():
    rng = np.random.default_rng(0)
    c = _random_conflict(3, 7, rng)
    for i, (m, g) in enumerate(zip(unilateral_moves(c), unilateral_improvements(c))):
        for s in range(c.n_states):
            assert set(g.targets(s)) <= set(m.targets(s))
            assert all(c.payoffs[i][t] > c.payoffs[i][s] for t in g.targets(s))


def test_reachable_min_no_mover():
    assert (reachable_min(np.arange(3), []) == np.iinfo(np.int64).max).all()


def _random_conflict(n_dm: int, k: int, rng: np.random.Generator) -> Conflict:
    dms = [f"D{i}" for i in range(n_dm)]
    opts = [{"name": f"o{j}", "owner": dms[j % n_dm]} for j in range(k)]
    names = ["".join(v) for v in itertools.product("NY", repeat=k)]
    return Conflict.from_dict({"options": opts, "decision_makers": [
        {"name": d, "payoffs": dict(zip(names, rng.integers(0, 1 << k, size=1 << k).tolist()))}
        for d in dms]})


def test_twelve_options_four_dms_is_fast():
    """4 DMs, 12 options, 4,096 states, all four concepts (target ≤ 0.5 s; generous bound)."""
    c = _random_conflict(4, 12, np.random.default_rng(1))
    r = stability_solve(c)
    assert c.n_states == 4096
    assert r.seconds < 5.0


@pytest.mark.parametrize("dm, match", [
    ({"name": "A", "payoffs": {"NN": 1, "YN": 2, "NY": 3}}, "misses"),
    ({"name": "A", "payoffs": [["NN", 1], ["NN", 2], ["YN", 1], ["NY", 1], ["YY", 1]]}, "twice"),
    ({"name": "A", "ranking": [["NN", "YN", "NY", "YY"]], "payoffs": {}}, "exactly one"),
])
def test_preference_errors(dm, match):
    with pytest.raises(ValueError, match=match):
        _ = Conflict.from_dict({"options": [{"name": "x", "owner": "A"}, {"name": "y", "owner": "B"}],
                            "decision_makers": [dm, {"name": "B", "priorities": []}]}).payoffs


def test_infeasible_state_in_ranking():
    with pytest.raises(ValueError, match="infeasible"):
        _ = Conflict.from_dict({"options": [{"name": "x", "owner": "A"}, {"name": "y", "owner": "B"}],
                            "infeasible": ["YY"],
                            "decision_makers": [{"name": "A", "ranking": [["NN", "YN", "NY", "YY"]]},
                                                {"name": "B", "priorities": []}]}).payoffs
