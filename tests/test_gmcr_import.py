"""GMCR+ ``.gmcr`` import: every field honoured or refused, never silently dropped (issue 14).

Misperceptions: tests/data/gmcr/SI_misp.gmcr (see its README) — GMCR+'s own solver gives
equilibria 1, 2, 6 under Nash, GMR, SMR and SEQ; stable for Syria 1, 2, 5, 6 and for Iraq
1, 2, 4, 6 under every concept; without the misperceptions 6 / 1, 6 / 6 / 6. State ids are 1-based
positions of feasible states in bitmask order (GMCR+'s and detente's).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.cli import main
from detente.errors import ScenarioError
from detente.stability import Conflict, stability_solve, unilateral_moves
from detente.stability.gmcrplus import load_gmcr, parse_gmcr
from detente.stability.model import permute_bits

from .test_stability import SETTINGS, _reach, conflicts

DATA = Path(__file__).parent / "data" / "gmcr"
SI = DATA / "SI_misp.gmcr"
CONCEPTS = ("nash", "gmr", "smr", "seq")


def _ids(c: Conflict, states) -> list[int]:
    return [c.state_names.index(s) + 1 for s in states]


def _si() -> dict:
    return json.loads(SI.read_text())


def _refused(data: dict) -> list:
    with pytest.raises(ScenarioError) as ei:
        parse_gmcr(json.dumps(data), file="x.gmcr")
    assert all(p.file == "x.gmcr" and p.hint for p in ei.value.problems)
    return ei.value.problems


def _at(problems, path: str):
    paths = [p.path for p in problems]
    assert path in paths, paths
    return problems[paths.index(path)]


# ----------------------------------------------------------------------------- misperceptions
def test_si_misp_reproduces_gmcr_plus():
    c = load_gmcr(SI)
    assert c.state_names == ("NNN", "YNN", "NYN", "NNY", "YNY", "NYY")
    # Syria does not perceive 'Release Water' without 'Escalate' (states 2, 5); Iraq does not
    # perceive the states where Syria does neither (1, 4)
    assert c.perceived.astype(int).tolist() == [[1, 0, 1, 1, 0, 1], [0, 1, 1, 0, 1, 1]]
    for rule in ("textbook", "gmcrplus"):
        r = stability_solve(c, sanction_rule=rule)
        for concept in CONCEPTS:
            assert _ids(c, r.equilibria(concept)) == [1, 2, 6], (rule, concept)
            assert _ids(c, r.stable_states(concept, "Syria")) == [1, 2, 5, 6], concept
            assert _ids(c, r.stable_states(concept, "Iraq")) == [1, 2, 4, 6], concept


def test_without_misperceptions_the_result_differs_as_in_gmcr_plus():
    data = _si()
    for d in data["decisionMakers"]:
        d["misperceptions"] = []
    c = parse_gmcr(data)
    assert not c.misperceptions
    r = stability_solve(c)
    assert {k: _ids(c, r.equilibria(k)) for k in CONCEPTS} == {
        "nash": [6], "gmr": [1, 6], "smr": [6], "seq": [6]}


def test_cli_reads_misperceptions(capsys):
    assert main(["stability", str(SI), "--json", "-"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["equilibria"] == {k: ["NNN", "YNN", "NYY"] for k in CONCEPTS}
    assert d["limits"] == []


def test_a_dm_has_no_move_from_or_to_a_state_it_does_not_perceive():
    c = load_gmcr(SI)
    moves = unilateral_moves(c)
    seen = c.perceived
    for i, g in enumerate(moves):
        for s in range(c.n_states):
            for t in g.targets(s).tolist():
                assert seen[i, s] and seen[i, t]
    # Syria perceives NNN and NYN: it can escalate; from YNN (unseen) it has no move
    assert moves[0].targets(0).tolist() == [2] and moves[0].targets(1).tolist() == []


def test_misperceptions_round_trip_and_permute():
    c = load_gmcr(SI)
    again = Conflict.from_dict(c.to_dict())
    assert again.fingerprint == c.fingerprint
    assert (again.perceived == c.perceived).all()
    assert c.to_dict()["decision_makers"][0]["misperceives"] == [{"all_of": [[0, "Y"], [1, "N"]]}]
    perm = [2, 0, 1]
    p = c.permute_options(perm)
    pos = p.index_of[[permute_bits(int(s), perm) for s in c.feasible]]
    assert (p.perceived[:, pos] == c.perceived).all()
    # a conflict without misperceptions keeps its fingerprint (no new key in its data)
    plain = Conflict.from_dict({"options": [{"name": "x", "owner": "A"},
                                            {"name": "y", "owner": "B"}],
                                "decision_makers": [{"name": "A", "priorities": ["Y-"]},
                                                    {"name": "B", "priorities": ["-Y"]}]})
    assert "misperceives" not in json.dumps(plain.to_dict())
    with pytest.raises(ValueError, match="misperception lists"):
        Conflict(plain.decision_makers, plain.options, plain.preferences, (), "", ((),))


@st.composite
def _with_misperceptions(draw):
    c = draw(conflicts())
    k = c.n_options
    pattern = st.text(alphabet="YN--", min_size=k, max_size=k)
    data = c.to_dict()
    for d in data["decision_makers"]:
        d["misperceives"] = draw(st.lists(pattern, max_size=2))
    return Conflict.from_dict(data)


@SETTINGS
@given(_with_misperceptions(), st.sampled_from(["textbook", "gmcrplus"]))
def test_misperceptions_match_the_definitions(c, rule):
    """Stability straight from the definitions, moves built here: a DM's move is a change of
    its own options, reversibility respected, between two states it perceives."""
    fwd, back = c.direction_masks()
    seen = c.perceived
    feas = c.feasible.tolist()
    moves = []
    for i in range(len(c.decision_makers)):
        mask = c.owner_mask(i)
        m = {}
        for a, s in enumerate(feas):
            m[a] = {b for b, t in enumerate(feas)
                    if t != s and not (s ^ t) & ~mask and not (s & fwd & ~t)
                    and not (~s & back & t) and seen[i, a] and seen[i, b]}
        moves.append(m)
    pay = c.payoffs.tolist()
    imps = [{s: {t for t in m[s] if pay[i][t] > pay[i][s]} for s in m}
            for i, m in enumerate(moves)]
    r = stability_solve(c, sanction_rule=rule)
    for i in range(len(moves)):
        P = pay[i]
        opp = [j for j in range(len(moves)) if j != i]
        for s in range(c.n_states):
            nash = not imps[i][s]
            gmr = all(any(P[s2] <= P[s] for s2 in _reach(s1, [moves[j] for j in opp], rule))
                      for s1 in imps[i][s])
            smr = all(any(P[s2] <= P[s] and all(P[s3] <= P[s] for s3 in moves[i][s2])
                          for s2 in _reach(s1, [moves[j] for j in opp], rule))
                      for s1 in imps[i][s])
            seq = all(any(P[s2] <= P[s] for s2 in _reach(s1, [imps[j] for j in opp], rule))
                      for s1 in imps[i][s])
            got = [bool(r.stable[k][i, s]) for k in CONCEPTS]
            assert got == [nash, gmr, smr, seq], (i, s)


def test_bad_misperceptions_are_located():
    data = _si()
    data["decisionMakers"][1]["misperceptions"] = [[[9, "Y"]]]
    p = _at(_refused(data), "decisionMakers[1].misperceptions[0][0][0]")
    assert "not an option index" in p.message
    data["decisionMakers"][1]["misperceptions"] = "all"
    p = _at(_refused(data), "decisionMakers[1].misperceptions")
    assert "list of conditions" in p.message


# ----------------------------------------------------------------------------- other fields
@pytest.mark.parametrize("where, mutate", [
    ("attitudes", lambda d: d.update(attitudes={"Syria": "+"})),
    ("options[1].reversible", lambda d: d["options"][1].update(reversible=False)),
    ("decisionMakers[0].strength", lambda d: d["decisionMakers"][0].update(strength=[1, 2])),
    ("decisionMakers[1].preferences[0].weight", lambda d: d["decisionMakers"][1].update(
        preferences=[{"compound": True, "members": [[[0, "Y"]]], "weight": 2}])),
])
def test_unknown_fields_are_refused_by_name(where, mutate):
    data = _si()
    mutate(data)
    p = _at(_refused(data), where)
    key = where.rsplit(".", 1)[-1]
    assert f"does not understand the GMCR+ field {key!r}" in p.message
    assert f"remove {key!r}" in p.hint and p.hint.startswith(
        "detente reads 'options'" if "." not in where else
        "detente reads 'compound'" if "preferences" in where else "detente reads 'name'")


def test_cli_refuses_an_unknown_field(tmp_path, capsys):
    data = _si()
    data["indistinguishables"] = [[1, 2]]
    f = tmp_path / "odd.gmcr"
    f.write_text(json.dumps(data))
    assert main(["stability", str(f)]) != 0
    err = capsys.readouterr().err
    assert "indistinguishables" in err and "does not understand" in err


def test_coalitions():
    data = _si()
    data["coalitions"] = [[0, 1]]
    p = _at(_refused(data), "coalitions[0]")
    assert "as one decision maker" in p.message and "coalitions" in p.hint
    # GMCR+ 0.3.4 saved only [0]: GMCR+ then analyses each DM alone, and so does detente
    data["coalitions"] = [0]
    assert parse_gmcr(data).decision_makers == ("Syria", "Iraq")
    three = json.loads((Path(__file__).parent / "data" / "cases" / "gmcr" / "gmcrplus"
                        / "Elmira.gmcr").read_text())
    three["coalitions"] = [[0, 1]]
    p = _at(_refused(three), "coalitions[0]")
    assert "leaves out decision maker 2 ('Local Government')" in p.message
    for bad, path, words in (([0, 0, 1], "coalitions[1]", "listed twice"),
                             ([0, 5], "coalitions[1]", "not a decision-maker index"),
                             ("all", "coalitions", "must be a list")):
        data["coalitions"] = bad
        assert words in _at(_refused(data), path).message


def test_saved_payoffs_and_ranking_must_agree_with_the_preferences():
    data = _si()
    data["decisionMakers"][0]["payoffs"] = [6, 3, 5, 2, 4, 1]  # states 5 and 6 swapped
    p = _at(_refused(data), "decisionMakers[0].payoffs")
    assert "disagrees with the decision maker's preferences" in p.message
    assert "it puts state 2 (YNN) below state 5 (YNY), the preferences put it above" \
        in p.message and "recomputes" in p.hint
    data["decisionMakers"][0]["payoffs"] = [1, 2]
    assert "one number per feasible state (6)" in _at(
        _refused(data), "decisionMakers[0].payoffs").message
    data = _si()
    data["decisionMakers"][0]["payoffs"] = [60, 30, 50, 20, 10, 40]  # same order: fine
    data["decisionMakers"][1]["preferenceRanking"] = [2, 4, 6, 1, 5, 3]  # GMCR+'s own
    parse_gmcr(data)
    data["decisionMakers"][1]["preferenceRanking"] = [2, 4, 6, 1, 3, 5]
    _at(_refused(data), "decisionMakers[1].preferenceRanking")


def test_a_condition_naming_an_option_twice_is_refused():
    data = _si()
    data["infeasibles"] = [[[0, "Y"], [0, "N"]]]
    p = _at(_refused(data), "infeasibles[0][1]")
    assert "named twice" in p.message


def test_informational_fields_are_read():
    data = _si()
    data.update(program="gmcr-py", version="0.4.1", name="Syria and Iraq",
                coalitionsFull=[{"anything": "GMCR+ never reads it back"}])
    c = parse_gmcr(data)
    assert c.name == "Syria and Iraq"


def test_shipped_gmcr_plus_files_have_no_unread_fields(reference_cases):
    """The GMCR+ files of the reference cases and of these tests load as they are."""
    for f in [*sorted((reference_cases / "gmcr" / "gmcrplus").glob("*.gmcr")), SI]:
        c = load_gmcr(f)
        assert c.n_states > 0
        data = json.loads(f.read_text())
        assert np.array_equal(
            load_gmcr(f).payoffs, parse_gmcr(copy.deepcopy(data)).payoffs)
