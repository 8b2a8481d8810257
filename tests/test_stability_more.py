"""GMCR+ import, coalition stability, status-quo analysis and explanations.

GMCR+ save files: tests/data/cases/gmcr/gmcrplus/*.gmcr must give the states and stabilities of the
matching JSON cases (compared by option vectors). Status quo: the case files state none; the
literature's status quo is used — Cuban missile crisis: nothing done yet (NNNN, Fraser & Hipel);
Elmira: Uniroyal delaying, MoE not modifying the control order, Local Government not insisting
(NYNNN, Kilgour et al. 2001).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from detente.errors import ScenarioError
from detente.stability import Conflict, stability_solve
from detente.stability.coalitions import coalition_improvements, coalition_solve
from detente.stability.explain import explain
from detente.stability.gmcrplus import load_gmcr, parse_gmcr
from detente.stability.status_quo import status_quo_solve

PAIRS = [("Prisoners", "prisoners"), ("Cuban", "cuban"), ("Elmira", "elmira")]
KEYS = {"Nash": "nash", "GMR": "gmr", "SMR": "smr", "SEQ": "seq"}
PD = {"options": [{"name": "Cooperate", "owner": "A"}, {"name": "Cooperate", "owner": "B"}],
      "decision_makers": [{"name": "A", "priorities": ["-Y", "N-"]},
                          {"name": "B", "priorities": ["Y-", "-N"]}]}


def _files(reference_cases, stem, name):
    g = reference_cases / "gmcr" / "gmcrplus" / f"{stem}.gmcr"
    j = reference_cases / "gmcr" / f"{name}.json"
    return g, json.loads(j.read_text())


# ----------------------------------------------------------------------------- GMCR+ import
@pytest.mark.parametrize("stem, name", PAIRS)
def test_gmcr_import_matches_json_case(reference_cases, stem, name):
    g, case = _files(reference_cases, stem, name)
    c = load_gmcr(g)
    id_of = {s["vector"]: s["id"] for s in case["feasible_states"]}
    assert sorted(c.state_names) == sorted(id_of)
    assert [o.name for o in c.options] == [o["name"] for o in case["options"]]
    r = stability_solve(c)
    exp = case["expected"]
    for key, concept in KEYS.items():
        for dm in c.decision_makers:
            got = sorted(id_of[v] for v in r.stable_states(concept, dm))
            assert got == exp["stable_states_per_dm"][key][dm], (key, dm)
        assert sorted(id_of[v] for v in r.equilibria(concept)) == exp["equilibria"][key], key


def test_gmcr_manual_ranking_and_nested_or_groups():
    base = {"options": [{"name": "a", "permittedDirection": "both"},
                        {"name": "b", "permittedDirection": "fwd"}],
            "infeasibles": [],
            "decisionMakers": [
                {"name": "X", "options": [1], "preferences": [[[[0, "Y"]], [[1, "Y"]]]]},
                {"name": "Z", "options": [0],
                 "preferences": [{"compound": True, "members": [[[0, "Y"]], [[1, "Y"]]]}]}]}
    c = parse_gmcr(json.dumps(base))
    # options reordered by owner as gmcr-py does: X's option 'b' first
    assert [o.name for o in c.options] == ["b", "a"]
    assert c.options[0].reversibility == "fwd"
    assert c.payoffs[0].tolist() == c.payoffs[1].tolist() == [0, 1, 1, 1]
    manual = dict(base, useManualPreferenceVectors=True)
    manual["decisionMakers"] = [dict(d, preferenceRanking=[4, [2, 3], 1])
                                for d in base["decisionMakers"]]
    c2 = parse_gmcr(manual)
    assert c2.payoffs[0].tolist() == [0, 1, 1, 2]


@pytest.mark.parametrize("mutate, path, words", [
    (lambda d: d["options"][0].update(permittedDirection="up"),
     "options[0].permittedDirection", "unknown direction"),
    (lambda d: d["decisionMakers"][0]["preferences"].append([[7, "Y"]]),
     "decisionMakers[0].preferences[2][0][0]", "not an option index"),
    (lambda d: d["decisionMakers"][1]["preferences"].append([[0, "maybe"]]),
     "decisionMakers[1].preferences[2][0][1]", "\"Y\" or \"N\""),
    (lambda d: d["decisionMakers"][1].update(options=[]),
     "options[1]", "controlled by no decision maker"),
    (lambda d: d["infeasibles"].append({"compound": True}), "infeasibles[0]", "members"),
    (lambda d: d.update(useManualPreferenceRanking=True), "decisionMakers[0].preferenceRanking",
     "missing"),
])
def test_gmcr_errors_name_the_path(reference_cases, mutate, path, words):
    g, _ = _files(reference_cases, "Prisoners", "prisoners")
    data = json.loads(g.read_text())
    mutate(data)
    with pytest.raises(ScenarioError) as ei:
        parse_gmcr(json.dumps(data), file="x.gmcr")
    paths = [p.path for p in ei.value.problems]
    assert path in paths, paths
    p = ei.value.problems[paths.index(path)]
    assert words in p.message and p.hint and p.file == "x.gmcr"


def test_gmcr_bad_json_and_missing_file(tmp_path):
    f = tmp_path / "bad.gmcr"
    f.write_text('{"options": [\n  {"name": }]}')
    with pytest.raises(ScenarioError) as ei:
        load_gmcr(f)
    (p,) = ei.value.problems
    assert p.line == 2 and "not valid JSON" in p.message and p.hint
    with pytest.raises(ScenarioError, match="cannot read"):
        load_gmcr(tmp_path / "nope.gmcr")
    with pytest.raises(ScenarioError, match="duplicate|twice|ranking"):
        parse_gmcr({"useManualPreferenceRanking": True, "infeasibles": [],
                    "options": [{"name": "a", "permittedDirection": "both"}],
                    "decisionMakers": [{"name": "X", "options": [0], "preferences": [],
                                        "preferenceRanking": [1, 1]}]})


# ----------------------------------------------------------------------------- coalitions
def test_prisoners_dilemma_coalition():
    c = Conflict.from_dict(PD)
    ind = stability_solve(c)
    assert ind.equilibria("nash") == ("NN",)           # mutual defection
    assert "YY" not in ind.stable_states("nash", "A")   # cooperation unstable for each alone
    r = coalition_solve(c)
    assert r.coalitions == (("A", "B"),)
    assert r.improvements[("A", "B")] == {"NN": ["YY"]}  # joint move to mutual cooperation
    assert r.equilibria("nash") == ()                   # NN is coalition-unstable
    assert r.equilibria("gmr") == ("YY",)
    assert not r.coalition_stable["nash"][("A", "B")][0]
    d = r.to_dict()
    assert d["improvements"] == {"A + B": {"NN": ["YY"]}} and d["equilibria"]["gmr"] == ["YY"]
    # the joint move from NN is a sequence of both DMs' moves
    path = coalition_improvements(c, (0, 1), 0)[3]
    assert [k for k, _, _ in path] in ([0, 1], [1, 0]) and path[-1][2] == 3


def test_elmira_coalition_moe_uniroyal(reference_cases):
    """Kilgour et al. (2001): MoE and Uniroyal jointly leave the non-cooperative equilibrium
    (Uniroyal delays, Local Government insists) for modify + accept."""
    g, _ = _files(reference_cases, "Elmira", "elmira")
    c = load_gmcr(g)
    assert "NYNNY" in stability_solve(c).equilibria("nash")
    r = coalition_solve(c, coalitions=[("MoE", "Uniroyal")])
    assert r.improvements[("MoE", "Uniroyal")]["NYNNY"] == ["YNYNY"]
    assert "NYNNY" not in r.equilibria("nash") and "NYNNY" not in r.equilibria("gmr")
    assert "YNYNY" in r.equilibria("nash")


def _random_conflict(rng, n_dm, k):
    dms = [f"D{i}" for i in range(n_dm)]
    owners = list(range(n_dm)) + rng.integers(0, n_dm, size=k - n_dm).tolist()
    opts = [{"name": f"o{j}", "owner": dms[o],
             "reversibility": str(rng.choice(["both", "both", "fwd", "back"]))}
            for j, o in enumerate(owners)]
    names = ["".join(v)[::-1] for v in itertools.product("NY", repeat=k)]
    return Conflict.from_dict({"options": opts, "decision_makers": [
        {"name": d, "payoffs": dict(zip(names, rng.integers(0, 6, size=1 << k).tolist()))}
        for d in dms]})


def test_coalition_stability_implies_individual_stability():
    rng = np.random.default_rng(7)
    for _ in range(25):
        c = _random_conflict(rng, int(rng.integers(2, 4)), int(rng.integers(3, 6)))
        ind = stability_solve(c, concepts=("nash", "gmr")).stable
        r = coalition_solve(c)
        for concept in ("nash", "gmr"):
            assert not (r.stable[concept] & ~ind[concept]).any(), concept
        assert not (r.stable["nash"] & ~r.stable["gmr"]).any()
        # coalition Nash for H: no state of R_H is better for every member
        for h, mask in r.coalition_stable["nash"].items():
            idx = [c.decision_makers.index(d) for d in h]
            for s in range(c.n_states):
                assert mask[s] == (not coalition_improvements(c, idx, s))


# ----------------------------------------------------------------------------- status quo
def test_status_quo_cuban(reference_cases):
    g, _ = _files(reference_cases, "Cuban", "cuban")
    c = load_gmcr(g)
    r = status_quo_solve(c, "NNNN", concept="nash")
    assert r.equilibria == ("YNYN",)  # the only Nash equilibrium (state 6) is reachable
    assert r.paths["YNYN"] == [("US", "NNNN", "YNNN"), ("USSR", "YNNN", "YNYN")]
    gmr = status_quo_solve(c, "NNNN")
    assert set(gmr.equilibria) == set(stability_solve(c).equilibria("gmr"))  # all 7 reachable
    assert gmr.paths["NNNN"] == [] and len(gmr.paths["NYYN"]) == 2
    seq = status_quo_solve(c, "NNNN", "seq")
    assert seq.equilibria == ("YNYN", "NYYN", "NNYN")
    # each path is a chain of unilateral improvements
    pay = dict(zip(c.state_names, c.payoffs.T.tolist()))
    for path in gmr.paths.values():
        for dm, a, b in path:
            i = c.decision_makers.index(dm)
            assert pay[b][i] > pay[a][i]
        assert not path or path[0][1] == "NNNN"
    assert gmr.to_dict()["status_quo"] == "NNNN"
    stop = status_quo_solve(c, "NNNN", stop_at_equilibria=True)
    assert stop.equilibria == ("NNNN",) and stop.reachable == ("NNNN",)


def test_status_quo_elmira(reference_cases):
    g, _ = _files(reference_cases, "Elmira", "elmira")
    c = load_gmcr(g)
    r = status_quo_solve(c, "NYNNN", concept="nash")
    assert r.reachable == ("NYNNN", "NYNNY")
    assert r.paths == {"NYNNY": [("Local Government", "NYNNN", "NYNNY")]}
    assert status_quo_solve(c, "NYNNN").equilibria == ("NYNNN", "NYNNY")
    small = status_quo_solve(c, "NYNNN", max_states=1)
    assert small.truncated and small.reachable == ("NYNNN",)
    with pytest.raises(ValueError, match="not a feasible"):
        status_quo_solve(c, "NYYNN")


# ----------------------------------------------------------------------------- explanations
@pytest.mark.parametrize("stem, name", PAIRS[:2])
def test_explanations_agree_with_solver(reference_cases, stem, name):
    g, _ = _files(reference_cases, stem, name)
    c = load_gmcr(g)
    r = stability_solve(c)
    for concept in ("nash", "gmr", "smr", "seq"):
        for i, dm in enumerate(c.decision_makers):
            for j, s in enumerate(c.state_names):
                e = explain(c, s, dm, concept)
                assert e.stable == bool(r.stable[concept][i, j]), (concept, dm, s)
                assert e.text().startswith(s)


def test_explain_prisoners_in_words():
    c = Conflict.from_dict(PD)
    e = explain(c, "YY", "A", "nash")
    assert not e.stable
    assert e.improvements[0]["to"] == "NY" and e.improvements[0]["changes"] == "drops Cooperate"
    assert "Nash-unstable" in e.text()
    g = explain(c, "YY", "A", "gmr").to_dict()
    assert g["stable"] and g["improvements"][0]["sanction"] == [
        {"dm": "B", "from": "NY", "to": "NN", "changes": "drops Cooperate"}]
    assert explain(c, "NN", "A", "gmr").text().endswith("has no unilateral improvement from it.")


def test_explain_cuban_unstable(reference_cases):
    g, _ = _files(reference_cases, "Cuban", "cuban")
    c = load_gmcr(g)
    e = explain(c, "NNNN", "US", "seq")
    assert not e.stable
    d = {x["to"]: x for x in e.improvements}
    assert d["NYNN"]["changes"] == "takes Blockade" and d["NYNN"]["responses"] == ["NYYN"]
    assert "leaves US better off" in e.text()
    gm = explain(c, "NNNN", "US", "gmr")
    assert gm.stable
    assert {x["to"]: x["sanction_state"] for x in gm.improvements}["NYNN"] == "NYNY"
    assert "takes Escalate" in gm.text()
