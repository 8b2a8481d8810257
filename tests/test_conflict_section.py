"""The scenario's `conflict` section: schema, cross-checks with file:line:col, conversion to the
GMCR engine, and `detente stability`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from detente import ScenarioError, loads_scenario
from detente.cli import EXIT, main
from detente.scenario.conflict import describe_state
from detente.scenario.statements import StatementError, parse_statement
from detente.stability import stability_solve
from detente.stability.scenario import to_engine

from .conftest import SCENARIOS
from .test_load_errors import FILE, at, base, dump, where

FLAGSHIP = SCENARIOS / "ukraine-2025-02.yaml"


def conflict() -> dict[str, Any]:
    """The prisoners' dilemma between us and ru as a conflict section (options: cooperate)."""
    return {
        "decision_makers": [
            {"actor": "us", "preferences": ["ru_coop", "not us_coop"]},
            {"actor": "ru", "preferences": ["us_coop", "-ru_coop"]},
        ],
        "options": [{"id": "us_coop", "dm": "us"}, {"id": "ru_coop", "dm": "ru"}],
        "status_quo": {"us_coop": False, "ru_coop": False},
    }


def text_with(c: Any, **extra: Any) -> str:
    d = base()
    d["conflict"] = c
    d.update(extra)
    return dump(d)


def problems(text: str):
    with pytest.raises(ScenarioError) as ei:
        loads_scenario(text, file=FILE)
    return ei.value.problems


def one(text: str):
    found = problems(text)
    assert len(found) == 1, "\n".join(p.format() for p in found)
    return found[0]


# --------------------------------------------------------------------------- grammar
@pytest.mark.parametrize("text, tree", [
    ("a", ("opt", "a", 0)),
    ("-a", ("not", ("opt", "a", 1))),
    ("not a", ("not", ("opt", "a", 4))),
    ("a if b", ("or", ("not", ("opt", "b", 5)), ("opt", "a", 0))),
    ("a and (b or not c)",
     ("and", ("opt", "a", 0), ("or", ("opt", "b", 7), ("not", ("opt", "c", 16))))),
    ("a or b and c", ("or", ("opt", "a", 0), ("and", ("opt", "b", 5), ("opt", "c", 11)))),
])
def test_grammar(text, tree):
    assert parse_statement(text) == tree


@pytest.mark.parametrize("text, message, pos", [
    ("a and or b", "expected an option id, got 'or'", 6),
    ("a and (b", "expected ')', got the end of the statement", 8),
    ("a b", "expected 'and', 'or' or 'if', got 'b'", 2),
    ("a & b", "unexpected character '&'", 2),
    ("__import__('os')", "unexpected character '_'", 0),
])
def test_grammar_errors(text, message, pos):
    with pytest.raises(StatementError) as ei:
        parse_statement(text)
    assert (ei.value.message, ei.value.pos) == (message, pos)


# --------------------------------------------------------------------------- valid sections
def test_valid_section_loads_and_converts():
    s = loads_scenario(text_with(conflict()), file=FILE)
    assert s.conflict is not None
    assert s.conflict.option_ids() == ("us_coop", "ru_coop")
    assert s.conflict.status_quo_vector() == "NN"
    eng = to_engine(s.conflict)
    assert eng.decision_makers == ("us", "ru")
    assert [o.owner for o in eng.options] == ["us", "ru"]


def test_without_conflict_section():
    assert loads_scenario(dump(base()), file=FILE).conflict is None


def test_prisoners_as_a_section_reproduces_the_case(reference_cases):
    """The published prisoners' dilemma, written as a scenario section, gives its equilibria."""
    case = json.loads((reference_cases / "gmcr" / "prisoners.json").read_text())
    s = loads_scenario(text_with(conflict()), file=FILE)
    r = stability_solve(to_engine(s.conflict))
    ids = {st["id"]: st["vector"] for st in case["feasible_states"]}
    assert list(r.states) == [st["vector"] for st in case["feasible_states"]]
    exp = case["expected"]
    dms = {"Prisoner One": "us", "prisoner 2": "ru"}
    for key, concept in {"Nash": "nash", "GMR": "gmr", "SMR": "smr", "SEQ": "seq"}.items():
        assert list(r.equilibria(concept)) == [ids[i] for i in exp["equilibria"][key]], concept
        for dm, actor in dms.items():
            assert list(r.stable_states(concept, actor)) == [
                ids[i] for i in exp["stable_states_per_dm"][key][dm]], (concept, dm)


def test_prisoners_equilibria_plain():
    s = loads_scenario(text_with(conflict()), file=FILE)
    r = stability_solve(to_engine(s.conflict))
    assert r.equilibria("nash") == ("NN",)
    assert r.equilibria("gmr") == ("NN", "YY")
    assert r.equilibria("smr") == ("NN", "YY")
    assert r.equilibria("seq") == ("NN", "YY")


def test_ranking_with_ties_and_irreversible_option():
    c = conflict()
    c["decision_makers"][0] = {"actor": "us", "ranking": [["NY"], ["YY", "NN"], ["YN"]]}
    c["options"][0]["irreversible"] = "forward"
    c["infeasible"] = []
    s = loads_scenario(text_with(c), file=FILE)
    eng = to_engine(s.conflict)
    assert eng.options[0].reversibility == "fwd"
    assert eng.payoffs[0].tolist() == [1, 0, 2, 1]  # NN, YN, NY, YY


def test_infeasible_rule_removes_states():
    c = conflict()
    c["infeasible"] = ["us_coop and not ru_coop"]
    s = loads_scenario(text_with(c), file=FILE)
    assert to_engine(s.conflict).state_names == ("NN", "NY", "YY")


def test_equilibrium_question_accepted_with_a_conflict():
    q = [{"id": "q1", "text": "?", "when": {"equilibrium": {"state": "NN"}}},
         {"id": "q2", "text": "?",
          "when": {"equilibrium": {"state": {"us_coop": True, "ru_coop": True},
                                   "concept": "seq"}}}]
    s = loads_scenario(text_with(conflict(), questions=q), file=FILE)
    assert len(s.questions) == 2


# --------------------------------------------------------------------------- invalid sections
def test_undefined_actor():
    c = conflict()
    c["decision_makers"][1]["actor"] = "ru2"
    c["options"][1]["dm"] = "ru2"
    text = text_with(c)
    p = one(text)
    assert where(p) == (*at(text, "ru2", after="decision_makers"),
                        "conflict.decision_makers[1].actor", "'ru2' is not a defined actor")
    assert p.hint == "did you mean 'ru'? defined actors: us, ru, ua"


def test_option_owned_by_a_non_dm():
    c = conflict()
    c["options"][1]["dm"] = "ua"
    text = text_with(c)
    found = problems(text)
    msgs = [where(p) for p in found]
    assert (*at(text, "dm: ua"), "conflict.options[1].dm",
            "'ua' is not a decision maker of the conflict") in [
        (*at(text, "dm: ua"), m[2], m[3]) for m in msgs]
    assert [p.message for p in found] == [
        "decision maker 'ru' controls no option",
        "'ua' is not a decision maker of the conflict",
    ]
    assert found[1].column == at(text, "ua", after="dm: ")[1]


def test_duplicate_option_and_dm():
    c = conflict()
    c["options"].append({"id": "us_coop", "dm": "us"})
    c["decision_makers"].append({"actor": "us", "preferences": ["us_coop"]})
    text = text_with(c)
    got = [(p.path, p.message) for p in problems(text)]
    line_dm = at(text, "- actor: us")[0]
    line_opt = at(text, "- id: us_coop", after="options:")[0]
    assert got == [
        ("conflict.decision_makers[2].actor",
         f"'us' is listed twice as a decision maker (first at line {line_dm})"),
        ("conflict.options[2].id", f"duplicate option id 'us_coop' (first used at line {line_opt})"),
    ]


def test_unparseable_statement_points_at_the_column():
    c = conflict()
    c["decision_makers"][0]["preferences"] = ["ru_coop and or us_coop"]
    text = text_with(c)
    p = one(text)
    line, col = at(text, "ru_coop and or us_coop")
    assert where(p) == (line, col + 12, "conflict.decision_makers[0].preferences[0]",
                        ("cannot read 'ru_coop and or us_coop': expected an option id, got 'or' "
                        "(character 13)"))
    assert p.hint.startswith("write option ids joined by and, or, not (or '-')")


def test_unknown_option_in_statement():
    c = conflict()
    c["infeasible"] = ["us_coop and not ru_cop"]
    text = text_with(c)
    p = one(text)
    line, col = at(text, "us_coop and not ru_cop")
    assert where(p) == (line, col + 16, "conflict.infeasible[0]",
                        "'ru_cop' is not an option of the conflict (character 17)")
    assert p.hint == "did you mean 'ru_coop'? options: us_coop, ru_coop"


def test_quoted_statement_column():
    c = conflict()
    c["decision_makers"][1]["preferences"] = ["-us_coop and", "ru_coop"]
    text = text_with(c).replace("[-us_coop and,", "['-us_coop and',")
    p = one(text)
    line, col = at(text, "'-us_coop and'")
    assert (p.line, p.column) == (line, col + 1 + 12)
    assert p.message == ("cannot read '-us_coop and': expected an option id, got the end of "
                         "the statement (character 13)")


def test_status_quo_infeasible_and_incomplete():
    c = conflict()
    c["infeasible"] = ["not us_coop and not ru_coop"]
    text = text_with(c)
    p = one(text)
    assert where(p) == (*at(text, "us_coop: false"), "conflict.status_quo",
                        ("the status quo NN is infeasible: it matches a rule under "
                        "`conflict.infeasible`"))
    c = conflict()
    del c["status_quo"]["ru_coop"]
    c["status_quo"]["ua_coop"] = True
    text = text_with(c)
    got = [where(p) for p in problems(text)]
    assert got == [
        (*at(text, "us_coop: false"), "conflict.status_quo",
         "the status quo misses option 'ru_coop'"),
        (*at(text, "ua_coop"), "conflict.status_quo.ua_coop",
         "'ua_coop' is not an option of the conflict"),
    ]


def test_preferences_and_ranking_both_or_neither():
    c = conflict()
    c["decision_makers"][0]["ranking"] = [["NN", "YN", "NY", "YY"]]
    del c["decision_makers"][1]["preferences"]
    text = text_with(c)
    got = [(p.path, p.message) for p in problems(text)]
    assert got == [
        ("conflict.decision_makers[0]", ("give either `preferences` (prioritised option "
         "statements) or `ranking`, not both")),
        ("conflict.decision_makers[1]", ("give either `preferences` (prioritised option "
         "statements) or `ranking`")),
    ]


def test_bad_ranking():
    c = conflict()
    c["decision_makers"][0] = {"actor": "us", "ranking": [["NN", "YX"], ["NN"]]}
    text = text_with(c)
    got = [(p.path, p.message) for p in problems(text)]
    assert got == [
        ("conflict.decision_makers[0].ranking[0][1]", ("'YX' is not a state: a state is 2 "
         "letters Y or N, one per option in the order of `conflict.options`")),
        ("conflict.decision_makers[0].ranking[1][0]", "state NN is ranked twice"),
    ]
    c["decision_makers"][0] = {"actor": "us", "ranking": [["NN", "YN"]]}
    p = one(text_with(c))
    assert (p.path, p.message) == ("conflict.decision_makers[0].ranking",
                                   "the ranking misses feasible states: NY, YY")


def test_schema_errors_in_section():
    c = conflict()
    c["options"][0]["irreversible"] = "sideways"
    c["options"][1]["reversable"] = False
    text = text_with(c)
    got = [(p.path, p.message) for p in problems(text)]
    assert ("conflict.options[0].irreversible",
            "must be 'forward' or 'backward'; got 'sideways'") in got
    assert ("conflict.options[1].reversable", "unknown field 'reversable'") in got


def test_keyword_option_id_and_every_problem_at_once():
    c = conflict()
    c["options"][0]["id"] = "not"
    c["status_quo"] = {"not": False, "ru_coop": False}
    c["decision_makers"][0]["preferences"] = ["ru_coop"]
    c["decision_makers"][1]["preferences"] = ["(ru_coop"]
    found = problems(text_with(c))
    assert [p.message for p in found] == [
        "cannot read '(ru_coop': expected ')', got the end of the statement (character 9)",
        "'not' is a word of the statement grammar and cannot be an option id",
    ]


def test_equilibrium_question_checks_its_state():
    q = [{"id": "q1", "text": "?", "when": {"equilibrium": {"state": "NNY"}}},
         {"id": "q2", "text": "?", "when": {"equilibrium": {"state": {"us_coop": True}}}}]
    c = conflict()
    text = text_with(c, questions=q)
    got = [(p.path, p.message) for p in problems(text)]
    assert got == [
        ("questions[0].when.equilibrium.state", ("'NNY' is not a state: a state is 2 letters "
         "Y or N, one per option in the order of `conflict.options` (us_coop, ru_coop)")),
        ("questions[1].when.equilibrium.state", "the state misses option 'ru_coop'"),
    ]


def test_equilibrium_question_infeasible_state():
    q = [{"id": "q1", "text": "?", "when": {"not": {"equilibrium": {"state": "YN"}}}}]
    c = conflict()
    c["infeasible"] = ["us_coop and not ru_coop"]
    p = one(text_with(c, questions=q))
    assert (p.path, p.message) == (
        "questions[0].when.not.equilibrium.state",
        "state YN is infeasible (it matches a rule under `conflict.infeasible`)")


# --------------------------------------------------------------------------- flagship and CLI
def test_flagship_has_a_conflict_and_it_runs():
    from detente import load_scenario

    s = load_scenario(FLAGSHIP)
    c = s.conflict
    assert c is not None
    assert c.option_ids() == ("sign_deal", "lift_sanctions", "keep_aid", "cease_fire",
                              "withdraw", "accept", "keep_fighting", "keep_sanctions")
    assert all(d.sources and d.note for d in c.decision_makers)
    eng = to_engine(c, s.id)
    r = stability_solve(eng)
    sq = c.status_quo_vector()
    assert sq == "NNYNNNYY"
    assert sq in eng.state_names
    for concept in ("nash", "gmr", "smr", "seq"):
        assert sq in r.equilibria(concept)
        assert set(r.equilibria("nash")) <= set(r.equilibria(concept))
    assert describe_state(c.option_ids(), sq) == "keep_aid, keep_fighting, keep_sanctions"


def test_cli_stability_terminal(capsys):
    assert main(["stability", str(FLAGSHIP)]) == EXIT["ok"]
    out = capsys.readouterr().out
    assert "Status quo: NNYNNNYY — keep_aid, keep_fighting, keep_sanctions" in out
    assert "Nash: 6 equilibria" in out
    assert "(status quo)" in out
    assert "stable for ru:" in out


def test_cli_stability_json(tmp_path, capsys):
    assert main(["stability", str(FLAGSHIP), "--json", "-", "--sanction-rule", "gmcrplus"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["sanction_rule"] == "gmcrplus"
    assert d["status_quo"] == "NNYNNNYY"
    assert d["options"][0] == "sign_deal"
    assert set(d["equilibria"]) == {"nash", "gmr", "smr", "seq"}
    assert set(d["stable_states"]["nash"]) == {"us", "ru", "ua", "eu"}
    assert "NNYNNNYY" in d["equilibria"]["nash"]
    out = tmp_path / "r.json"
    assert main(["stability", str(FLAGSHIP), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["equilibria"] == {
        **json.loads(out.read_text())["equilibria"]}
    assert "Results written to" in capsys.readouterr().out


def test_cli_stability_errors(tmp_path, capsys):
    assert main(["stability", str(tmp_path / "missing.yaml")]) == EXIT["no_input"]
    plain = tmp_path / "plain.yaml"
    plain.write_text(dump(base()))
    assert main(["stability", str(plain)]) == EXIT["invalid"]
    assert "the scenario has no `conflict` section" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    c = conflict()
    c["infeasible"] = ["us_coop and"]
    bad.write_text(text_with(c))
    assert main(["stability", str(bad)]) == EXIT["invalid"]
    assert "cannot read 'us_coop and'" in capsys.readouterr().err
    assert main(["stability", str(plain), "--sanction-rule", "lax"]) == EXIT["usage"]


def test_cli_stability_reads_gmcr_files(reference_cases, capsys):
    import importlib.util

    path = reference_cases / "gmcr" / "gmcrplus" / "Prisoners.gmcr"
    if importlib.util.find_spec("detente.stability.gmcrplus") is None or not path.is_file():
        pytest.skip("GMCR+ import or the Prisoners.gmcr case is not available")
    assert main(["stability", str(path), "--json", "-"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status_quo"] is None
    assert len(d["equilibria"]["nash"]) == 1
    assert len(d["equilibria"]["gmr"]) == 2


def test_stability_json_has_status_quo_analysis_explanations_and_coalitions(capsys):
    import json

    from detente.cli import main

    assert main(["stability", "scenarios/ukraine-2025-02.yaml", "--json", "-"]) == 0
    d = json.loads(capsys.readouterr().out)
    sq = d["status_quo"]
    assert set(d["status_quo_analysis"]) == {"nash", "gmr"}
    assert sq in d["status_quo_analysis"]["gmr"]["reachable"]
    texts = [e["text"] for e in d["status_quo_explanations"]["gmr"]]
    assert len(texts) == 4 and all(t.startswith(sq) for t in texts)
    assert d["coalitions"] is not None and "gmr" in d["coalitions"]["equilibria"]
